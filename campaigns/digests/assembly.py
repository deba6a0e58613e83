"""Newsletter assembly: every due contact gets one newsletter per period, in the outbox.

The run streams contacts in keyset batches (about 1,000 by id) and commits per batch, so memory
stays flat and a crash resumes where it stopped. For each due contact it picks the content
(cached per interest set, tier, language, window and boosting campaigns), renders each distinct
edition once (MJML is never rendered per contact), and writes one outbox row that points at the
shared body and carries only the contact's own fields. The outbox's unique key
`digest:<contact>:<period>` makes a second tick, a second scheduler or a restart harmless.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import multiprocessing
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import force_locale, gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from campaigns.delivery.models import RenderedBody
from campaigns.delivery.outbox import NewDelivery, enqueue, store_bodies, store_body
from campaigns.digests.library import RunLibrary
from campaigns.digests.render import DigestEdition, DigestItem, RenderedDigest, render_digest
from campaigns.engagement.newsletters import record_newsletter_items
from campaigns.planning.models import Campaign, CampaignStatus
from content.languages import reading_order
from content.models import InterestArea
from content.selection import ReaderScope
from core.auth import LinkSigner, signer
from core.db import begin_writing
from subscribers.links import link_urls
from subscribers.models import Contact, ContactStatus, Partner, contact_interests
from subscribers.partners import contact_person
from subscribers.programme.standing import held_competencies
from subscribers.reasons import ItemReason, reasons_key, store_reasons
from subscribers.schedule import Frequency, due_period, period_start, slot_in_period
from subscribers.suppression import suppressed_among

BATCH_SIZE = 1000
log = logging.getLogger("channelcast.digests")


@dataclass
class AssemblyReport:
    contacts_seen: int = 0
    due: int = 0
    enqueued: int = 0
    nothing_new: int = 0
    suppressed: int = 0
    distinct_renders: int = 0
    batches: int = 0

    def __str__(self) -> str:
        return (
            f"{self.enqueued} newsletters queued ({self.due} due of {self.contacts_seen} contacts, "
            f"{self.nothing_new} with nothing new, {self.suppressed} suppressed, {self.distinct_renders} renders)"
        )


@dataclass(frozen=True)
class LiveBoost:
    """A live campaign and whom it targets; its items lead the newsletters of those contacts."""

    campaign_id: int
    name: str
    launch_at: dt.datetime
    tiers: frozenset[str]
    partner_types: frozenset[str]
    countries: frozenset[str]
    locales: frozenset[str]
    area_ids: frozenset[int]
    item_ids: frozenset[int]
    competency_id: int | None = None  # only partners holding it get the campaign

    def targets(
        self,
        *,
        tier: str,
        partner_type: str,
        country: str,
        locale: str,
        interest_ids: frozenset[int],
        competency_ids: frozenset[int] = frozenset(),
    ) -> bool:
        return (
            (not self.tiers or tier in self.tiers)
            and (self.competency_id is None or self.competency_id in competency_ids)
            and (not self.partner_types or partner_type in self.partner_types)
            and (not self.countries or country in self.countries)
            and (not self.locales or locale in self.locales)
            and (not self.area_ids or bool(self.area_ids & interest_ids))
        )


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def window_start(frequency: Frequency, weekday: int, hour: int, timezone: str, today: dt.date) -> dt.datetime:
    """The previous period's newsletter moment: what was published after it is new to the contact."""
    current = period_start(frequency, today)
    previous = period_start(frequency, current - dt.timedelta(days=1))
    return slot_in_period(frequency, previous, weekday, hour, zone(timezone))


