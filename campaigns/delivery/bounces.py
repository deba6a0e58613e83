"""The bounce and complaint mailbox: read it every few minutes, act on each report, tidy up.

Bounces (RFC 3464) come back to our VERP address, so the address names the message; feedback
reports (ARF) quote the original message, whose Return-Path or Message-ID names it. Each report
becomes provider events recorded through the one mapping in events.py, then the message is
deleted from the mailbox. A report we cannot trust or use stays in the mailbox and is listed in
the delivery admin with the reason: unreadable, not about a message of ours, a forged VERP
token, an address the message never went to, a feedback report without the original, or too
big to fetch. A mailbox that cannot be reached is an error on the dashboard and in the log; the
next tick tries again, and sending goes on regardless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaigns.delivery.events import ProviderEvent, Recorded, find_deliveries, record_provider_events
from campaigns.delivery.models import Delivery, EventKind, KeptMailboxMessage
from core.config import MailboxSettings, Settings
from core.mail.addresses import normalise_email
from core.mail.mailbox import Mailbox, MailboxEntry, MailboxError, MessageFetchError, open_mailbox
from core.mail.reports import MailReport, RecipientReport, UnreadableReport, Verdict, read_report, summary_of
from core.mail.transports import verp_from_settings
from core.mail.verp import VerpAddresses
from core.models import Heartbeat
from core.scheduler import record_heartbeat

log = logging.getLogger("channelcast.delivery.bounces")

MAX_REPORT_BYTES = 10 * 1024 * 1024  # a bounce with the original attached is far smaller
MAX_PER_READ = 500  # one read's work stays bounded; the rest comes next time
READ_BEAT = "bounce-mailbox"  # every attempt: when, and what came of it ("error: ..." when it failed)
OK_BEAT = "bounce-mailbox-ok"  # the last read that worked
KINDS = {
    Verdict.HARD_BOUNCE: EventKind.BOUNCE,
    Verdict.SOFT_BOUNCE: EventKind.SOFT_BOUNCE,
    Verdict.DELAYED: EventKind.DEFERRED,
    Verdict.DELIVERED: EventKind.DELIVERED,
    Verdict.COMPLAINT: EventKind.SPAMREPORT,
}

# How the dashboard names what a read found (people see words, not event kinds).
SUMMARY_WORDS = {
    EventKind.BOUNCE.value: "hard bounce",
    EventKind.SOFT_BOUNCE.value: "soft bounce",
    EventKind.SPAMREPORT.value: "complaint",
    EventKind.DEFERRED.value: "delay notice",
    EventKind.DELIVERED.value: "delivery notice",
}


class Kept(Exception):
    """The report stays in the mailbox for a person; the text says why."""


@dataclass
class ReadOutcome:
    processed: int = 0
    kept: int = 0
    skipped: int = 0  # already kept earlier: not fetched again
    events: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {SUMMARY_WORDS.get(kind, kind)}" for kind, n in sorted(self.events.items()))
        return (
            f"{self.processed} processed ({counts or 'no events'}), {self.kept} newly kept, {self.skipped} kept before"
        )


# ---------------------------------------------------------------------------------------------- one report


def events_for_report(
    session: Session, raw: bytes, *, verp: VerpAddresses | None, now: dt.datetime
) -> tuple[list[ProviderEvent], Delivery]:
    """The events one report stands for, and our message it is about; raises Kept when it must stay."""
    try:
        report = read_report(raw)
    except UnreadableReport as error:
        raise Kept(f"unreadable: {error}") from None
    if report.format == "arf" and not report.has_original:
        raise Kept("a complaint report without the original message: no way to tell which message it is about")
    if report.format == "arf" and not report.recipients:
        raise Kept(f"a feedback report of type {report.feedback_type!r}, not a complaint")
    delivery = _delivery_of(session, report, verp, now)
    event_id = "mailbox:" + hashlib.sha256(raw).hexdigest()[:48]
    events = [
        ProviderEvent(
            provider="mailbox",
            event_id=f"{event_id}:{index}",
            kind=KINDS[recipient.verdict],
            delivery_ref=delivery.id,
            email=_recipient_address(recipient, delivery, report),
            occurred_at=now,
            reason=recipient.reason or recipient.verdict.value,
            detail={"status": recipient.status, "report": report.format},
        )
        for index, recipient in enumerate(report.recipients)
    ]
    return events, delivery


def _delivery_of(session: Session, report: MailReport, verp: VerpAddresses | None, now: dt.datetime) -> Delivery:
    """Our message, by its VERP return path (signed) or else its Message-ID."""
    ours = [address for address in report.return_paths if verp and verp.is_ours(address)]
    refs = {verp.ref_of(address) for address in ours} if verp else set()
    if ours and (None in refs or len(refs) != 1):
        raise Kept(f"the bounce address {ours[0]} carries a forged or damaged token")
    reference = ProviderEvent("mailbox", "", EventKind.BOUNCE, delivery_ref=next(iter(refs)) if refs else None,
                              message_id=report.original_message_id)  # fmt: skip
    if reference.delivery_ref is None and not reference.message_id:
        raise Kept("not about a message of ours: no VERP address of ours and no Message-ID")
    (delivery,) = find_deliveries(session, [reference], now=now, by_address=False)
    if delivery is None:
        raise Kept("not about a message of ours: the VERP address or Message-ID names no message we sent")
    return delivery


def _recipient_address(recipient: RecipientReport, delivery: Delivery, report: MailReport) -> str:
    """The address the report is about: it must be the one our message went to."""
    if report.format == "arf":
        return delivery.recipient_email  # complaint reports often blank out the complainant
    ours = normalise_email(delivery.recipient_email)
    if ours not in {normalise_email(address) for address in recipient.addresses}:
        raise Kept(f"the report is about {recipient.final_recipient}, but message {delivery.id} went to someone else")
    return ours


# ---------------------------------------------------------------------------------------------- one read


def read_bounce_mailbox(
    session: Session,
    mailbox_settings: MailboxSettings,
    *,
    verp: VerpAddresses | None,
    soft_bounce_limit: int,
    now: dt.datetime,
    ssl_context: ssl.SSLContext | None = None,
) -> ReadOutcome:
    """Read the mailbox once: act on every report, keep what must stay, delete what is done.

    Commits before deleting, so a report is never deleted before what it said is stored; a crash
    in between means the report is read again and recorded as a duplicate (then deleted)."""
    outcome = ReadOutcome()
    label = mailbox_settings.label
    with open_mailbox(mailbox_settings, ssl_context=ssl_context) as mailbox:
        entries = mailbox.entries()
        kept_before = _kept_uids(session, label, entries)
        done: list[str] = []
        try:
            for entry in entries[:MAX_PER_READ]:
                if entry.uid in kept_before:
                    outcome.skipped += 1
                elif _handle(session, mailbox, entry, label, verp, soft_bounce_limit, now, outcome):
                    done.append(entry.uid)
        finally:
            session.commit()
        mailbox.remove(done)
    return outcome


def _kept_uids(session: Session, label: str, entries: Sequence[MailboxEntry]) -> set[str]:
    """Uids kept earlier and still there; rows of messages a person has since removed (or of a mailbox
    no longer configured) are dropped."""
    session.execute(delete(KeptMailboxMessage).where(KeptMailboxMessage.mailbox != label))
    present = {entry.uid for entry in entries}
    rows = dict(session.execute(select(KeptMailboxMessage.uid, KeptMailboxMessage.id).where(
        KeptMailboxMessage.mailbox == label)).tuples().all())  # fmt: skip
    gone = [row_id for uid, row_id in rows.items() if uid not in present]
    if gone:
        session.execute(delete(KeptMailboxMessage).where(KeptMailboxMessage.id.in_(gone)))
    return set(rows) & present


def _handle(
    session: Session,
    mailbox: Mailbox,
    entry: MailboxEntry,
    label: str,
    verp: VerpAddresses | None,
    soft_bounce_limit: int,
    now: dt.datetime,
    outcome: ReadOutcome,
) -> bool:
    """One message: True when it is dealt with (to delete), False when it stays."""
    if entry.size > MAX_REPORT_BYTES:
        limit = MAX_REPORT_BYTES // 1_048_576
        reason = f"too big for a report ({entry.size / 1_048_576:.1f} MB; more than {limit} MB is not fetched)"
        log.warning("bounce mailbox: message %s skipped: %s", entry.uid, reason)
        _keep(session, label, entry, b"", reason, now, outcome)
        return False
    try:
        raw = mailbox.fetch(entry.uid)
    except MessageFetchError as error:
        _keep(session, label, entry, b"", str(error), now, outcome)
        raise  # the session may be broken: stop this read; the message is skipped from now on
    try:
        with session.begin_nested():
            events, delivery = events_for_report(session, raw, verp=verp, now=now)
            results = record_provider_events(
                session, events, now=now, soft_bounce_limit=soft_bounce_limit, deliveries=[delivery] * len(events)
            )
    except Kept as kept:
        log.info("bounce mailbox: message %s kept: %s", entry.uid, kept)
        _keep(session, label, entry, raw, str(kept), now, outcome)
        return False
    except Exception as error:  # a bug: keep the report, go on with the rest
        log.exception("bounce mailbox: message %s could not be processed", entry.uid)
        _keep(session, label, entry, raw, f"could not be processed: {error!r}", now, outcome)
        return False
    outcome.processed += 1
    for event, result in zip(events, results, strict=True):
        if result is Recorded.RECORDED:
            outcome.events[event.kind.value] = outcome.events.get(event.kind.value, 0) + 1
    return True


def _keep(
    session: Session, label: str, entry: MailboxEntry, raw: bytes, reason: str, now: dt.datetime, outcome: ReadOutcome
) -> None:
    subject, sender = summary_of(raw) if raw else ("", "")
    session.add(
        KeptMailboxMessage(
            mailbox=label, uid=entry.uid[:255], subject=subject, sender=sender, size=entry.size,
            reason=reason[:500], first_seen_at=now,
        )
    )  # fmt: skip
    session.flush()
    outcome.kept += 1


# ---------------------------------------------------------------------------------------------- the tick


@dataclass(frozen=True)
class MailboxStatus:
    """What the dashboard says about the mailbox."""

    label: str
    last_attempt_at: dt.datetime | None
    last_ok_at: dt.datetime | None
    detail: str
    error: str


def mailbox_status(session: Session, settings: Settings) -> MailboxStatus | None:
    if settings.bounce_mailbox is None:
        return None
    beats = {b.name: b for b in session.scalars(select(Heartbeat).where(Heartbeat.name.in_([READ_BEAT, OK_BEAT])))}
    attempt, ok = beats.get(READ_BEAT), beats.get(OK_BEAT)
    failed = attempt is not None and attempt.detail.startswith("error: ")
    return MailboxStatus(
        label=settings.bounce_mailbox.label,
        last_attempt_at=attempt.beat_at if attempt else None,
        last_ok_at=ok.beat_at if ok else None,
        detail=ok.detail if ok else "",
        error=attempt.detail.removeprefix("error: ") if attempt and failed else "",
    )


def bounce_mailbox_tick(session: Session, now: dt.datetime) -> str:
    """Every BOUNCE_MAILBOX_POLL_MINUTES (and at the tick after a failed read): read the bounce mailbox."""
    settings: Settings = current_app.config["CHANNELCAST"]
    if settings.bounce_mailbox is None:
        return "no bounce mailbox set"
    last = session.execute(select(Heartbeat.beat_at, Heartbeat.detail).where(Heartbeat.name == READ_BEAT)).first()
    # After a failed read, the next tick tries again; else every few minutes (with a little slack,
    # so a read every 5 minutes stays every 5 minutes and not every 6).
    interval = dt.timedelta(minutes=settings.bounce_mailbox_poll_minutes, seconds=-30)
    if last is not None and not last.detail.startswith("error: ") and now - last.beat_at < interval:
        return "not due"
    try:
        outcome = read_bounce_mailbox(
            session,
            settings.bounce_mailbox,
            verp=verp_from_settings(settings),
            soft_bounce_limit=settings.soft_bounce_limit,
            now=now,
        )
    except MailboxError as error:
        log.warning("bounce mailbox could not be read (next try at a later tick): %s", error)
        record_heartbeat(session, READ_BEAT, now, f"error: {error}")
        return f"error: {error}"
    summary = outcome.summary()
    record_heartbeat(session, READ_BEAT, now, summary)
    record_heartbeat(session, OK_BEAT, now, summary)
    return summary
