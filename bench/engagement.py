"""Engagement at size: roll-ups and scores for 10 million events and 100,000 contacts, and every report page.

On PostgreSQL (TEST_DATABASE_URL) in a schema of its own. The data is generated inside the
database (INSERT ... SELECT over generate_series): 1,000 partners, 100,000 contacts, a year of
monthly newsletters (one message per ten events), and per message a sent, a delivered, four opens
(one by a privacy proxy), three clicks (one by a link scanner) and one more: a kit download,
preference change, portal sign-in or unsubscribe. Then:

- the roll-ups and scores counted from nothing, in batches (the number to meet: 60 s);
- the naive way for comparison: one campaign's figures by a GROUP BY over the raw events, as a
  report page would need without roll-ups;
- every report page through the app (Flask test client, an admin signed in), p95 of 20 requests
  each (the number to meet: 200 ms).

`--events` scales it down (the table says what was measured; times grow about linearly with it).
"""

# The generator's SQL is assembled from this module's constants and integer sizes only.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import Report, fresh_postgres_url, timed
from core import migrate
from core.db import make_engine

SCHEMA = "bench_engagement"
ROLLUP_TARGET_S = 60.0
PAGE_TARGET_MS = 200.0
PARTNERS, ITEMS, AREAS, CAMPAIGNS, BODIES = 1_000, 200, 9, 12, 500
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC)
POSTAL = "Channelcast Bench BV, Keizersgracht 1, 1015 CJ Amsterdam, NL"

# One slot per event of a message, ten per message: (kind, automated, has an item).
SLOTS = (
    ("sent", False), ("delivered", False), ("open", False), ("open", False), ("open", False), ("open", True),
    ("click", False), ("click", False), ("click", True), ("extra", False),
)  # fmt: skip


def generate(engine: Engine, *, events: int, contacts: int) -> dict[str, float]:
    """The data set, inside PostgreSQL; returns the seconds each part took."""
    deliveries = events // len(SLOTS)
    timings: dict[str, float] = {}
    steps = [
        ("catalogue", _catalogue_sql()),
        ("partners and contacts", _people_sql(contacts)),
        ("bodies and deliveries", _deliveries_sql(deliveries, contacts)),
        ("events", _events_sql(deliveries, contacts)),
    ]
    for name, statements in steps:
        with timed() as timer, engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        timings[name] = timer.seconds
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return timings


def _catalogue_sql() -> list[str]:
    return [
        "INSERT INTO users (email, name, role, password_hash, phone, timezone, locale, is_active, session_version, "
        "created_at) VALUES ('admin@bench.example', 'Bench Admin', 'admin', '', '', 'UTC', 'en', true, 1, now()), "
        "('manager@bench.example', 'Mia Manager', 'account_manager', '', '', 'UTC', 'en', true, 1, now())",
        f"INSERT INTO interest_areas (slug, names, descriptions, position, is_active, created_at) "
        f"SELECT 'area-' || g, json_build_object('en', 'Area ' || g), '{{}}', g, true, now() "
        f"FROM generate_series(1, {AREAS}) g",
        f"INSERT INTO content_items (kind, status, default_locale, publish_at, priority, cta_url, created_at, "
        f"updated_at) SELECT 'article', 'published', 'en', now(), 50, '', now(), now() "
        f"FROM generate_series(1, {ITEMS}) g",
        "INSERT INTO content_variants (item_id, locale, title, summary, body, cta_label, cta_url, updated_at) "
        "SELECT id, 'en', 'Item ' || id, '', '', '', '', now() FROM content_items",
        f"INSERT INTO content_item_areas (item_id, area_id) SELECT id, 1 + id % {AREAS} FROM content_items",
        f"INSERT INTO campaigns (name, goal, timezone, launch_at, ends_at, status, target_tiers, "
        f"target_partner_types, target_countries, target_locales, version, created_at, updated_at) "
        f"SELECT 'Campaign ' || g, '', 'UTC', now(), now(), 'live', '[]', '[]', '[]', '[]', 1, now(), now() "
        f"FROM generate_series(1, {CAMPAIGNS}) g",
        f"INSERT INTO campaign_content_items (campaign_id, content_item_id) "
        f"SELECT 1 + id % {CAMPAIGNS}, id FROM content_items WHERE id % 3 = 0",
    ]