@dataclass
class RunState:
    """What one assembly run caches: selections, rendered bodies, partner fields, labels."""

    app: Flask
    now: dt.datetime
    max_items: int
    vendor_name: str
    postal_address: str
    base_url: str
    boosts: list[LiveBoost]
    library: RunLibrary
    links: LinkSigner
    fallbacks: tuple[str, ...]
    selections: dict[tuple[Any, ...], tuple[DigestItem, ...]] = field(default_factory=dict)
    bodies: dict[tuple[str, tuple[int, ...]], RenderedBody] = field(default_factory=dict)
    rendered: dict[tuple[str, tuple[int, ...]], RenderedDigest] = field(default_factory=dict)
    partners: dict[int, tuple[str, str]] = field(default_factory=dict)
    reasons: dict[tuple[Any, ...], str] = field(default_factory=dict)
    reason_templates: dict[str, str] = field(default_factory=dict)
    due: dict[tuple[Any, ...], str | None] = field(default_factory=dict)
    # Why you got this: what put each item there, per distinct answer (its hash), and the stored rows.
    item_reasons: dict[tuple[Any, ...], str] = field(default_factory=dict)
    reasons_by_hash: dict[str, tuple[ItemReason, ...]] = field(default_factory=dict)
    reason_ids: dict[str, int] = field(default_factory=dict)
    # What readers of one shape get (`choice_for`), and the competencies partners hold at `now`.
    choices: dict[tuple[Any, ...], Choice] = field(default_factory=dict)
    held: dict[tuple[int, str], frozenset[int]] = field(default_factory=dict)


def contact_rows() -> Select[Any]:
    """What a newsletter needs about contacts and their partners, one row each (runs and previews)."""
    return select(
        Contact.id,
        Contact.email,
        Contact.name,
        Contact.locale,
        Contact.timezone,
        Contact.status,
        Contact.paused_until,
        Contact.frequency,
        Contact.preferred_weekday,
        Contact.preferred_hour,
        Contact.last_digest_period,
        Contact.link_version,
        Contact.partner_id,
        Partner.tier,
        Partner.type.label("partner_type"),
        Partner.country,
        Partner.name.label("partner_name"),
    ).join(Partner, Partner.id == Contact.partner_id)


# A contact row as a plain named tuple: a Row's attribute access (by name, through its keymap) costs
# about ten times a tuple's, and the run reads some twenty per contact.
_ContactRow = namedtuple("_ContactRow", [column.name for column in contact_rows().selected_columns])  # type: ignore[misc]


def _contacts_after(session: Session, last_id: int, limit: int, shard: tuple[int, int] | None = None) -> Sequence[Any]:
    statement = (
        contact_rows()
        .where(
            Contact.id > last_id,
            Contact.status.in_([ContactStatus.ACTIVE, ContactStatus.PAUSED]),
            Partner.archived_at.is_(None),  # an archived partner's contacts get no newsletters
        )
        .order_by(Contact.id)
        .limit(limit)
    )
    if shard is not None:
        index, count = shard
        statement = statement.where(Contact.id % count == index)
    return list(map(_ContactRow._make, session.execute(statement)))


def interests_of(session: Session, contact_ids: list[int]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(contact_interests.c.contact_id, contact_interests.c.interest_area_id)
        .join(InterestArea, InterestArea.id == contact_interests.c.interest_area_id)
        .where(contact_interests.c.contact_id.in_(contact_ids), InterestArea.is_active.is_(True))
    )
    for contact_id, area_id in rows:
        found[contact_id].add(area_id)
    return {contact_id: frozenset(areas) for contact_id, areas in found.items()}


def live_boosts(session: Session, now: dt.datetime) -> list[LiveBoost]:
    campaigns = session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.LIVE, Campaign.launch_at <= now, Campaign.ends_at > now)
        .options(selectinload(Campaign.interest_areas), selectinload(Campaign.content_items))
        .order_by(Campaign.launch_at)
    ).all()
    return [
        LiveBoost(
            campaign_id=c.id,
            name=c.name,
            launch_at=c.launch_at,
            tiers=frozenset(c.target_tiers),
            partner_types=frozenset(c.target_partner_types),
            countries=frozenset(c.target_countries),
            locales=frozenset(c.target_locales),
            area_ids=frozenset(a.id for a in c.interest_areas),
            item_ids=frozenset(item.id for item in c.content_items),
            competency_id=c.required_competency_id,
        )
        for c in campaigns
        if c.content_items
    ]


