"""The pages partners open from every email, under load: gunicorn on loopback, driven by wrk.

100,000 contacts over 1,000 partners (bench.digest_data) on PostgreSQL (TEST_DATABASE_URL; without
it SQLite, and the table says so), served by gunicorn with deploy/gunicorn.conf.py and production
settings (Redis for rate limits when it answers on 127.0.0.1:6379). wrk drives each page in turn
for a bounded time with a fixed number of connections, each connection a user who sends the next
request as soon as the last one answered:

- the preference page, GET, over 5,000 contacts' links, 16 users;
- saving it, POST (CSRF token and session cookie from a real GET), a new hour each time, 16 users;
- one-click unsubscribe, POST `List-Unsubscribe=One-Click` (RFC 8058), over 20,000 contacts, 16 users;
- the partner portal's kit download (a ZIP of about 1.5 MB, streamed from storage), 4 users;
- the admin partners list (the first page of 1,000 partners with contact counts), 4 users.

The naive way in the same run: the preference page under `gunicorn wsgi:app` with gunicorn's
defaults (one synchronous worker), as a deployment without our configuration would run it.
Targets on 2 cores: preference page p99 <= 100 ms at >= 400 requests/s with 16 users; partners
list p95 <= 200 ms. `python -m bench.web --seconds 5 --contacts 20000` for a quick run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import kit_samples as samples
from bench.common import Report, fresh_postgres_url
from bench.digest_data import generate
from campaigns.kits.builds import build_due_kits
from campaigns.kits.models import Kit
from campaigns.kits.pieces import PieceDraft, save_piece
from campaigns.planning.models import Campaign, CampaignStatus
from content.media import store_upload
from core import migrate
from core.auth import signer
from core.auth.models import Role, User
from core.config import load_settings
from core.db import make_engine, utc_now
from core.storage import storage_for
from subscribers.links import PREFERENCES, UNSUBSCRIBE
from subscribers.models import Contact, Partner
from subscribers.portal import SESSION_KEY, create_partner_user
from wsgi import create_app

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).with_name("web.lua")
SCHEMA = "bench_web"
SECRET = "bench-web-secret-key-that-is-long-enough-to-sign-links"  # noqa: S105 (a throw-away bench app)
REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET_P99_MS = 100.0
TARGET_RPS = 400.0
TARGET_PARTNERS_P95_MS = 200.0


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    paths: list[str]
    users: int
    body: str = ""
    cookie: str = ""


@dataclass(frozen=True)
class Measured:
    name: str
    users: int
    requests: int
    seconds: float
    bad: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    megabytes: float
    cpu_ms_per_request: float  # gunicorn's processes only: what the page costs, whatever else runs
    max_ms: float = 0.0  # the slowest request

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def database(directory: Path) -> tuple[str, str]:
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        return f"sqlite:///{directory / 'web.db'}", "sqlite"
    return fresh_postgres_url(base, SCHEMA), "postgresql"


def redis_answers() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def environ_for(url: str, directory: Path, port: int, rate_limits: str) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "INSTANCE_DIR": str(directory / "instance"),
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_STORAGE_URI": rate_limits,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
    }


class Upload(io.BytesIO):
    def __init__(self, data: bytes, filename: str) -> None:
        super().__init__(data)
        self.filename: str | None = filename


def kit_draft(image_ids: list[int]) -> PieceDraft:
    copy: dict[str, Any] = dict(samples.COPY["en"])
    return PieceDraft(
        subject_lines=list(copy["subject_lines"]),
        preheader=copy["preheader"],
        short_copy=copy["short_copy"],
        medium_copy=copy["medium_copy"],
        long_copy=copy["long_copy"],
        social_posts=dict(copy["social_posts"]),
        image_ids=image_ids,
        cta_label=copy["cta_label"],
        cta_url=copy["campaign_url"],
        flyer_title=copy["flyer_title"],
        flyer_text=copy["flyer_text"],
    )


def seed(app: Flask) -> dict[str, Any]:
    """An admin, a live campaign with a built kit for one partner and its marketer; ids for the cookies."""
    database = app.extensions["channelcast.db"]
    with app.app_context(), database.unit_of_work() as session:
        admin = User(email="admin@bench.example", name="Bench Admin", role=Role.ADMIN, password_hash="!")  # noqa: S106
        session.add(admin)
        partner = session.scalars(select(Partner).order_by(Partner.id).limit(1)).one()
        partner.tier = "gold"
        partner.default_locale = "en"
        marketer = create_partner_user(session, partner, "marketer@bench.example", name="Bench Marketer", locale="en")
        now = utc_now()
        campaign = Campaign(
            name="Bench campaign", goal="", status=CampaignStatus.LIVE, timezone="UTC",
            launch_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=30), target_tiers=["gold"],
        )  # fmt: skip
        session.add(campaign)
        session.flush()
        storage = storage_for(app)
        images = [store_upload(session, storage, Upload(samples.photo(seed=n), f"photo-{n}.jpg"), uploaded_by=None)
                  for n in (1, 2)]  # fmt: skip
        save_piece(session, campaign, "en", kit_draft([image.id for image in images]))
        settings = app.config["CHANNELCAST"]
        build_due_kits(session, storage=storage, settings=settings, now=now, partner_ids=[partner.id], processes=1)
        kit = session.scalars(select(Kit).where(Kit.partner_id == partner.id)).one()
        session.flush()
        return {"admin": admin.get_id(), "marketer": marketer.id, "kit": kit.id, "kit_size": kit.size}


def contact_links(app: Flask, session: Session, purpose: str, count: int, offset: int) -> list[str]:
    ids = session.scalars(select(Contact.id).order_by(Contact.id).offset(offset).limit(count)).all()
    with app.app_context():
        links = signer(app)
        return [f"/{purpose[0]}/{links.sign(purpose, contact_id, 1)}" for contact_id in ids]


def session_cookie(app: Flask, values: dict[str, Any]) -> str:
    """A signed Flask session cookie, as the browser of a signed-in person carries it."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps(values)}"


