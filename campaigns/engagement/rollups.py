"""Roll-ups kept up to date as events arrive: read new events by id, count them once, score them.

One cursor row says how far the events table has been counted. A run locks it (`FOR UPDATE SKIP
LOCKED` on PostgreSQL: a second worker finds it taken and does nothing), counts the next batch of
events into the roll-up tables with set-based SQL, adds their weights to the contact and partner
scores, and moves the cursor, all in one transaction: an event is counted exactly once or not at
all. The batch is first added up per message, day and what it counts under (a temporary table
with about a third of the events' rows), and every roll-up and score is added up from that.

Ids the cursor passes that do not exist yet (a transaction still open when we looked) are kept as
gaps and counted when they appear; after GAP_PATIENCE they are taken as rolled back.

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
    # In double precision: EXTRACT gives a numeric, and exp() over numerics is ten times slower.
    age_seconds="CAST(EXTRACT(EPOCH FROM (:now - {col})) AS DOUBLE PRECISION)",
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


def _note_gaps(session: Session, low: int, high: int, now: dt.datetime) -> int:
    """Ids in (low, high] with no event yet: remembered, to count when they commit. Returns the
    number of events there are."""
    present = session.scalar(select(func.count()).where(Event.id > low, Event.id <= high)) or 0
    if present == high - low:
        return present  # the common case: no gap, no id list
    seen = set(session.scalars(select(Event.id).where(Event.id > low, Event.id <= high)))
    missing = [{"event_id": i, "noticed_at": now} for i in range(low + 1, high + 1) if i not in seen]
    if missing:
        session.execute(insert_for(session)(RollupGap).on_conflict_do_nothing(index_elements=["event_id"]), missing)
    return present


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
BATCH_TABLE = "engagement_batch"
COUNTED_TABLE = "engagement_counted"


def _count_if(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


# What each event adds to a plain figure; `unique_*` come from the firsts (see _batch_sql).
EVENT_FIGURES = {
    "sent": _count_if("e.kind = 'sent'"),
    "delivered": _count_if("e.kind = 'delivered'"),
    "opens": _count_if(HUMAN_OPEN),
    "clicks": _count_if(HUMAN_CLICK),
    "machine_opens": _count_if("(e.kind = 'open' AND e.automated)"),
    "scanner_clicks": _count_if("(e.kind = 'click' AND e.automated)"),
    "bounces": _count_if("e.kind = 'bounce'"),
    "complaints": _count_if("e.kind = 'spamreport'"),
    "unsubscribes": _count_if("e.kind IN ('unsubscribe', 'group_unsubscribe')"),
    "kit_downloads": _count_if("e.kind = 'kit_download'"),
    "preference_changes": _count_if("e.kind = 'preference_change'"),
    "portal_sign_ins": _count_if("e.kind = 'portal_sign_in'"),
}
UNIQUE_FIGURES = {"unique_opens": "first_open", "unique_clicks": "first_click"}


def _points_sql(sql: Dialect, half_life_days: int) -> str:
    """What an event adds to a score at :now: its weight, decayed (the decay worked out only for
    events that weigh something)."""
    decayed = decay_factor(sql, "e.occurred_at", half_life_days)
    cases = " ".join(
        f"WHEN e.kind = '{kind.value}'{' AND NOT e.automated' if kind in (EventKind.OPEN, EventKind.CLICK) else ''} "
        f"THEN {weight!r} * {decayed}"
        for kind, weight in WEIGHTS.items()
    )
    return f"CASE {cases} ELSE 0.0 END"


def _first_sql(column: str, kind: str, partition: str, item: str) -> str:
    """1 on the batch row holding a message's first human open (or click) ever, else 0: the row
    with the batch's lowest such event id, when no earlier batch recorded one."""
    return f"""CASE WHEN g.{column} IS NOT NULL AND g.delivery_id IS NOT NULL
            AND g.{column} = MIN(g.{column}) OVER (PARTITION BY {partition})
            AND NOT EXISTS (SELECT 1 FROM engagement_firsts f WHERE f.delivery_id = g.delivery_id
                            AND f.kind = '{kind}' AND f.content_item_id = {item})
        THEN 1 ELSE 0 END"""