def select_items(
    state: RunState, reader: Reader, since: dt.datetime, boosts: tuple[LiveBoost, ...]
) -> tuple[DigestItem, ...]:
    """The newsletter's items, cached: readers with the same profile share one selection.

    What may be chosen is `content.selection`'s rule alone; a targeting campaign only moves its
    items that pass it to the front.
    """
    key = (
        reader.interest_ids,
        reader.tier,
        reader.competency_ids,
        reader.locale,
        since,
        tuple(b.campaign_id for b in boosts),
    )
    cached = state.selections.get(key)
    if cached is None:
        scope = ReaderScope(
            interest_ids=reader.interest_ids, tier=reader.tier, since=since, competency_ids=reader.competency_ids
        )
        order = reading_order(reader.locale, state.fallbacks)
        picks = state.library.select(scope, state.max_items, boosts=[b.item_ids for b in boosts])
        cached = state.selections[key] = tuple(
            state.library.digest_item(candidate, order, None if boost is None else boosts[boost].name)
            for candidate, boost in picks
        )
    return cached


def edition_for(state: RunState, locale: str, items: tuple[DigestItem, ...]) -> tuple[str, tuple[int, ...]]:
    """Render the edition once (the first contact who needs it pays); returns its key."""
    key = (locale, tuple(item.id for item in items))
    if key not in state.rendered and key not in state.bodies:
        edition = DigestEdition(
            locale=locale,
            items=items,
            vendor_name=state.vendor_name,
            postal_address=state.postal_address,
            intro=intro_for(state.app, locale),
        )
        state.rendered[key] = render_digest(state.app, edition)
    return key


def stored_body(session: Session, state: RunState, key: tuple[str, tuple[int, ...]]) -> RenderedBody:
    """The outbox body of a rendered edition, stored once per run (and once ever, by content hash)."""
    body = state.bodies.get(key)
    if body is None:
        rendered = state.rendered.pop(key)
        body = store_body(
            session, rendered.subject, rendered.html, rendered.text,
            postal_address=state.postal_address, link_items=rendered.link_items,
        )  # fmt: skip
        record_newsletter_items(session, [(body.id, key[1])])  # per-item and per-area reach in the reports
        state.bodies[key] = body
    return body


def intro_for(app: Flask, locale: str) -> str:
    with app.app_context(), force_locale(locale):
        return str(gettext("Here is what is new in the areas you follow."))


def load_partner_fields(session: Session, state: RunState, partner_ids: set[int]) -> None:
    """The named contact person of each partner (name; phone and email on one line), one query a batch."""
    missing = partner_ids - state.partners.keys()
    if not missing:
        return
    partners = session.scalars(
        select(Partner)
        .where(Partner.id.in_(missing))
        .options(
            selectinload(Partner.account_manager),
            selectinload(Partner.backup_manager),
            selectinload(Partner.distributor_team),
        )
    )
    for partner in partners:
        person = contact_person(partner)
        if person is None:
            state.partners[partner.id] = (state.vendor_name, "")
        else:
            state.partners[partner.id] = (person.name, " · ".join(p for p in (person.phone, person.email) if p))


def reason_for(state: RunState, locale: str, interest_ids: frozenset[int], partner_name: str) -> str:
    """ "You get this because you follow Storage and Cloud at Acme IT.", in the contact's language."""
    key = (locale, interest_ids)
    areas = state.reasons.get(key)
    if areas is None:
        areas = state.reasons[key] = ", ".join(sorted(state.library.area_name(i, locale) for i in interest_ids))
    template = state.reason_templates.get(locale)
    if template is None:
        with state.app.app_context(), force_locale(locale):
            template = state.reason_templates[locale] = str(
                gettext(
                    "You get this because you follow %(areas)s at %(partner)s.", areas="{areas}", partner="{partner}"
                )
            )
    return template.replace("{areas}", areas).replace("{partner}", partner_name)


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else ""


def new_run_state(session: Session, app: Flask, now: dt.datetime, max_items: int) -> RunState:
    settings = app.config["CHANNELCAST"]
    return RunState(
        app=app,
        now=now,
        max_items=max_items,
        vendor_name=settings.vendor_name,
        postal_address=settings.postal_address,
        base_url=settings.public_base_url,
        boosts=live_boosts(session, now),
        library=RunLibrary(session, now, settings.public_base_url),
        links=signer(app),
        fallbacks=settings.fallback_locales,
    )


