"""Partners changed by vendor staff: create, edit, archive and restore, and bulk changes to many.

Every rule a partner must keep lives in `partner_problems` (a name unique in its country, a known
tier and type, an account manager who is one, or else a distributor team: never both); create,
edit and each row of a bulk change go through it, so a bulk change can refuse nothing a single
edit would accept. Each change is one audit entry per partner, with its fields old -> new in the
words people read (names, not ids). A change of tier on an existing partner goes through the
programme's one tier service (`subscribers.programme.tiers.change_tier`): upgrades at once,
downgrades after notice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import changes_between
from core.auth.models import Role, User
from core.config import LOCALES
from core.db import utc_now
from subscribers.audit import record_partner
from subscribers.brand_editor import plain_text
from subscribers.countries import country_codes
from subscribers.models import DistributorTeam, Partner, PartnerType
from subscribers.programme.tiers import TierRules, change_tier, is_downgrade, tier_change_problems

Changes = dict[str, tuple[object, object]]


class PartnerInvalid(ValueError):
    """A partner that cannot be saved as asked: the message per form field, nothing written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PartnerDraft:
    """What the partner form (or a bulk change) asks for."""

    name: str
    tier: str
    type: str
    country: str
    default_locale: str
    subcategory: str = ""
    account_manager_id: int | None = None
    backup_manager_id: int | None = None
    distributor_team_id: int | None = None
    # For a change of tier: why, and (a downgrade) from which day; by default after the notice period.
    tier_reason: str = ""
    tier_effective_on: dt.date | None = None

    @classmethod
    def of(cls, partner: Partner) -> PartnerDraft:
        return cls(
            name=partner.name, tier=partner.tier, type=partner.type.value, country=partner.country,
            default_locale=partner.default_locale, subcategory=partner.subcategory,
            account_manager_id=partner.account_manager_id, backup_manager_id=partner.backup_manager_id,
            distributor_team_id=partner.distributor_team_id,
        )  # fmt: skip

    def cleaned(self) -> PartnerDraft:
        return dataclasses.replace(
            self, name=" ".join(self.name.split()), country=self.country.strip().upper(),
            tier=self.tier.strip().lower(), subcategory=self.subcategory.strip(),
        )  # fmt: skip


def _manager_problem(session: Session, user_id: int | None, *, stand_in: bool) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    problem: str | None = None
    if user is None:
        problem = _("Choose someone from the list.")
    elif user.role is not Role.ACCOUNT_MANAGER and stand_in:
        problem = _("%(name)s is not an account manager (role: %(role)s) and cannot stand in.", name=user.name,
                    role=user.role.label.lower())  # fmt: skip
    elif user.role is not Role.ACCOUNT_MANAGER:
        problem = _("%(name)s is not an account manager (role: %(role)s) and cannot look after partners.",
                    name=user.name, role=user.role.label.lower())  # fmt: skip
    elif not user.is_active:
        problem = _("%(name)s is deactivated: choose someone who can sign in.", name=user.name)
    return problem


def _name_taken(session: Session, draft: PartnerDraft, partner: Partner | None) -> bool:
    same = select(Partner.id).where(func.lower(Partner.name) == draft.name.lower(), Partner.country == draft.country)
    if partner is not None:
        same = same.where(Partner.id != partner.id)
    return session.scalar(same.limit(1)) is not None


def _field_problems(draft: PartnerDraft, tiers: tuple[str, ...]) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = plain_text(draft.name)
    if not name:
        errors["name"] = _("Give the partner's name.") if name == "" else _("Plain text only, on one line.")
    elif len(name) > 200:
        errors["name"] = _("At most %(count)s characters.", count=200)
    if draft.tier not in tiers:
        errors["tier"] = _("Choose one of the tiers: %(tiers)s.", tiers=", ".join(tiers))
    if draft.type not in {kind.value for kind in PartnerType}:
        errors["type"] = _("Choose one of the partner types.")
    if plain_text(draft.subcategory) is None or len(draft.subcategory) > 100:
        errors["subcategory"] = _("Plain text only, at most %(count)s characters.", count=100)
    if draft.country not in country_codes():
        errors["country"] = _("Choose the partner's country.")
    if draft.default_locale not in LOCALES:
        errors["default_locale"] = _("Choose one of the languages in the list.")
    return errors