def _people_sql(contacts: int) -> list[str]:
    return [
        f"INSERT INTO partners (name, tier, type, subcategory, country, default_locale, account_manager_id, "
        f"logo_path, brand_primary_color, brand_accent_color, brand_website, brand_phone, brand_email, "
        f"brand_postal_address, brand_tagline, brand_contact_name, brand_version, created_at, updated_at) "
        f"SELECT 'Partner ' || g, (ARRAY['registered','silver','gold','platinum'])[1 + g % 4], 'solution', '', "
        f"(ARRAY['NL','DE','FR','SE','PL','GB'])[1 + g % 6], 'en', CASE WHEN g % 20 = 0 THEN 2 END, "
        f"'', '', '', '', '', '', '', '', '', '', now(), now() FROM generate_series(1, {PARTNERS}) g",
        f"INSERT INTO contacts (partner_id, email, name, job_role, locale, timezone, status, frequency, "
        f"preferred_weekday, preferred_hour, link_version, created_at, updated_at) "
        f"SELECT 1 + g % {PARTNERS}, 'c' || g || '@bench.example', 'Contact ' || g, '', "
        f"(ARRAY['en','nl','de','fr','sv','pl'])[1 + g % 6], 'UTC', 'active', 'monthly', 1, 9, 1, now(), now() "
        f"FROM generate_series(1, {contacts}) g",
    ]


def _deliveries_sql(deliveries: int, contacts: int) -> list[str]:
    # Message d goes to contact 1 + d % contacts, in month 1 + d / contacts (a year of monthly news).
    return [
        f"INSERT INTO rendered_bodies (content_hash, subject, html, text, created_at) "
        f"SELECT md5(g::text), 'News ' || g, '<p>{POSTAL}</p>', '{POSTAL}', now() FROM generate_series(1, {BODIES}) g",
        f"INSERT INTO newsletter_items (body_id, content_item_id, position) "
        f"SELECT b, 1 + (b * 7 + k * 13) % {ITEMS}, k FROM generate_series(1, {BODIES}) b, generate_series(0, 5) k "
        f"ON CONFLICT DO NOTHING",
        f"INSERT INTO deliveries (idempotency_key, body_id, recipient_email, recipient_name, contact_id, fields, "
        f"category, status, attempts, next_attempt_at, created_at, updated_at, sent_at) "
        f"SELECT 'digest:' || (1 + d % {contacts}) || ':' || '2026-' "
        f"|| lpad((1 + (d / {contacts}) % 12)::text, 2, '0'), "
        f"1 + d % {BODIES}, 'c' || (1 + d % {contacts}) || '@bench.example', '', 1 + d % {contacts}, '{{}}', "
        f"'digest', 'sent', 1, now(), now(), now(), now() FROM generate_series(0, {deliveries - 1}) d",
    ]