@dataclass(frozen=True)
class Reader:
    """What a newsletter depends on about its reader (a contact row, or a Contact for previews)."""

    contact_id: int
    name: str
    locale: str
    timezone: str
    frequency: Frequency
    weekday: int
    hour: int
    link_version: int
    partner_id: int
    partner_name: str
    tier: str
    partner_type: str
    country: str
    interest_ids: frozenset[int]
    competency_ids: frozenset[int] = frozenset()  # those the partner holds on the newsletter's day


def reader_of(contact: Any, interests: dict[int, frozenset[int]], competencies: dict[int, frozenset[int]]) -> Reader:
    """The one way a Reader is made: from a `contact_rows()` row, the contacts' active areas and
    the competencies their partners hold (by partner id)."""
    return Reader(
        contact_id=contact.id,
        name=contact.name,
        locale=contact.locale,
        timezone=contact.timezone,
        frequency=contact.frequency,
        weekday=contact.preferred_weekday,
        hour=contact.preferred_hour,
        link_version=contact.link_version,
        partner_id=contact.partner_id,
        partner_name=contact.partner_name,
        tier=contact.tier,
        partner_type=str(contact.partner_type),
        country=contact.country,
        interest_ids=interests.get(contact.id, frozenset()),
        competency_ids=competencies.get(contact.partner_id, frozenset()),
    )


def competencies_of(session: Session, contacts: Sequence[Any], day: dt.date) -> dict[int, frozenset[int]]:
    """The competencies each of these contacts' partners holds on `day`, by partner id."""
    return held_competencies(session, sorted({(c.partner_id, c.tier) for c in contacts}), day)


def run_competencies(session: Session, state: RunState, contacts: Sequence[Any]) -> dict[int, frozenset[int]]:
    """`competencies_of` at the run's moment, asked once per partner a run (a batch of 1,000
    contacts spans most partners: asking again each batch was most of the batch's reading)."""
    wanted = {(c.partner_id, c.tier) for c in contacts}
    missing = sorted(wanted - state.held.keys())
    if missing:
        found = held_competencies(session, missing, state.now.date())
        state.held.update({(partner_id, tier): found[partner_id] for partner_id, tier in missing})
    return {partner_id: state.held[partner_id, tier] for partner_id, tier in wanted}


def readers_by_id(session: Session, contact_ids: list[int], day: dt.date) -> dict[int, Reader]:
    """Readers of these contacts, whatever their status, as on `day` (previews)."""
    rows = session.execute(contact_rows().where(Contact.id.in_(contact_ids))).all()
    interests = interests_of(session, contact_ids)
    competencies = competencies_of(session, rows, day)
    return {row.id: reader_of(row, interests, competencies) for row in rows}


def newsletter_items(state: RunState, reader: Reader) -> tuple[DigestItem, ...]:
    """What this reader gets at `state.now`: new items since their last moment, boosts first."""
    local_today = state.now.astimezone(zone(reader.timezone)).date()
    since = window_start(reader.frequency, reader.weekday, reader.hour, reader.timezone, local_today)
    boosts = tuple(
        b
        for b in state.boosts
        if b.launch_at > since
        and b.targets(
            tier=reader.tier,
            partner_type=reader.partner_type,
            country=reader.country,
            locale=reader.locale,
            interest_ids=reader.interest_ids,
            competency_ids=reader.competency_ids,
        )
    )
    return select_items(state, reader, since, boosts)


def why_these_items(state: RunState, reader: Reader, items: tuple[DigestItem, ...]) -> str:
    """The hash of what put each item in this reader's newsletter: the topics of theirs it is tagged
    with, and the campaign that put it first. Cached: readers with the same topics and items (as they
    read them: the titles are in their language) share it."""
    key = (reader.interest_ids, tuple((item.id, item.card.title, item.boosted_by) for item in items))
    found = state.item_reasons.get(key)
    if found is None:
        reasons = tuple(
            ItemReason(
                item_id=item.id,
                title=item.card.title,
                area_ids=tuple(sorted(state.library.area_ids_of(item.id) & reader.interest_ids)),
                campaign=item.boosted_by or "",
            )
            for item in items
        )
        found = state.item_reasons[key] = reasons_key(reasons)
        state.reasons_by_hash.setdefault(found, reasons)
    return found


