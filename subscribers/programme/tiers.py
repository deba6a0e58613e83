"""Tier changes with no surprises: one service for every change of a partner's tier.

`Partner.tier` is always the tier in force, so everything else keeps reading it. An upgrade
takes effect at once (the kits tick rebuilds the partner's kits: the tier is one of their
inputs). A downgrade is scheduled `TIER_DOWNGRADE_NOTICE_DAYS` ahead (or on a chosen day, never
in the past): the account manager (or distributor team) is told by email first, and the partner
keeps its tier, and what the tier gives it, until `apply_due_tier_changes` applies it on that
day. An upgrade, or keeping the tier, during the notice period cancels the pending downgrade.
Every change is a `TierChange` row (the history) and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit import SCHEDULER
from core.auth.models import User
from core.db import utc_now
from subscribers.audit import record_partner
from subscribers.models import Partner
from subscribers.programme.models import TierChange, TierChangeStatus

log = logging.getLogger("channelcast.tiers")
REASON_MAX = 500
DowngradeNotifier = Callable[[Session, TierChange], None]
_NOTIFIER = "channelcast.tier_downgrade_notifier"


class TierChangeRefused(ValueError):
    """A tier change that cannot be made as asked: the message per form field; nothing written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def register_downgrade_notifier(app: Flask, notify: DowngradeNotifier) -> None:
    """How the account manager hears of a scheduled downgrade (the campaigns package queues an email)."""
    app.extensions[_NOTIFIER] = notify


def _notify(session: Session, change: TierChange) -> None:
    notify: DowngradeNotifier | None = current_app.extensions.get(_NOTIFIER) if has_app_context() else None
    if notify is None:
        log.warning("tier change %s: no notifier registered; nobody is told of the downgrade", change.id)
        return
    notify(session, change)


@dataclass(frozen=True)
class TierRules:
    """What a tier change is checked against: the configured tiers (lowest first) and the notice."""

    tiers: tuple[str, ...]
    notice_days: int
    today: dt.date  # a UTC day

    @property
    def default_effective_on(self) -> dt.date:
        return self.today + dt.timedelta(days=self.notice_days)


def pending_downgrade(session: Session, partner: Partner) -> TierChange | None:
    return session.scalar(
        select(TierChange)
        .where(TierChange.partner_id == partner.id, TierChange.status == TierChangeStatus.SCHEDULED)
        .order_by(TierChange.id.desc())
        .limit(1)
    )


def tier_history(session: Session, partner: Partner) -> list[TierChange]:
    """Newest first: scheduled, applied and cancelled changes."""
    return list(
        session.scalars(
            select(TierChange)
            .where(TierChange.partner_id == partner.id)
            .order_by(TierChange.effective_on.desc(), TierChange.id.desc())
        )
    )


def is_downgrade(rules: TierRules, from_tier: str, to_tier: str) -> bool:
    known = from_tier in rules.tiers and to_tier in rules.tiers
    return known and rules.tiers.index(to_tier) < rules.tiers.index(from_tier)


def tier_change_problems(
    rules: TierRules, partner: Partner, to_tier: str, *, reason: str, effective_on: dt.date | None
) -> dict[str, str]:
    """Every reason the change cannot be made, by form field (`tier`, `tier_effective_on`, `tier_reason`)."""
    errors: dict[str, str] = {}
    if to_tier not in rules.tiers:
        errors["tier"] = _("Choose one of the tiers: %(tiers)s.", tiers=", ".join(rules.tiers))
    if len(reason) > REASON_MAX:
        errors["tier_reason"] = _("At most %(count)s characters.", count=REASON_MAX)
    if effective_on is not None and effective_on < rules.today and is_downgrade(rules, partner.tier, to_tier):
        errors["tier_effective_on"] = _(
            "A downgrade cannot take effect in the past: choose today or a later day (the default is %(date)s).",
            date=rules.default_effective_on.isoformat(),
        )
    return errors


def _cancel_pending(session: Session, partner: Partner, why: str) -> TierChange | None:
    pending = pending_downgrade(session, partner)
    if pending is None:
        return None
    pending.status = TierChangeStatus.CANCELLED
    session.flush()
    record_partner(
        session, "partner.tier_downgrade_cancel", partner,
        changes={"scheduled tier": (f"{pending.to_tier} from {pending.effective_on.isoformat()}", "")}, detail=why,
    )  # fmt: skip
    return pending