def _events_sql(deliveries: int, contacts: int) -> list[str]:
    kinds = "ARRAY[" + ", ".join(f"'{kind}'" for kind, _ in SLOTS) + "]"
    automated = "ARRAY[" + ", ".join("true" if auto else "false" for _, auto in SLOTS) + "]"
    extras = "(ARRAY['kit_download','preference_change','portal_sign_in','unsubscribe'])[1 + (d / 7) % 4]"
    # Message d (id d + 1) was sent on day (d % 28) of its month; its events follow within hours.
    sent_at = (
        f"(timestamptz '{START.isoformat()}' + ((d / {contacts}) % 12) * interval '30 days' "
        f"+ (d % 28) * interval '1 day' + s * interval '37 minutes')"
    )
    return [
        "DROP INDEX IF EXISTS ix_events_delivery_id",
        "DROP INDEX IF EXISTS ix_events_contact_id",
        f"INSERT INTO events (kind, delivery_id, contact_id, provider_event_id, occurred_at, detail, automated, "
        f"content_item_id) "
        f"SELECT CASE WHEN s = 9 THEN {extras} ELSE ({kinds})[s + 1] END, d + 1, d.contact_id, NULL, {sent_at}, "
        f"CASE WHEN s = 9 THEN json_build_object('campaign_id', 1 + d % {CAMPAIGNS}) ELSE '{{}}'::json END, "
        f"({automated})[s + 1], CASE WHEN s IN (6, 7, 8) THEN 1 + ((d % {BODIES}) * 7 + s * 13) % {ITEMS} END "
        f"FROM (SELECT g AS d, 1 + g % {contacts} AS contact_id FROM generate_series(0, {deliveries - 1}) g) d, "
        f"generate_series(0, 9) s",
        "CREATE INDEX ix_events_delivery_id ON events (delivery_id)",
        "CREATE INDEX ix_events_contact_id ON events (contact_id)",
    ]


def naive_campaign_figures(engine: Engine, campaign_id: int) -> float:
    """One campaign's figures straight from the raw events, split by tier: what a page would run."""
    statement = text("""
        SELECT p.tier, count(*) FILTER (WHERE e.kind = 'sent'),
               count(DISTINCT e.delivery_id) FILTER (WHERE e.kind IN ('open', 'click') AND NOT e.automated),
               count(DISTINCT e.delivery_id) FILTER (WHERE e.kind = 'click' AND NOT e.automated)
        FROM events e JOIN deliveries d ON d.id = e.delivery_id JOIN contacts c ON c.id = d.contact_id
        JOIN partners p ON p.id = c.partner_id
        WHERE d.body_id IN (SELECT ni.body_id FROM newsletter_items ni JOIN campaign_content_items cci
                            ON cci.content_item_id = ni.content_item_id WHERE cci.campaign_id = :campaign)
        GROUP BY p.tier
    """)
    with timed() as timer, engine.connect() as connection:
        connection.execute(statement, {"campaign": campaign_id}).all()
    return timer.seconds


def counts_agree(engine: Engine) -> bool:
    """The roll-ups' all-mail totals against a GROUP BY over the raw events: sent, human opens and
    clicks, machine opens, and unique opens and clicks (messages with a human open or click)."""
    raw = text("""
        SELECT count(*) FILTER (WHERE kind = 'sent'), count(*) FILTER (WHERE kind = 'open' AND NOT automated),
               count(*) FILTER (WHERE kind = 'click' AND NOT automated),
               count(*) FILTER (WHERE kind = 'open' AND automated),
               count(DISTINCT delivery_id) FILTER (WHERE kind IN ('open', 'click') AND NOT automated),
               count(DISTINCT delivery_id) FILTER (WHERE kind = 'click' AND NOT automated)
        FROM events
    """)
    rolled = text("""
        SELECT sum(sent), sum(opens), sum(clicks), sum(machine_opens), sum(unique_opens), sum(unique_clicks)
        FROM engagement_totals WHERE campaign_id = 0
    """)
    with engine.connect() as connection:
        return tuple(connection.execute(raw).one()) == tuple(connection.execute(rolled).one())


def count_everything(app: object, engine: Engine) -> tuple[float, int]:
    from campaigns.engagement.rollups import decay_partner_scores, refresh_baselines, roll_up

    with app.app_context(), Session(engine) as session, timed() as timer:  # type: ignore[attr-defined]
        run = roll_up(session, NOW, batch_size=1_000_000)
        decay_partner_scores(session, NOW)
        refresh_baselines(session, NOW.date())
        session.commit()
    return timer.seconds, run.counted