@dataclass(frozen=True)
class Choice:
    """What a reader's newsletter holds: its items, why (`why_these_items`) and the edition's key;
    no items (nothing new) has neither."""

    items: tuple[DigestItem, ...]
    why: str | None = None
    edition: tuple[str, tuple[int, ...]] | None = None


# Who the reader is does not change what they get: contacts alike in every other Reader field
# (most of a run) share one choice. A field added to Reader is part of the shape unless named here.
PERSONAL = frozenset({"contact_id", "name", "link_version", "partner_id", "partner_name"})
_shape_of = attrgetter(*(f.name for f in fields(Reader) if f.name not in PERSONAL))


def choice_for(state: RunState, reader: Reader) -> Choice:
    """`newsletter_items`, `why_these_items` and `edition_for` of this reader, once per shape."""
    shape = _shape_of(reader)
    found = state.choices.get(shape)
    if found is None:
        items = newsletter_items(state, reader)
        found = state.choices[shape] = (
            Choice(items, why_these_items(state, reader, items), edition_for(state, reader.locale, items))
            if items
            else Choice(())
        )
    return found


def recipient_fields(state: RunState, reader: Reader) -> dict[str, str]:
    """The reader's own values for the body's placeholders."""
    person_name, person_details = state.partners[reader.partner_id]
    preferences, unsubscribe = link_urls(state.links, state.base_url, reader.contact_id, reader.link_version)
    return {
        "first_name": first_name(reader.name) or reader.partner_name,
        "contact_name": person_name,
        "contact_details": person_details,
        "reason": reason_for(state, reader.locale, reader.interest_ids, reader.partner_name),
        "preferences_url": preferences,
        "unsubscribe_url": unsubscribe,
    }


def _due(state: RunState, contact: Any) -> str | None:
    """`subscribers.schedule.due_period`, cached: contacts with the same rhythm share the answer."""
    key = (
        contact.frequency,
        contact.preferred_weekday,
        contact.preferred_hour,
        contact.timezone,
        contact.status,
        contact.paused_until,
        contact.last_digest_period,
    )
    if key not in state.due:
        state.due[key] = due_period(contact, state.now, contact.last_digest_period)
    return state.due[key]


def _assemble_batch(
    session: Session, state: RunState, contacts: Sequence[Any], report: AssemblyReport
) -> tuple[list[tuple[tuple[str, tuple[int, ...]], dict[str, Any]]], list[dict[str, Any]]]:
    """The batch's work that needs no write lock: who is due, what they get, the renders."""
    interests = interests_of(session, [c.id for c in contacts])
    competencies = run_competencies(session, state, contacts)
    due: list[tuple[Any, str]] = []
    for contact in contacts:
        period = _due(state, contact)
        if period is not None:
            due.append((contact, period))
    report.due += len(due)
    blocked = suppressed_among(session, [contact.email for contact, _ in due]) if due else set()
    load_partner_fields(session, state, {contact.partner_id for contact, _ in due})
    pending: list[tuple[tuple[str, tuple[int, ...]], dict[str, Any]]] = []
    sent: list[dict[str, Any]] = []
    for contact, period in due:
        if contact.email in blocked:
            report.suppressed += 1
            continue
        reader = reader_of(contact, interests, competencies)
        choice = choice_for(state, reader)
        # Nothing new is no email; the period still counts as done (and the last newsletter stays the last).
        if choice.edition is None:
            sent.append({"contact_id": contact.id, "period": period, "reasons": None, "sent_at": None})
            report.nothing_new += 1
            continue
        sent.append({"contact_id": contact.id, "period": period, "reasons": choice.why, "sent_at": state.now})
        message = {
            "idempotency_key": f"digest:{contact.id}:{period}",
            "recipient_email": contact.email,
            "recipient_name": contact.name,
            "contact_id": contact.id,
            "category": "digest",
            "fields": recipient_fields(state, reader),
        }
        pending.append((choice.edition, message))
    return pending, sent


