"""Roll-ups kept up to date as events arrive: read new events by id, count them once, score them.

One cursor row says how far the events table has been counted. A run locks it (`FOR UPDATE SKIP
LOCKED` on PostgreSQL: a second worker finds it taken and does nothing), counts the next batch of
events into the roll-up tables with set-based SQL, adds their weights to the contact and partner
scores, and moves the cursor, all in one transaction: an event is counted exactly once or not at
all. Ids the cursor passes that do not exist yet (a transaction still open when we looked) are
kept as gaps and counted when they appear; after GAP_PATIENCE they are taken as rolled back.

Unique opens and clicks: the first human open (or click) of each message is stored in
`engagement_firsts` with its event id; only that event adds to `unique_*`. A human click counts as
an open too (the reader saw the message even if their mail app blocked the pixel).
"""

# The SQL below is assembled from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Date, Select, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.delivery.outbox import insert_for
from campaigns.engagement.models import METRICS, RollupCursor, RollupGap
from core.db import UTCDateTime, utc_now
from subscribers.engagement import COOLING_WINDOW_DAYS, PartnerScore

log = logging.getLogger("channelcast.engagement")

CURSOR = "events"
BATCH_SIZE = 500_000
GAP_PATIENCE = dt.timedelta(minutes=10)
# What one event adds to a score (README, "Engagement"): human opens and clicks only.
WEIGHTS = {
    EventKind.OPEN: 1.0,
    EventKind.CLICK: 3.0,
    EventKind.KIT_DOWNLOAD: 5.0,
    EventKind.PREFERENCE_CHANGE: 2.0,
    EventKind.PORTAL_SIGN_IN: 2.0,
}
LN2 = math.log(2)


@dataclass(frozen=True)
class Dialect:
    """The few SQL fragments SQLite and PostgreSQL spell differently."""

    day: str  # the UTC day of a timestamp column
    age_seconds: str  # seconds from a timestamp column to :now
    period: str  # the period in a digest's key, digest:<contact>:<period>
    detail_int: str  # an integer from the event's JSON detail
    greatest: str
    days_before: str  # whole days from a date column to :on


POSTGRESQL = Dialect(
    day="CAST(({col} AT TIME ZONE 'UTC') AS DATE)",
    age_seconds="EXTRACT(EPOCH FROM (:now - {col}))",
    period="split_part({col}, ':', 3)",
    detail_int="CAST(({col} ->> '{key}') AS INTEGER)",
    greatest="GREATEST",
    days_before="(CAST(:on AS DATE) - {col})",
)
SQLITE = Dialect(
    day="date({col})",
    age_seconds="((julianday(:now) - julianday({col})) * 86400.0)",
    period="substr({col}, instr(substr({col}, 8), ':') + 8)",
    detail_int="CAST(json_extract({col}, '$.{key}') AS INTEGER)",
    greatest="max",
    days_before="CAST(julianday(:on) - julianday({col}) AS INTEGER)",
)


def dialect_of(session: Session) -> Dialect:
    return POSTGRESQL if session.get_bind().dialect.name == "postgresql" else SQLITE


def decay_factor(sql: Dialect, column: str, half_life_days: int) -> str:
    """exp(-ln2 * age / half-life): 1 now, 0.5 one half-life ago (future timestamps count as now)."""
    age = f"{sql.greatest}({sql.age_seconds.format(col=column)}, 0.0)"
    # Clamped: PostgreSQL's exp() refuses to underflow (an event a thousand half-lives old).
    return f"exp({sql.greatest}(-700.0, -{LN2!r} * {age} / {half_life_days * 86_400.0!r}))"


@dataclass
class RollupRun:
    counted: int = 0
    batches: int = 0
    busy: bool = False  # another worker holds the cursor

    def __str__(self) -> str:
        return "another worker is counting" if self.busy else f"{self.counted} events counted in {self.batches} batches"


# ---------------------------------------------------------------------------------------------- the cursor