def csrf_for(base: str, path: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) from a real GET of the preference page."""
    with urllib.request.urlopen(base + path, timeout=30) as answer:  # noqa: S310 (loopback)
        page = answer.read().decode()
        cookie = answer.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the preference page")
    return cookie, token.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    environ: dict[str, str],
    port: int,
    log: Path,
    *,
    naive: bool,
    extra: tuple[str, ...] = (),
    app: str = "wsgi:app",
) -> subprocess.Popen[bytes]:
    # The naive run keeps gunicorn's defaults but for its control socket, which would clash with others'.
    config = ["--no-control-socket"] if naive else ["-c", "deploy/gunicorn.conf.py", *extra]
    command = [sys.executable, "-m", "gunicorn", *config, "--bind", f"127.0.0.1:{port}", app]
    with log.open("ab") as out:
        server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environ}, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return server
        except (urllib.error.URLError, OSError):
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited ({server.returncode}); see {log}") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cpu_seconds(master: int) -> float:
    """CPU used so far by gunicorn's master and its workers (live ones, and exited ones it reaped)."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: int) -> list[str]:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return []

    fields = stat(master)
    if not fields:
        return 0.0
    total = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for child in children:
        child_fields = stat(int(child))
        total += sum(int(value) for value in child_fields[11:13]) if child_fields else 0
    return total / tick