def _write_batch(
    session: Session,
    state: RunState,
    pending: list[tuple[tuple[str, tuple[int, ...]], dict[str, Any]]],
    sent: list[dict[str, Any]],
    report: AssemblyReport,
) -> None:
    """One short write transaction per batch: new bodies, outbox rows, periods marked done."""
    begin_writing(session)  # end the batch's reads: the writes take the lock in a transaction of their own
    # New bodies in one global order (by content hash): two processes storing the same two
    # editions then wait for each other in turn instead of deadlocking.
    new = sorted(
        {key for key, _values in pending if key not in state.bodies}, key=lambda k: state.rendered[k].content_hash
    )
    if new:
        renders = [state.rendered.pop(key) for key in new]
        contents = [(r.subject, r.html, r.text, r.link_items) for r in renders]
        stored = store_bodies(session, contents, postal_address=state.postal_address)
        # Per-item and per-area reach in the reports: every new body's items in one statement.
        record_newsletter_items(session, [(body.id, key[1]) for key, body in zip(new, stored, strict=True)])
        state.bodies.update(zip(new, stored, strict=True))
    messages = [NewDelivery(body=stored_body(session, state, key), **values) for key, values in pending]
    report.enqueued += enqueue(session, messages, now=state.now)
    if sent:
        # Every new answer of the batch in one statement, in one global order (by key) like the bodies.
        whys = sorted({row["reasons"] for row in sent if row["reasons"] and row["reasons"] not in state.reason_ids})
        stored_ids = store_reasons(session, [state.reasons_by_hash[why] for why in whys])
        state.reason_ids.update(zip(whys, stored_ids, strict=True))
        rows = [{**row, "reasons_id": state.reason_ids.get(row["reasons"] or "")} for row in sent]
        mark_periods_done(session, rows)


# One statement per batch on PostgreSQL, the values as arrays (an executemany is a statement per
# contact). Only our own table and column names.
_PERIODS_POSTGRESQL = f"""
UPDATE {Contact.__tablename__} AS c SET last_digest_period = u.period,
    last_newsletter_reasons_id = COALESCE(u.reasons_id, c.last_newsletter_reasons_id),
    last_newsletter_at = COALESCE(u.sent_at, c.last_newsletter_at)
FROM unnest(%(ids)s::int[], %(periods)s::varchar[], %(reasons)s::int[], %(sent_at)s::timestamptz[])
    AS u (id, period, reasons_id, sent_at)
WHERE c.id = u.id
"""  # noqa: S608


# SQLite: one prepared statement run for each contact by the driver (no round trips to save; the
# values converted once here rather than per row by SQLAlchemy, which cost more than the updates).
_PERIODS_SQLITE = f"""
UPDATE {Contact.__tablename__} SET last_digest_period = ?,
    last_newsletter_reasons_id = COALESCE(?, last_newsletter_reasons_id),
    last_newsletter_at = COALESCE(?, last_newsletter_at)
WHERE id = ?
"""  # noqa: S608