def _batch_sql(sql: Dialect, scope: str, half_life_days: int) -> str:
    """The batch's events added up per message, day and what they are counted under, joined to the
    message, contact and partner: a tenth of the rows of the events, read by every roll-up.

    A human click on an item is its own row (item_id), so unique clicks per item can be told."""
    figures = ", ".join(f"{total} AS {name}" for name, total in EVENT_FIGURES.items())
    points = f"SUM({_points_sql(sql, half_life_days)})"
    return f"""
    CREATE TEMPORARY TABLE {BATCH_TABLE} AS
    WITH g AS (
        SELECT e.delivery_id, e.contact_id AS event_contact_id,
               CASE WHEN {HUMAN_CLICK} THEN e.content_item_id END AS item_id,
               {sql.detail_int.format(col="e.detail", key="partner_id")} AS detail_partner_id,
               CASE WHEN e.kind = 'kit_download' THEN {sql.detail_int.format(col="e.detail", key="campaign_id")} END
                   AS kit_campaign_id,
               {sql.day.format(col="e.occurred_at")} AS day,
               {figures}, {points} AS points,
               MIN(CASE WHEN {HUMAN_OPEN} OR {HUMAN_CLICK} THEN e.id END) AS open_id,
               MIN(CASE WHEN {HUMAN_CLICK} THEN e.id END) AS click_id
        FROM events e
        WHERE {scope}
        GROUP BY 1, 2, 3, 4, 5, 6
    )
    SELECT g.*, d.body_id,
           CASE WHEN d.category = 'digest' THEN {sql.period.format(col="d.idempotency_key")} ELSE '' END AS period,
           c.id AS contact_id, COALESCE(p.id, 0) AS partner_id, COALESCE(c.locale, '') AS locale,
           COALESCE(p.tier, '') AS tier, COALESCE(p.country, '') AS country,
           {_first_sql("open_id", "open", "g.delivery_id", "0")} AS first_open,
           {_first_sql("click_id", "click", "g.delivery_id", "0")} AS first_click,
           CASE WHEN g.item_id IS NULL THEN 0
                ELSE {_first_sql("click_id", "click", "g.delivery_id, g.item_id", "g.item_id")} END AS first_item_click
    FROM g
    LEFT JOIN deliveries d ON d.id = g.delivery_id
    LEFT JOIN contacts c ON c.id = COALESCE(g.event_contact_id, d.contact_id)
    LEFT JOIN partners p ON p.id = COALESCE(c.partner_id, g.detail_partner_id)
    """


def _firsts_sql() -> str:
    """Remember the firsts the batch found (per message, and per message and item for clicks), in
    the key's order: an index filled in order, and the messages' rows looked up in order, are twice
    as fast as at random."""
    return f"""
    INSERT INTO engagement_firsts (delivery_id, kind, content_item_id, event_id)
    SELECT * FROM (
        SELECT delivery_id, 'open' AS kind, 0 AS content_item_id, open_id FROM {BATCH_TABLE} WHERE first_open = 1
        UNION ALL
        SELECT delivery_id, 'click', 0, click_id FROM {BATCH_TABLE} WHERE first_click = 1
        UNION ALL
        SELECT delivery_id, 'click', item_id, click_id FROM {BATCH_TABLE} WHERE first_item_click = 1
    ) AS s WHERE true
    ORDER BY delivery_id, kind, content_item_id
    ON CONFLICT DO NOTHING
    """


def _body_campaigns(table: str) -> str:
    """Which campaigns each newsletter body of `table` counts for: those whose items it carried."""
    return (
        "SELECT DISTINCT ni.body_id, cci.campaign_id FROM newsletter_items ni "
        "JOIN campaign_content_items cci ON cci.content_item_id = ni.content_item_id "
        f"WHERE ni.body_id IN (SELECT body_id FROM {table} WHERE body_id IS NOT NULL)"
    )


SPLIT_DIMENSIONS = ("campaign_id", "day", "period", "partner_id", "locale", "tier", "country")