def _apply(session: Session, change: TierChange, partner: Partner, now: dt.datetime, detail: str) -> None:
    partner.tier = change.to_tier
    change.status = TierChangeStatus.APPLIED
    change.applied_at = now
    session.flush()
    record_partner(
        session, "partner.tier_change", partner, changes={"tier": (change.from_tier, change.to_tier)},
        detail="; ".join(part for part in (change.reason, detail) if part),
    )  # fmt: skip


def change_tier(
    session: Session,
    partner: Partner,
    to_tier: str,
    rules: TierRules,
    *,
    reason: str = "",
    effective_on: dt.date | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> TierChange | None:
    """Move `partner` to `to_tier` by the programme's rules; returns the history row (None: no change).

    Raises TierChangeRefused, having written nothing, for an unknown tier or a downgrade dated in the past.
    """
    reason = " ".join(reason.split())
    errors = tier_change_problems(rules, partner, to_tier, reason=reason, effective_on=effective_on)
    if errors:
        raise TierChangeRefused(errors)
    now = now or utc_now()
    if to_tier == partner.tier:  # keeping the tier: a pending downgrade no longer applies
        _cancel_pending(session, partner, reason or "the tier is kept")
        return None
    downgrade = is_downgrade(rules, partner.tier, to_tier)
    _cancel_pending(session, partner, reason or ("replaced by a new downgrade" if downgrade else "upgraded"))
    when = (effective_on or rules.default_effective_on) if downgrade else rules.today
    change = TierChange(
        partner_id=partner.id, from_tier=partner.tier, to_tier=to_tier, reason=reason, effective_on=when,
        status=TierChangeStatus.SCHEDULED, requested_by_id=by.id if by is not None else None,
    )  # fmt: skip
    session.add(change)
    session.flush()
    if downgrade:
        record_partner(
            session, "partner.tier_downgrade_schedule", partner,
            changes={"scheduled tier": ("", f"{to_tier} from {when.isoformat()}")}, detail=reason,
        )  # fmt: skip
        _notify(session, change)
    if when <= rules.today:
        _apply(session, change, partner, now, "")
    return change


def due_tier_changes(session: Session, today: dt.date, limit: int = 100) -> Sequence[int]:
    return session.scalars(
        select(TierChange.id)
        .where(TierChange.status == TierChangeStatus.SCHEDULED, TierChange.effective_on <= today)
        .order_by(TierChange.effective_on, TierChange.id)
        .limit(limit)
    ).all()


def apply_tier_change(session: Session, change_id: int, now: dt.datetime) -> bool:
    """Apply one due downgrade; False if someone else did (or it was cancelled) meanwhile."""
    claimed = session.execute(
        update(TierChange)
        .where(TierChange.id == change_id, TierChange.status == TierChangeStatus.SCHEDULED)
        .values(status=TierChangeStatus.APPLIED, applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    change = session.get(TierChange, change_id)
    if change is None:  # pragma: no cover - the row was just claimed in this transaction
        return False
    session.refresh(change)
    partner = change.partner
    partner.tier = change.to_tier
    session.flush()
    record_partner(
        session, "partner.tier_change", partner, changes={"tier": (change.from_tier, change.to_tier)},
        detail="; ".join(part for part in (change.reason, "scheduled downgrade in force") if part), actor=SCHEDULER,
    )  # fmt: skip
    return True


def apply_due_tier_changes(session: Session, now: dt.datetime) -> int:
    """Every downgrade whose day has come (UTC), applied; returns how many. Safe to run twice."""
    applied = 0
    while ids := due_tier_changes(session, now.date()):
        applied += sum(apply_tier_change(session, change_id, now) for change_id in ids)
        if len(ids) < 100:
            break
    return applied


def tier_changes_tick(session: Session, now: dt.datetime) -> str:
    """Every minute: downgrades whose day has come take effect (kits rebuild on the kits tick)."""
    return f"{apply_due_tier_changes(session, now)} tier changes applied"