def _claim_cursor(session: Session) -> RollupCursor | None:
    """The cursor row, locked for this transaction; None when another worker holds it."""
    locked = (
        select(RollupCursor)
        .where(RollupCursor.name == CURSOR)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    cursor = session.scalars(locked).one_or_none()
    if cursor is not None:
        return cursor
    if session.scalar(select(RollupCursor.name).where(RollupCursor.name == CURSOR)) is not None:
        return None  # it exists, and another worker holds it
    # The migration creates the row; a database emptied by hand gets it back here.
    session.execute(
        insert_for(session)(RollupCursor)
        .values(name=CURSOR, last_event_id=0, counted=0, updated_at=utc_now())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalars(locked).one_or_none()


def _note_gaps(session: Session, low: int, high: int, now: dt.datetime) -> None:
    """Ids in (low, high] with no event yet: remembered, to count when they commit."""
    present = session.scalar(select(func.count()).where(Event.id > low, Event.id <= high)) or 0
    if present == high - low:
        return  # the common case: no gap, no id list
    seen = set(session.scalars(select(Event.id).where(Event.id > low, Event.id <= high)))
    missing = [{"event_id": i, "noticed_at": now} for i in range(low + 1, high + 1) if i not in seen]
    if missing:
        session.execute(insert_for(session)(RollupGap).on_conflict_do_nothing(index_elements=["event_id"]), missing)


def _filled_gaps(session: Session, now: dt.datetime) -> list[int]:
    """Gaps whose event has appeared (counted now) and gaps given up on, both forgotten."""
    filled = list(session.scalars(select(RollupGap.event_id).join(Event, Event.id == RollupGap.event_id)))
    forget = delete(RollupGap).where(RollupGap.noticed_at < now - GAP_PATIENCE)
    if filled:
        forget = delete(RollupGap).where((RollupGap.noticed_at < now - GAP_PATIENCE) | RollupGap.event_id.in_(filled))
    session.execute(forget)
    return filled


# ---------------------------------------------------------------------------------------------- counting


HUMAN_OPEN = "(e.kind = 'open' AND NOT e.automated)"
HUMAN_CLICK = "(e.kind = 'click' AND NOT e.automated)"


def _firsts_sql(scope: str) -> list[str]:
    """Record the first human open / click (per message, and per message and item) in this batch."""
    head = "INSERT INTO engagement_firsts (delivery_id, kind, content_item_id, event_id) SELECT * FROM ("
    tail = ") AS s WHERE true ON CONFLICT DO NOTHING"
    return [
        head + f"SELECT e.delivery_id, 'open', 0, min(e.id) FROM events e WHERE {scope} "
        f"AND ({HUMAN_OPEN} OR {HUMAN_CLICK}) AND e.delivery_id IS NOT NULL GROUP BY e.delivery_id" + tail,
        head + f"SELECT e.delivery_id, 'click', 0, min(e.id) FROM events e WHERE {scope} "
        f"AND {HUMAN_CLICK} AND e.delivery_id IS NOT NULL GROUP BY e.delivery_id" + tail,
        head + f"SELECT e.delivery_id, 'click', e.content_item_id, min(e.id) FROM events e WHERE {scope} "
        f"AND {HUMAN_CLICK} AND e.delivery_id IS NOT NULL AND e.content_item_id IS NOT NULL "
        "GROUP BY e.delivery_id, e.content_item_id" + tail,
    ]


def _batch_cte(sql: Dialect, scope: str) -> str:
    """Each event of the batch with what it is counted under (one row per event)."""
    partner_in_detail = sql.detail_int.format(col="e.detail", key="partner_id")
    campaign_in_detail = sql.detail_int.format(col="e.detail", key="campaign_id")
    period = sql.period.format(col="d.idempotency_key")
    return f"""
    ev AS (
        SELECT e.id, e.kind, e.automated, e.occurred_at, e.content_item_id, e.delivery_id, d.body_id,
               {sql.day.format(col="e.occurred_at")} AS day,
               CASE WHEN d.category = 'digest' THEN {period} ELSE '' END AS period,
               c.id AS contact_id,
               COALESCE(c.partner_id, {partner_in_detail}) AS raw_partner_id,
               COALESCE(c.locale, '') AS locale,
               CASE WHEN e.kind = 'kit_download' THEN {campaign_in_detail} END AS kit_campaign_id,
               CASE WHEN fo.event_id IS NULL THEN 0 ELSE 1 END AS first_open,
               CASE WHEN fc.event_id IS NULL THEN 0 ELSE 1 END AS first_click
        FROM events e
        LEFT JOIN deliveries d ON d.id = e.delivery_id
        LEFT JOIN contacts c ON c.id = COALESCE(e.contact_id, d.contact_id)
        LEFT JOIN engagement_firsts fo ON fo.delivery_id = e.delivery_id AND fo.kind = 'open'
             AND fo.content_item_id = 0 AND fo.event_id = e.id
        LEFT JOIN engagement_firsts fc ON fc.delivery_id = e.delivery_id AND fc.kind = 'click'
             AND fc.content_item_id = 0 AND fc.event_id = e.id
        WHERE {scope}
    ),
    evp AS (
        SELECT ev.id, ev.kind, ev.automated, ev.occurred_at, ev.body_id, ev.day, ev.period, ev.contact_id,
               ev.delivery_id, ev.content_item_id,
               ev.locale, ev.kit_campaign_id, ev.first_open, ev.first_click, COALESCE(p.id, 0) AS partner_id,
               COALESCE(p.tier, '') AS tier, COALESCE(p.country, '') AS country
        FROM ev LEFT JOIN partners p ON p.id = ev.raw_partner_id
    )"""


def _metric_sums() -> str:
    def count(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    human_open, human_click = "(kind = 'open' AND NOT automated)", "(kind = 'click' AND NOT automated)"
    sums = {
        "sent": count("kind = 'sent'"),
        "delivered": count("kind = 'delivered'"),
        "opens": count(human_open),
        "unique_opens": "SUM(first_open)",
        "clicks": count(human_click),
        "unique_clicks": "SUM(first_click)",
        "machine_opens": count("(kind = 'open' AND automated)"),
        "scanner_clicks": count("(kind = 'click' AND automated)"),
        "bounces": count("kind = 'bounce'"),
        "complaints": count("kind = 'spamreport'"),
        "unsubscribes": count("kind IN ('unsubscribe', 'group_unsubscribe')"),
        "kit_downloads": count("kind = 'kit_download'"),
        "preference_changes": count("kind = 'preference_change'"),
        "portal_sign_ins": count("kind = 'portal_sign_in'"),
    }
    return ", ".join(f"{sums[name]} AS {name}" for name in METRICS)


BATCH_TABLE = "engagement_batch"
FROM_BATCH = f"evp AS (SELECT * FROM {BATCH_TABLE}), ev AS (SELECT * FROM {BATCH_TABLE})"


def _rollup_sql(sql: Dialect, scope: str) -> str:
    dims = "day, period, partner_id, locale, tier, country"
    sums = _metric_sums()
    # A newsletter counts for every campaign whose items it carried; a kit download for its campaign.
    body_campaigns = (
        "SELECT DISTINCT ni.body_id, cci.campaign_id FROM newsletter_items ni "
        "JOIN campaign_content_items cci ON cci.content_item_id = ni.content_item_id"
    )
    updates = ", ".join(f"{m} = engagement_rollups.{m} + excluded.{m}" for m in METRICS)
    return f"""
    WITH {FROM_BATCH},
    counted_for AS (
        SELECT id, 0 AS campaign_id FROM evp
        UNION
        SELECT evp.id, bc.campaign_id FROM evp JOIN ({body_campaigns}) bc ON bc.body_id = evp.body_id
        UNION
        SELECT id, kit_campaign_id FROM evp WHERE kit_campaign_id IS NOT NULL
    )
    INSERT INTO engagement_rollups (day, campaign_id, {dims.replace("day, ", "")}, {", ".join(METRICS)})
    SELECT * FROM (
        SELECT day, counted_for.campaign_id, period, partner_id, locale, tier, country, {sums}
        FROM evp JOIN counted_for ON counted_for.id = evp.id
        GROUP BY day, counted_for.campaign_id, period, partner_id, locale, tier, country
    ) AS s WHERE true
    ON CONFLICT (day, campaign_id, period, partner_id, locale, tier, country) DO UPDATE SET {updates}
    """


def _content_sql(sql: Dialect, scope: str) -> str:
    """Items: newsletters that carried them (sent, unique opens) and human clicks on them; areas alike."""
    item_rows = """
        SELECT day, ni.content_item_id AS item_id, period,
               CASE WHEN kind = 'sent' THEN 1 ELSE 0 END AS sent, first_open AS unique_opens,
               0 AS clicks, 0 AS unique_clicks, ev.id AS event_id
        FROM ev JOIN newsletter_items ni ON ni.body_id = ev.body_id
        WHERE kind = 'sent' OR first_open = 1
        UNION ALL
        SELECT day, ev.content_item_id, period, 0, 0, 1,
               CASE WHEN fi.event_id IS NULL THEN 0 ELSE 1 END, ev.id
        FROM ev
        LEFT JOIN engagement_firsts fi ON fi.delivery_id = ev.delivery_id AND fi.kind = 'click'
             AND fi.content_item_id = ev.content_item_id AND fi.event_id = ev.id
        WHERE ev.kind = 'click' AND NOT ev.automated AND ev.content_item_id IS NOT NULL
    """
    sums = "SUM(sent), SUM(unique_opens), SUM(clicks), SUM(unique_clicks)"
    updates = ", ".join(
        f"{m} = content_rollups.{m} + excluded.{m}" for m in ("sent", "unique_opens", "clicks", "unique_clicks")
    )
    # An area counts a newsletter once however many of its items the newsletter carried.
    return f"""
    WITH {FROM_BATCH}, rows AS ({item_rows})
    INSERT INTO content_rollups (day, dimension, key_id, period, sent, unique_opens, clicks, unique_clicks)
    SELECT * FROM (
        SELECT day, 'item', item_id, period, {sums} FROM rows GROUP BY day, item_id, period
        UNION ALL
        SELECT day, 'area', area_id, period, {sums} FROM (
            SELECT DISTINCT rows.event_id, rows.day, cia.area_id, rows.period, rows.sent, rows.unique_opens,
                   rows.clicks, rows.unique_clicks
            FROM rows JOIN content_item_areas cia ON cia.item_id = rows.item_id
        ) AS by_area GROUP BY day, area_id, period
    ) AS s WHERE true
    ON CONFLICT (day, dimension, key_id, period) DO UPDATE SET {updates}
    """


def _weight_sql() -> str:
    cases = " ".join(
        f"WHEN kind = '{kind.value}'{' AND NOT automated' if kind in (EventKind.OPEN, EventKind.CLICK) else ''} "
        f"THEN {weight!r}"
        for kind, weight in WEIGHTS.items()
    )
    return f"CASE {cases} ELSE 0.0 END"


def _scores_sql(sql: Dialect, scope: str, half_life_days: int, *, table: str, key: str) -> str:
    """Add the batch's weighted, decayed events to each contact's (or partner's) score at :now."""
    gain = f"SUM(({_weight_sql()}) * {decay_factor(sql, 'occurred_at', half_life_days)})"
    carried = decay_factor(sql, f"{table}.as_of", half_life_days)
    extra = ", 0.0, CAST(NULL AS DATE)" if table == "partner_scores" else ""
    columns = f"{key}, score, as_of" + (", baseline, baseline_on" if table == "partner_scores" else "")
    return f"""
    WITH {FROM_BATCH}
    INSERT INTO {table} ({columns})
    SELECT * FROM (
        SELECT {key}, {gain} AS score, :now AS as_of{extra} FROM evp
        WHERE {key} IS NOT NULL AND {key} <> 0 AND kind IN ({", ".join(f"'{k.value}'" for k in WEIGHTS)})
        GROUP BY {key}
    ) AS s WHERE score > 0
    ON CONFLICT ({key}) DO UPDATE SET score = {table}.score * {carried} + excluded.score, as_of = excluded.as_of
    """


def count_scope(session: Session, scope: str, params: dict[str, object], now: dt.datetime, half_life_days: int) -> None:
    """Count the events in `scope` (a WHERE over `events e`) into every roll-up and score."""
    sql = dialect_of(session)
    if sql is POSTGRESQL:
        # Large batches: sort and hash in memory, and skip JIT compiling (seconds for these wide queries).
        session.execute(text("SET LOCAL work_mem = '128MB'"))
        session.execute(text("SET LOCAL jit = off"))
    statements = [
        *_firsts_sql(scope),
        f"DROP TABLE IF EXISTS {BATCH_TABLE}",
        # Each event of the batch joined to its message, contact and partner once, read by every roll-up.
        f"CREATE TEMPORARY TABLE {BATCH_TABLE} AS WITH {_batch_cte(sql, scope)} SELECT * FROM evp",
        _rollup_sql(sql, scope),
        _content_sql(sql, scope),
        _scores_sql(sql, scope, half_life_days, table="contact_scores", key="contact_id"),
        _scores_sql(sql, scope, half_life_days, table="partner_scores", key="partner_id"),
        f"DROP TABLE {BATCH_TABLE}",
    ]
    for statement in statements:
        query = text(statement)
        if ":now" in statement:
            query = query.bindparams(bindparam("now", type_=UTCDateTime()))
        session.execute(query, {"now": now, **params})


# ---------------------------------------------------------------------------------------------- a run


def roll_up_batch(session: Session, now: dt.datetime, *, batch_size: int = BATCH_SIZE) -> int | None:
    """Count the next batch of events; the number counted, or None when another worker holds the cursor.

    Flushes, does not commit: the caller's commit makes the counts and the cursor move together.
    """
    cursor = _claim_cursor(session)
    if cursor is None:
        return None
    half_life = current_app.config["CHANNELCAST"].engagement_half_life_days
    low = cursor.last_event_id
    newest = session.scalar(select(func.max(Event.id))) or 0
    high = min(newest, low + batch_size)
    counted = 0
    if high > low:
        _note_gaps(session, low, high, now)
        count_scope(session, "e.id > :low AND e.id <= :high", {"low": low, "high": high}, now, half_life)
        counted += session.scalar(select(func.count()).where(Event.id > low, Event.id <= high)) or 0
    late = _filled_gaps(session, now)
    if late:
        scope = "e.id IN (" + ", ".join(str(int(i)) for i in late) + ")"
        count_scope(session, scope, {}, now, half_life)
        counted += len(late)
    cursor.last_event_id, cursor.counted, cursor.updated_at = high, cursor.counted + counted, now
    session.flush()
    return counted


def roll_up(
    session: Session, now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE, max_batches: int = 1000
) -> RollupRun:
    """Count every event not yet counted, committing per batch; safe to run in several workers at once."""
    run = RollupRun()
    for _ in range(max_batches):
        counted = roll_up_batch(session, now or utc_now(), batch_size=batch_size)
        if counted is None:
            run.busy = True
            session.rollback()
            break
        session.commit()
        if counted == 0:
            break
        run.counted += counted
        run.batches += 1
    return run


# ---------------------------------------------------------------------------------------------- partner scores


def decay_partner_scores(session: Session, now: dt.datetime) -> None:
    """Carry every partner's score to `now`, so the list's bands and order compare like with like."""
    sql = dialect_of(session)
    half_life = current_app.config["CHANNELCAST"].engagement_half_life_days
    factor = decay_factor(sql, "as_of", half_life)
    statement = text(f"UPDATE partner_scores SET score = score * {factor}, as_of = :now WHERE as_of < :now")
    session.execute(statement.bindparams(bindparam("now", type_=UTCDateTime())), {"now": now})


def points_sql() -> str:
    """A roll-up row's weight in the score: the same weights as per event."""
    return (
        f"(opens * {WEIGHTS[EventKind.OPEN]!r} + clicks * {WEIGHTS[EventKind.CLICK]!r} "
        f"+ kit_downloads * {WEIGHTS[EventKind.KIT_DOWNLOAD]!r} "
        f"+ preference_changes * {WEIGHTS[EventKind.PREFERENCE_CHANGE]!r} "
        f"+ portal_sign_ins * {WEIGHTS[EventKind.PORTAL_SIGN_IN]!r})"
    )


def refresh_baselines(session: Session, today: dt.date) -> int:
    """Once a day: each partner's score 30 days ago, rebuilt from the daily roll-ups (an event
    counted at midday of its day), the yardstick for "cooling". Returns the partners updated."""
    stale = select(PartnerScore.partner_id).where(
        (PartnerScore.baseline_on.is_(None)) | (PartnerScore.baseline_on < today)
    )
    if session.scalar(select(func.count()).select_from(stale.subquery())) == 0:
        return 0
    sql = dialect_of(session)
    half_life = current_app.config["CHANNELCAST"].engagement_half_life_days
    on = today - dt.timedelta(days=COOLING_WINDOW_DAYS)
    days_before = sql.days_before.format(col="day")
    horizon = on - dt.timedelta(days=10 * half_life)  # older points weigh under a thousandth
    computed = text(f"""
        SELECT partner_id, SUM({points_sql()} * exp(-{LN2!r} * ({days_before} - 0.5) / {float(half_life)!r}))
        FROM engagement_rollups
        WHERE campaign_id = 0 AND partner_id <> 0 AND day < :on AND day >= :horizon
        GROUP BY partner_id
    """)
    computed = computed.bindparams(bindparam("on", type_=Date()), bindparam("horizon", type_=Date()))
    baselines: dict[int, float] = {
        int(pid): float(value or 0.0) for pid, value in session.execute(computed, {"on": on, "horizon": horizon})
    }
    session.execute(update(PartnerScore).values(baseline=0.0, baseline_on=today))
    if baselines:
        session.execute(
            update(PartnerScore.__table__)  # type: ignore[arg-type]
            .where(PartnerScore.__table__.c.partner_id == bindparam("pid"))
            .values(baseline=bindparam("value")),
            [{"pid": pid, "value": float(value or 0.0)} for pid, value in baselines.items()],
        )
    return len(baselines)


def engagement_tick(session: Session, now: dt.datetime) -> str:
    """The minute job: count new events, carry partner scores to now, refresh baselines daily."""
    run = roll_up(session, now)
    decay_partner_scores(session, now)
    refresh_baselines(session, now.date())
    return str(run)


def pending_events(session: Session) -> Select[tuple[int]]:
    """Events not counted yet (for the overview and the CLI)."""
    last = select(RollupCursor.last_event_id).where(RollupCursor.name == CURSOR).scalar_subquery()
    return select(func.count()).where(Event.id > func.coalesce(last, 0))