def _counted_sql() -> str:
    """The batch per campaign and every dimension: what each roll-up table adds up its own way.

    Every row counts for campaign 0 (all mail), for the campaigns its newsletter carried, and a
    kit download for its own campaign (once, when its newsletter carried that campaign too). The
    messages are added up per newsletter body first: fewer rows to repeat per campaign."""
    dimensions = ("day", "period", "partner_id", "locale", "tier", "country")
    by_body = ", ".join([*dimensions, "body_id", "kit_campaign_id"])
    figures = [*EVENT_FIGURES, *UNIQUE_FIGURES]
    sums = ", ".join(
        [f"SUM({name}) AS {name}" for name in EVENT_FIGURES]
        + [f"SUM({column}) AS {name}" for name, column in UNIQUE_FIGURES.items()]
    )
    columns = ", ".join([*dimensions, *figures])
    g_columns = ", ".join(f"g.{c}" for c in (*dimensions, *figures))
    return f"""
    CREATE TEMPORARY TABLE {COUNTED_TABLE} AS
    WITH bc AS ({_body_campaigns(BATCH_TABLE)}),
    grouped AS (SELECT {by_body}, {sums} FROM {BATCH_TABLE} GROUP BY {by_body}),
    counted_for AS (
        SELECT 0 AS campaign_id, {columns} FROM grouped
        UNION ALL
        SELECT bc.campaign_id, {g_columns} FROM grouped g JOIN bc ON bc.body_id = g.body_id
        UNION ALL
        SELECT g.kit_campaign_id, {g_columns} FROM grouped g
        WHERE g.kit_campaign_id IS NOT NULL AND g.kit_campaign_id <> 0
          AND NOT EXISTS (SELECT 1 FROM bc WHERE bc.body_id = g.body_id AND bc.campaign_id = g.kit_campaign_id)
    )
    SELECT {", ".join(SPLIT_DIMENSIONS)}, {", ".join(f"SUM({name}) AS {name}" for name in figures)}
    FROM counted_for
    GROUP BY {", ".join(SPLIT_DIMENSIONS)}
    """


# Each roll-up table and what it is split by; each adds up the counted batch its own way.
ROLLUP_TABLES = {
    "engagement_rollups": ("campaign_id", "day", "period", "partner_id"),
    "engagement_splits": ("campaign_id", "day", "period", "locale", "tier", "country"),
    "engagement_totals": ("campaign_id", "period"),
}


def _rollup_sql(table: str) -> str:
    keys = ", ".join(ROLLUP_TABLES[table])
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in METRICS)
    return f"""
    INSERT INTO {table} ({keys}, {", ".join(METRICS)})
    SELECT * FROM (
        SELECT {keys}, {", ".join(f"SUM({m})" for m in METRICS)} FROM {COUNTED_TABLE} GROUP BY {keys}
    ) AS s WHERE true
    ON CONFLICT ({keys}) DO UPDATE SET {updates}
    """


def _content_sql() -> str:
    """Items: newsletters that carried them (sent, unique opens) and human clicks on them; areas alike.

    An area counts a newsletter once however many of its items the newsletter carried."""
    rows = """
        SELECT c.day, 'item' AS dimension, ni.content_item_id AS key_id, c.period, c.sent, c.unique_opens,
               0 AS clicks, 0 AS unique_clicks
        FROM carried c JOIN newsletter_items ni ON ni.body_id = c.body_id
        UNION ALL
        SELECT c.day, 'area', ba.area_id, c.period, c.sent, c.unique_opens, 0, 0
        FROM carried c JOIN (
            SELECT DISTINCT ni.body_id, cia.area_id FROM newsletter_items ni
            JOIN content_item_areas cia ON cia.item_id = ni.content_item_id
            WHERE ni.body_id IN (SELECT body_id FROM carried)
        ) AS ba ON ba.body_id = c.body_id
        UNION ALL
        SELECT day, 'item', item_id, period, 0, 0, clicks, unique_clicks FROM clicked
        UNION ALL
        SELECT c.day, 'area', cia.area_id, c.period, 0, 0, c.clicks, c.unique_clicks
        FROM clicked c JOIN content_item_areas cia ON cia.item_id = c.item_id
    """
    figures = ("sent", "unique_opens", "clicks", "unique_clicks")
    updates = ", ".join(f"{m} = content_rollups.{m} + excluded.{m}" for m in figures)
    return f"""
    WITH carried AS (
        SELECT day, body_id, period, SUM(sent) AS sent, SUM(first_open) AS unique_opens FROM {BATCH_TABLE}
        WHERE body_id IS NOT NULL AND (sent > 0 OR first_open = 1) GROUP BY day, body_id, period
    ),
    clicked AS (
        SELECT day, item_id, period, SUM(clicks) AS clicks, SUM(first_item_click) AS unique_clicks
        FROM {BATCH_TABLE} WHERE item_id IS NOT NULL GROUP BY day, item_id, period
    )
    INSERT INTO content_rollups (day, dimension, key_id, period, {", ".join(figures)})
    SELECT * FROM (
        SELECT day, dimension, key_id, period, {", ".join(f"SUM({m})" for m in figures)}
        FROM ({rows}) AS r GROUP BY day, dimension, key_id, period
    ) AS s WHERE true
    ON CONFLICT (day, dimension, key_id, period) DO UPDATE SET {updates}
    """