def partner_problems(
    session: Session, draft: PartnerDraft, *, tiers: tuple[str, ...], partner: Partner | None = None
) -> dict[str, str]:
    """Every reason `draft` cannot be saved (for `partner`, or as a new one), by form field."""
    errors = _field_problems(draft, tiers)
    if "name" not in errors and "country" not in errors and _name_taken(session, draft, partner):
        errors["name"] = _("There is already a partner called %(name)s in this country.", name=draft.name)
    for name, stand_in in (("account_manager_id", False), ("backup_manager_id", True)):
        problem = _manager_problem(session, getattr(draft, name), stand_in=stand_in)
        if problem:
            errors[name] = problem
    if draft.backup_manager_id is not None and "backup_manager_id" not in errors:
        if draft.account_manager_id is None:
            errors["backup_manager_id"] = _("A stand-in stands in for an account manager: choose one first.")
        elif draft.backup_manager_id == draft.account_manager_id:
            errors["backup_manager_id"] = _("The stand-in must be someone other than the account manager.")
    if draft.distributor_team_id is not None:
        if draft.account_manager_id is not None:
            errors["distributor_team_id"] = _(
                "A partner is looked after by an account manager or by a distributor team, not both."
            )
        elif session.get(DistributorTeam, draft.distributor_team_id) is None:
            errors["distributor_team_id"] = _("Choose a team from the list.")
    return errors


def draft_facts(session: Session, draft: PartnerDraft) -> dict[str, object]:
    """A draft as the audit trail and the bulk confirmation show it: names, not ids."""

    def person(user_id: int | None) -> str:
        user = session.get(User, user_id) if user_id is not None else None
        return user.name if user is not None else ""

    team = session.get(DistributorTeam, draft.distributor_team_id) if draft.distributor_team_id else None
    return {
        "name": draft.name, "tier": draft.tier, "type": draft.type, "subcategory": draft.subcategory,
        "country": draft.country, "language": draft.default_locale,
        "account manager": person(draft.account_manager_id), "stand-in": person(draft.backup_manager_id),
        "distributor team": team.name if team is not None else "",
    }  # fmt: skip


def _apply(partner: Partner, draft: PartnerDraft) -> None:
    partner.name, partner.tier, partner.type = draft.name, draft.tier, PartnerType(draft.type)
    partner.subcategory, partner.country, partner.default_locale = (
        draft.subcategory,
        draft.country,
        draft.default_locale,
    )
    partner.account_manager_id, partner.backup_manager_id = draft.account_manager_id, draft.backup_manager_id
    partner.distributor_team_id = draft.distributor_team_id


def create_partner(session: Session, draft: PartnerDraft, *, tiers: tuple[str, ...]) -> Partner:
    draft = draft.cleaned()
    errors = partner_problems(session, draft, tiers=tiers)
    if errors:
        raise PartnerInvalid(errors)
    partner = Partner()
    _apply(partner, draft)
    session.add(partner)
    session.flush()
    record_partner(session, "partner.create", partner, changes=changes_between({}, draft_facts(session, draft)))
    return partner


def tier_rules(tiers: tuple[str, ...], *, notice_days: int, today: dt.date | None = None) -> TierRules:
    return TierRules(tiers=tiers, notice_days=notice_days, today=today or utc_now().date())


def _tier_change_words(rules: TierRules, old: str, new: str, effective_on: dt.date | None) -> tuple[str, str]:
    """A change of tier as people read it: a downgrade names the day it takes effect."""
    if not is_downgrade(rules, old, new):
        return old, new
    day = effective_on or rules.default_effective_on
    return old, _("%(tier)s from %(date)s", tier=new, date=format_date(day, "medium"))


def update_partner(
    session: Session,
    partner: Partner,
    draft: PartnerDraft,
    *,
    tiers: tuple[str, ...],
    detail: str = "",
    notice_days: int = 90,
    today: dt.date | None = None,
    by: User | None = None,
) -> Changes:
    """Save the edit; returns what changed (field: old -> new), also written to the audit trail.

    A new tier goes through the tier service: an upgrade applies now, a downgrade is scheduled."""
    draft = draft.cleaned()
    rules = tier_rules(tiers, notice_days=notice_days, today=today)
    errors = partner_problems(session, draft, tiers=tiers, partner=partner)
    new_tier = draft.tier != partner.tier
    if new_tier:
        reason, effective_on = draft.tier_reason, draft.tier_effective_on
        errors.update(tier_change_problems(rules, partner, draft.tier, reason=reason, effective_on=effective_on))
    if errors:
        raise PartnerInvalid(errors)
    kept = dataclasses.replace(draft, tier=partner.tier)  # the tier is the tier service's to change
    changes = changes_between(draft_facts(session, PartnerDraft.of(partner)), draft_facts(session, kept))
    if changes:
        _apply(partner, kept)
        session.flush()
        session.expire(partner, ["account_manager", "backup_manager", "distributor_team"])
        record_partner(session, "partner.update", partner, changes=changes, detail=detail)
    if new_tier:
        old = partner.tier
        reason = draft.tier_reason or detail
        change_tier(session, partner, draft.tier, rules, reason=reason, effective_on=draft.tier_effective_on, by=by)
        changes = {**changes, "tier": _tier_change_words(rules, old, draft.tier, draft.tier_effective_on)}
    return changes