def mark_periods_done(session: Session, sent: list[dict[str, Any]]) -> None:
    """Each contact's newsletter period as done, with what put its items there and when it went
    (`contact_id`, `period`, `reasons_id`, `sent_at`; None keeps the last newsletter's, for a
    contact whose period passed with nothing to send)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        columns = {"ids": "contact_id", "periods": "period", "reasons": "reasons_id", "sent_at": "sent_at"}
        arrays = {name: [row[key] for row in sent] for name, key in columns.items()}
        connection.exec_driver_sql(_PERIODS_POSTGRESQL, arrays)
        return
    stored_at = Contact.__table__.c.last_newsletter_at.type._cached_bind_processor(connection.dialect)
    moments: dict[Any, Any] = {None: None}  # a run has one or two moments: convert each once
    rows = []
    for row in sent:
        when = row["sent_at"]
        if when not in moments:
            moments[when] = stored_at(when) if stored_at else when
        rows.append((row["period"], row["reasons_id"], moments[when], row["contact_id"]))
    connection.exec_driver_sql(_PERIODS_SQLITE, rows)


def assemble_digests(
    session: Session,
    now: dt.datetime,
    *,
    app: Flask | None = None,
    batch_size: int = BATCH_SIZE,
    max_items: int | None = None,
    on_batch: Callable[[AssemblyReport], None] | None = None,
    shard: tuple[int, int] | None = None,
) -> AssemblyReport:
    """Queue the newsletters that are due at `now`, committing per batch; safe to run twice.

    `shard=(i, n)` takes only the contacts whose id is i modulo n (one of n processes).
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = new_run_state(session, app, now, max_items or app.config["CHANNELCAST"].digest_max_items)
    report = AssemblyReport()
    last_id = 0
    gc.freeze()  # the caches live for the whole run; spare the collector from re-walking them
    # Cached rows (bodies, items) stay loaded across the per-batch commits.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        for contacts in _batches(session, batch_size, shard):
            report.contacts_seen += len(contacts)
            report.batches += 1
            pending, sent = _assemble_batch(session, state, contacts, report)
            _write_batch(session, state, pending, sent, report)
            session.commit()
            last_id = contacts[-1].id
            if on_batch is not None:
                on_batch(report)
    finally:
        session.expire_on_commit = expire_on_commit
        gc.unfreeze()
    report.distinct_renders = len(state.bodies)
    log.info("digest assembly at %s: %s (up to contact %d)", now.isoformat(), report, last_id)
    return report


def _batches(session: Session, batch_size: int, shard: tuple[int, int] | None) -> Iterator[Sequence[Any]]:
    last_id = 0
    while True:
        contacts = _contacts_after(session, last_id, batch_size, shard)
        if not contacts:
            return
        yield contacts
        last_id = contacts[-1].id


def add_up(total: AssemblyReport, part: AssemblyReport) -> None:
    """Add one run's (or one process's) figures to `total`."""
    for name in vars(total):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def _run_in_child(app: Flask, label: str, job: Callable[[Session], AssemblyReport], results: Any) -> None:
    """One forked process's part: its own connections; its report, or its failure, on `results`."""
    engine = app.extensions["channelcast.db"].engine
    engine.dispose(close=False)  # the parent's pooled connections are not ours to use
    try:
        with Session(engine) as session:
            results.put(job(session))
    except BaseException as error:  # report it: the parent must not mistake a crash for "nothing due"
        log.exception("%s failed", label)
        results.put(error)


def in_forked_processes(app: Flask, jobs: Sequence[tuple[str, Callable[[Session], AssemblyReport]]]) -> AssemblyReport:
    """Each (label, job) in a forked process of its own, side by side; their reports added up.

    Forked, so children inherit the app and the jobs (nothing to pickle). Any child's failure
    fails the whole with the first one as its cause.
    """
    app.extensions["channelcast.db"].engine.dispose()
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    children = [context.Process(target=_run_in_child, args=(app, label, job, results)) for label, job in jobs]
    for child in children:
        child.start()
    parts = [results.get() for _ in children]
    for child in children:
        child.join()
    failures = [part for part in parts if isinstance(part, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(jobs)} newsletter processes failed") from failures[0]
    total = AssemblyReport()
    for part in parts:
        add_up(total, part)
    return total


def assemble_in_processes(
    app: Flask, now: dt.datetime, *, processes: int, batch_size: int = BATCH_SIZE
) -> AssemblyReport:
    """The same run split over `processes` forked processes by contact id; reports added up.

    Renders an edition once per process that needs it; the outbox key keeps every newsletter
    single even where two processes render the same edition.
    """
    if processes <= 1:
        with Session(app.extensions["channelcast.db"].engine) as session:
            return assemble_digests(session, now, app=app, batch_size=batch_size)

    def shard(index: int) -> Callable[[Session], AssemblyReport]:
        return lambda session: assemble_digests(session, now, app=app, batch_size=batch_size, shard=(index, processes))

    return in_forked_processes(app, [(f"digest shard {i}/{processes}", shard(i)) for i in range(processes)])