def run_wrk(base: str, scenario: Scenario, seconds: int, directory: Path, server: int) -> Measured:
    paths = directory / f"{scenario.name.split()[0]}-paths.txt"
    paths.write_text("\n".join(scenario.paths) + "\n")
    command = [
        "wrk", "-t1", f"-c{scenario.users}", f"-d{seconds}s", "--timeout", "10s", "-s", str(SCRIPT), base,
        "--", scenario.method, str(paths), scenario.body, scenario.cookie,
    ]  # fmt: skip
    cpu_before = cpu_seconds(server)
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    cpu = cpu_seconds(server) - cpu_before
    line = next((row for row in done.stdout.splitlines() if row.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed for {scenario.name}:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("RESULT "))
    bad = raw["bad_status"] + raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
    return Measured(
        name=scenario.name,
        users=scenario.users,
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        bad=bad,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        megabytes=raw["bytes"] / 1e6,
        cpu_ms_per_request=cpu * 1000 / max(raw["requests"], 1),
        max_ms=raw["max_us"] / 1000,
    )


def scenarios(app: Flask, url: str, base: str, seeded: dict[str, Any]) -> list[Scenario]:
    engine = make_engine(url)
    with Session(engine) as session:
        total = len(session.scalars(select(Contact.id)).all())
        preference_paths = contact_links(app, session, PREFERENCES, min(5000, total // 2), 0)
        # Other contacts than the preference pages': most of these POSTs really unsubscribe someone.
        unsubscribe_paths = contact_links(app, session, UNSUBSCRIBE, min(20000, total // 2), total // 2)
    engine.dispose()
    cookie, token = csrf_for(base, preference_paths[0])
    form = f"csrf_token={token}&frequency=weekly&preferred_weekday=1&preferred_hour=HOUR&locale=en"
    form += "".join(f"&interests={n}" for n in (1, 2))
    portal = session_cookie(app, {SESSION_KEY: seeded["marketer"]})
    admin = session_cookie(app, {"_user_id": seeded["admin"], "_fresh": True})
    return [
        Scenario("preference page GET", "GET", preference_paths, 16),
        Scenario("preference page POST", "POST", preference_paths, 16, form, cookie),
        Scenario("one-click unsubscribe POST", "POST", unsubscribe_paths, 16, "List-Unsubscribe=One-Click"),
        Scenario("portal kit download", "GET", [f"/portal/kits/{seeded['kit']}/download"], 4, "", portal),
        Scenario("admin partners list", "GET", ["/admin/partners"], 4, "", admin),
    ]


def check_answers(base: str, all_scenarios: list[Scenario]) -> None:
    """Each page answers as a person would see it (not a redirect to sign-in) before it is timed."""
    expected = {"GET": 200, "POST": 302}
    for scenario in all_scenarios:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            base + scenario.paths[0],
            method=scenario.method,
            data=scenario.body.replace("HOUR", "7").encode() if scenario.body else None,
            headers={"Cookie": scenario.cookie} if scenario.cookie else {},
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        wanted = 200 if scenario.name.startswith("one-click") else expected[scenario.method]
        if status != wanted:
            raise SystemExit(f"{scenario.name}: {scenario.method} answered {status}, expected {wanted}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15, help="per page")
    parser.add_argument("--gunicorn", default="", help='extra gunicorn flags, e.g. "--workers 3 --threads 2"')
    parser.add_argument("--only", default="", help="run only the pages whose name contains this")
    args = parser.parse_args(argv)
    report = Report("web under load (gunicorn on loopback, wrk)")
    if shutil.which("wrk") is None:
        report.line("skipped", "wrk is not installed", "make wrk (Debian's wrk, as root)")
        return report
    with tempfile.TemporaryDirectory() as tmp:
        measured, label, rate_limits, naive = _measure(
            Path(tmp), args.contacts, args.seconds, tuple(args.gunicorn.split()), args.only
        )
    _fill(report, measured, naive, label, rate_limits, args.contacts)
    report.write("web.json")
    return report


def _measure(
    directory: Path, contacts: int, seconds: int, extra: tuple[str, ...], only: str
) -> tuple[list[Measured], str, str, Measured]:
    url, label = database(directory)
    engine = make_engine(url)
    migrate.upgrade(engine)
    generate(engine, contacts=contacts)
    engine.dispose()
    rate_limits = REDIS_URL if redis_answers() else "memory://"
    port = free_port()
    environ = environ_for(url, directory, port, rate_limits)
    app = create_app(load_settings(environ))
    seeded = seed(app)
    base = f"http://127.0.0.1:{port}"
    log = directory / "gunicorn.log"
    server = start_gunicorn(environ, port, log, naive=False, extra=extra)
    try:
        plan = scenarios(app, url, base, seeded)
        check_answers(base, plan)
        run_wrk(base, plan[0], 3, directory, server.pid)  # warm-up: every worker has compiled its templates
        chosen = [scenario for scenario in plan if only in scenario.name]
        measured = [run_wrk(base, scenario, seconds, directory, server.pid) for scenario in chosen]
    finally:
        stop(server)
    server = start_gunicorn(environ, port, log, naive=True)
    try:
        naive = run_wrk(base, plan[0], min(seconds, 10), directory, server.pid)
    finally:
        stop(server)
    app.extensions["channelcast.db"].engine.dispose()
    return measured, label, rate_limits, naive


def _fill(
    report: Report, measured: list[Measured], naive: Measured, label: str, rate_limits: str, contacts: int
) -> None:
    if label == "sqlite":
        report.line("note", "TEST_DATABASE_URL not set: SQLite", "PostgreSQL")
    report.line("contacts / database / rate limits", f"{contacts:,} / {label} / {rate_limits}", "")
    busy = os.getloadavg()[0]
    report.line("machine load average (1 min) at the end", f"{busy:.1f}", "")
    for row in measured:
        report.line(
            f"{row.name} ({row.users} users)",
            f"{row.per_second:,.0f} req/s, p50 {row.p50_ms:.0f} ms, p95 {row.p95_ms:.0f} ms, p99 {row.p99_ms:.0f} ms, "
            f"{row.cpu_ms_per_request:.1f} ms CPU each"
            + (f", {row.bad} bad" if row.bad else "")
            + (f", {row.megabytes / row.seconds:,.0f} MB/s" if "download" in row.name else ""),
            _target(row),
        )
    report.line(
        "naive: preference page GET, gunicorn defaults (1 sync worker)",
        f"{naive.per_second:,.0f} req/s, p95 {naive.p95_ms:.0f} ms, p99 {naive.p99_ms:.0f} ms, "
        f"{naive.cpu_ms_per_request:.1f} ms CPU each",
        "",
    )
    preference = next((row for row in measured if row.name == "preference page GET"), None)
    if preference is not None:
        report.line("ours vs naive (preference GET)", f"{preference.per_second / max(naive.per_second, 1):.1f}x", "")
    for shortfall in _shortfalls(measured):
        report.line("shortfall", shortfall, "")
    report.result = {
        "contacts": contacts,
        "database": label,
        "rate_limits": rate_limits,
        "pages": {
            row.name: {
                "users": row.users,
                "requests": row.requests,
                "seconds": round(row.seconds, 1),
                "requests_per_s": round(row.per_second),
                "p50_ms": round(row.p50_ms, 1),
                "p95_ms": round(row.p95_ms, 1),
                "p99_ms": round(row.p99_ms, 1),
                "bad_answers": row.bad,
                "cpu_ms_per_request": round(row.cpu_ms_per_request, 2),
            }
            for row in measured
        },
        "naive_preference_get": {
            "requests_per_s": round(naive.per_second),
            "p95_ms": round(naive.p95_ms, 1),
            "p99_ms": round(naive.p99_ms, 1),
        },
        "targets": {
            "preference_p99_ms": TARGET_P99_MS,
            "preference_requests_per_s": TARGET_RPS,
            "partners_p95_ms": TARGET_PARTNERS_P95_MS,
        },
        "cpus": os.cpu_count(),
        "load_average_at_end": round(os.getloadavg()[0], 1),
    }


def _target(row: Measured) -> str:
    if row.name.startswith("preference"):
        return f"p99 <= {TARGET_P99_MS:.0f} ms, >= {TARGET_RPS:.0f} req/s"
    if row.name.startswith("admin partners"):
        return f"p95 <= {TARGET_PARTNERS_P95_MS:.0f} ms"
    return ""


def _shortfalls(measured: list[Measured]) -> list[str]:
    lines = []
    for row in measured:
        if row.bad:
            lines.append(f"{row.name}: {row.bad} answers were errors or timeouts")
        if row.name.startswith("preference"):
            if row.p99_ms > TARGET_P99_MS:
                lines.append(f"{row.name}: p99 {row.p99_ms:.0f} ms, {row.p99_ms - TARGET_P99_MS:.0f} ms over")
            if row.per_second < TARGET_RPS:
                ceiling = (os.cpu_count() or 1) * 1000 / max(row.cpu_ms_per_request, 0.1)
                lines.append(
                    f"{row.name}: {row.per_second:.0f} req/s, {TARGET_RPS - row.per_second:.0f} short; cause: "
                    f"{row.cpu_ms_per_request:.1f} ms of gunicorn CPU each caps {os.cpu_count()} cores at "
                    f"{ceiling:.0f} req/s before PostgreSQL, Redis and wrk take their share"
                )
        if row.name.startswith("admin partners") and row.p95_ms > TARGET_PARTNERS_P95_MS:
            lines.append(f"{row.name}: p95 {row.p95_ms:.0f} ms, {row.p95_ms - TARGET_PARTNERS_P95_MS:.0f} ms over")
    return lines


if __name__ == "__main__":
    main().print()