def _scores_sql(sql: Dialect, half_life_days: int, *, table: str, key: str) -> str:
    """Add the batch's weighted, decayed events to each contact's (or partner's) score at :now."""
    carried = decay_factor(sql, f"{table}.as_of", half_life_days)
    extra = ", 0.0, CAST(NULL AS DATE)" if table == "partner_scores" else ""
    columns = f"{key}, score, as_of" + (", baseline, baseline_on" if table == "partner_scores" else "")
    return f"""
    INSERT INTO {table} ({columns})
    SELECT * FROM (
        SELECT {key}, SUM(points) AS score, :now AS as_of{extra} FROM {BATCH_TABLE}
        WHERE {key} IS NOT NULL AND {key} <> 0
        GROUP BY {key}
    ) AS s WHERE score > 0
    ORDER BY {key}
    ON CONFLICT ({key}) DO UPDATE SET score = {table}.score * {carried} + excluded.score, as_of = excluded.as_of
    """


def count_scope(session: Session, scope: str, params: dict[str, object], now: dt.datetime, half_life_days: int) -> None:
    """Count the events in `scope` (a WHERE over `events e`) into every roll-up and score."""
    sql = dialect_of(session)
    if sql is POSTGRESQL:
        # Large batches: sort and hash in memory, and skip JIT compiling (seconds for these wide queries).
        session.execute(text("SET LOCAL work_mem = '128MB'"))
        session.execute(text("SET LOCAL jit = off"))
    for statement in counting_statements(sql, scope, half_life_days):
        query = text(statement)
        if ":now" in statement:
            query = query.bindparams(bindparam("now", type_=UTCDateTime()))
        session.execute(query, {"now": now, **params})


def counting_statements(sql: Dialect, scope: str, half_life_days: int) -> list[str]:
    """The statements that count the events in `scope`, in order (:now is the moment scores are for)."""
    return [
        f"DROP TABLE IF EXISTS {BATCH_TABLE}",
        f"DROP TABLE IF EXISTS {COUNTED_TABLE}",
        _batch_sql(sql, scope, half_life_days),
        f"ANALYZE {BATCH_TABLE}",  # the planner knows nothing of a new temporary table
        _firsts_sql(),
        _counted_sql(),
        f"ANALYZE {COUNTED_TABLE}",
        *[_rollup_sql(table) for table in ROLLUP_TABLES],
        _content_sql(),
        _scores_sql(sql, half_life_days, table="contact_scores", key="contact_id"),
        _scores_sql(sql, half_life_days, table="partner_scores", key="partner_id"),
        f"DROP TABLE {BATCH_TABLE}",
        f"DROP TABLE {COUNTED_TABLE}",
    ]


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
        counted += _note_gaps(session, low, high, now)
        # An id just noted as a gap is left to the gap step even if its event committed since: it
        # is counted there, once (tests/campaigns/engagement/test_rollups.py holds this).
        in_range = "e.id > :low AND e.id <= :high AND NOT EXISTS (SELECT 1 FROM rollup_gaps g WHERE g.event_id = e.id)"
        count_scope(session, in_range, {"low": low, "high": high}, now, half_life)
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
