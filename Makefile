# Channelcast: `make run` serves it with demo data, `make test` checks everything.
# Every target installs what it needs first, so a new machine needs only Python 3.11+ and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Tests run in this many processes (pytest-xdist; `auto` is one per core), a file's tests together.
TEST_WORKERS ?= auto

.PHONY: help install run test test-fast lint bench browser fonts mailtools translations wrk prod-local vendor-swagger-ui clean

help:
	@echo "make run        serve on http://127.0.0.1:5000 with demo data and the scheduler"
	@echo "make test       lint, type-check and run every test (SQLite; PostgreSQL too with TEST_DATABASE_URL)"
	@echo "make test-fast  the same without the slow tests (browser, subprocesses)"
	@echo "make bench      run the benchmarks; JSON lands in bench/results/"
	@echo "make translations  extract every partner-facing string, merge it into each language, compile"
	@echo "make prod-local    gunicorn, one scheduler and two workers on PostgreSQL and Redis here; Ctrl-C stops them"

install: $(STAMP)

# Reinstall when the dependency list or the pinned versions change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "chromium is not installed and this is not root: the browser tests will be skipped (install Debian's chromium)"; \
	fi

# Kit flyers embed DejaVu Sans (Polish, Swedish and German letters); Debian ships it.
fonts:
	@if [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's fonts-dejavu-core for the kit flyers..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	else \
		echo "DejaVu Sans is missing and this is not root: kit flyers fall back to Helvetica (install fonts-dejavu-core)"; \
	fi

# The bounce mailbox tests read from a real IMAP/POP3 server (dovecot, started by the suite on free
# loopback ports); the spam-filter test scores our emails with SpamAssassin's local rules.
# The system dovecot service is not started: the tests run their own (policy-rc.d, as in Docker).
MAILTOOLS_PACKAGES := dovecot-imapd dovecot-pop3d spamassassin
mailtools:
	@if command -v dovecot >/dev/null 2>&1 && command -v spamassassin >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's $(MAILTOOLS_PACKAGES) for the mailbox and spam-filter tests..."; \
		added=""; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
			chmod 755 /usr/sbin/policy-rc.d; added=1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(MAILTOOLS_PACKAGES) >/dev/null; status=$$?; \
		if [ -n "$$added" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	else \
		echo "dovecot or spamassassin is missing and this is not root: the mailbox and spam-filter tests will be skipped (install $(MAILTOOLS_PACKAGES))"; \
	fi

# The web benchmark drives gunicorn with wrk, Debian's HTTP load generator.
wrk:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's wrk for the web benchmark..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "wrk is not installed and this is not root: the web benchmark will say so (install Debian's wrk)"; \
	fi

run: $(STAMP) fonts
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) browser fonts mailtools lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP) fonts mailtools lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow" $(PYTEST_ARGS)

bench: $(STAMP) wrk
	$(BIN)/python -m bench

# One config (subscribers/babel.cfg), one catalogue (subscribers/translations). After this,
# translate what the statistics show as untranslated or fuzzy in each .po (a test insists).
CATALOGUE := subscribers/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F subscribers/babel.cfg --project=Channelcast --copyright-holder=Channelcast \
		-o $(CATALOGUE)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUE)/messages.pot -d $(CATALOGUE) --ignore-obsolete
	$(BIN)/pybabel compile -d $(CATALOGUE) --statistics

# Production on this machine: PostgreSQL and Redis must be running (see the README's production section).
prod-local: $(STAMP) fonts
	$(BIN)/python deploy/prod_local.py $(PROD_LOCAL_ARGS)

# The API reference page's Swagger UI is committed in static/vendor/swagger-ui (the app needs no network).
# This fetches it again from the npm registry, e.g. after changing the version.
SWAGGER_UI_VERSION := 5.35.0
vendor-swagger-ui:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz && \
		cp package/swagger-ui-bundle.js package/swagger-ui-bundle.js.LICENSE.txt package/swagger-ui.css package/LICENSE package/NOTICE \
		$(CURDIR)/static/vendor/swagger-ui/ && rm -rf $$tmp
	@echo "swagger-ui-dist $(SWAGGER_UI_VERSION) in static/vendor/swagger-ui (update its VERSION file)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