def page_timings(app: object, runs: int) -> list[tuple[str, float]]:
    """p95 in ms of each report page, an admin (and for the overview, the account manager) signed in."""
    pages = [
        ("reports index", "/admin/reports/", 1),
        ("campaign report", "/admin/reports/campaigns/3", 1),
        ("newsletter period report", "/admin/reports/periods/2026-06", 1),
        ("content item report", "/admin/reports/items/9", 1),
        ("interest area report", "/admin/reports/areas/2", 1),
        ("partner report", "/admin/reports/partners/20", 1),
        ("partners by engagement", "/admin/reports/partners", 1),
        ("partners list, cooling filter", "/admin/partners?engagement=cooling", 1),
        ("partners list, by score", "/admin/partners?sort=engagement", 1),
        ("campaign table as CSV", "/admin/reports/campaigns/3/by_country.csv", 1),
        ("overview of an account manager", "/", 2),
    ]
    results = []
    client = app.test_client()  # type: ignore[attr-defined]
    for name, url, user_id in pages:
        with client.session_transaction() as web_session:
            web_session["_user_id"], web_session["_fresh"] = f"{user_id}:1", True
        timings = []
        for _ in range(runs + 2):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        timings = sorted(timings[2:])  # the first two warm the caches
        results.append((name, statistics.quantiles(timings, n=20)[18] if len(timings) >= 2 else timings[0]))
    return results


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20, help="requests per page")
    args = parser.parse_args(argv)
    report = Report(f"engagement: roll-ups, scores and reports ({args.events:,} events, {args.contacts:,} contacts)")
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        report.line("skipped", "needs PostgreSQL", "set TEST_DATABASE_URL")
        return report
    from core.config import load_settings
    from wsgi import create_app

    url = fresh_postgres_url(base, SCHEMA)
    engine = make_engine(url)
    migrate.upgrade(engine)
    generated = generate(engine, events=args.events, contacts=args.contacts)
    for name, seconds in generated.items():
        report.line(f"generate {name}", f"{seconds:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({
            "APP_ENV": "test", "INSTANCE_DIR": str(Path(tmp) / "instance"), "DATABASE_URL": url, "LOG_LEVEL": "warning",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-signing",
        })  # fmt: skip
        app = create_app(settings)
        naive = naive_campaign_figures(engine, 3)
        seconds, counted = count_everything(app, engine)
        rate = counted / seconds if seconds else 0
        verdict = "ok" if seconds <= ROLLUP_TARGET_S * args.events / 10_000_000 else "SHORT"
        report.line("roll-ups and scores, from nothing", f"{seconds:.1f} s ({rate:,.0f} events/s)",
                    f"<= {ROLLUP_TARGET_S:.0f} s for 10M: {verdict}")  # fmt: skip
        report.line("roll-ups against a GROUP BY over the raw events", "agree" if counts_agree(engine) else "DIFFER")
        if args.events != 10_000_000:
            report.line("  extrapolated to 10M events", f"{seconds * 10_000_000 / max(args.events, 1):.1f} s", "linear")
        report.line("naive: one campaign by GROUP BY over raw events", f"{naive * 1000:.0f} ms",
                    "per page view, every view")  # fmt: skip
        app.config["CHANNELCAST"] = settings
        slow = []
        for name, p95 in page_timings(app, args.runs):
            ok = p95 <= PAGE_TARGET_MS
            slow += [] if ok else [name]
            report.line(
                f"page: {name} (p95)", f"{p95:.0f} ms", f"<= {PAGE_TARGET_MS:.0f} ms: {'ok' if ok else 'SHORT'}"
            )
        report.line("shortfalls", ", ".join(slow) or "none")
    engine.dispose()
    report.result = {
        "events": args.events,
        "contacts": args.contacts,
        "rollup_seconds": seconds,
        "naive_ms": naive * 1000,
    }
    report.write("engagement.json")
    return report


if __name__ == "__main__":
    main().print()