def archive_partner(session: Session, partner: Partner, *, now: dt.datetime | None = None, detail: str = "") -> bool:
    """No newsletters, no kits, no portal sign-in; out of lists by default. Returns whether it moved."""
    if partner.archived_at is not None:
        return False
    partner.archived_at = now or utc_now()
    session.flush()
    record_partner(session, "partner.archive", partner, changes={"state": ("active", "archived")}, detail=detail)
    return True


def restore_partner(session: Session, partner: Partner) -> bool:
    """Back to normal: the next due newsletter and the next kit tick include it again."""
    if partner.archived_at is None:
        return False
    partner.archived_at = None
    session.flush()
    record_partner(session, "partner.restore", partner, changes={"state": ("archived", "active")})
    return True


# ------------------------------------------------------------------------------------------- bulk

BULK_MANAGER, BULK_TIER, BULK_ARCHIVE = "manager", "tier", "archive"
BULK_ACTIONS = (BULK_MANAGER, BULK_TIER, BULK_ARCHIVE)


@dataclass(frozen=True)
class BulkRow:
    partner: Partner
    changes: Changes  # as people read them; empty: this partner stays as it is
    draft: PartnerDraft | None = None  # None for an archive


@dataclass
class BulkPlan:
    """Exactly what a bulk change will do, partner by partner, and why it cannot (if it cannot)."""

    action: str
    value: str
    rows: list[BulkRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def changing(self) -> list[BulkRow]:
        return [row for row in self.rows if row.changes]


def _bulk_draft(partner: Partner, action: str, value: str) -> PartnerDraft:
    draft = PartnerDraft.of(partner)
    if action == BULK_TIER:
        return dataclasses.replace(draft, tier=value)
    manager_id = int(value) if value.isdigit() else None
    # The new manager replaces a distributor team, and cannot stand in for themselves.
    backup = None if draft.backup_manager_id == manager_id else draft.backup_manager_id
    return dataclasses.replace(draft, account_manager_id=manager_id, backup_manager_id=backup, distributor_team_id=None)


def plan_bulk(
    session: Session,
    partners: list[Partner],
    action: str,
    value: str,
    *,
    tiers: tuple[str, ...],
    notice_days: int = 90,
    today: dt.date | None = None,
) -> BulkPlan:
    """What the change would do to each partner, checked as a single edit would be; changes nothing."""
    plan = BulkPlan(action, value)
    rules = tier_rules(tiers, notice_days=notice_days, today=today)
    if action not in BULK_ACTIONS:
        plan.errors.append(_("Choose what to change."))
        return plan
    for partner in sorted(partners, key=lambda p: (p.name.lower(), p.country)):
        if action == BULK_ARCHIVE:
            changes: Changes = {} if partner.archived_at else {"state": ("active", "archived")}
            plan.rows.append(BulkRow(partner, changes))
            continue
        draft = _bulk_draft(partner, action, value)
        for problem in partner_problems(session, draft, tiers=tiers, partner=partner).values():
            plan.errors.append(f"{partner.name}: {problem}")
        changes = changes_between(draft_facts(session, PartnerDraft.of(partner)), draft_facts(session, draft))
        if "tier" in changes:
            changes["tier"] = _tier_change_words(rules, partner.tier, draft.tier, None)
        plan.rows.append(BulkRow(partner, changes, draft))
    if not plan.rows:
        plan.errors.append(_("Tick at least one partner in the list."))
    return plan


def apply_bulk(
    session: Session,
    plan: BulkPlan,
    *,
    tiers: tuple[str, ...],
    now: dt.datetime,
    notice_days: int = 90,
    by: User | None = None,
) -> int:
    """Make every change of a plan without errors (the caller commits all or rolls all back)."""
    if plan.errors:
        raise PartnerInvalid({"bulk": "; ".join(plan.errors)})
    detail = f"bulk change of {len(plan.rows)} partners"  # the trail's own words, not the reader's language
    for row in plan.changing:
        if plan.action == BULK_ARCHIVE:
            archive_partner(session, row.partner, now=now, detail=detail)
        elif row.draft is not None:
            update_partner(
                session, row.partner, row.draft, tiers=tiers, detail=detail, notice_days=notice_days,
                today=now.date(), by=by,
            )  # fmt: skip
    return len(plan.changing)
