"""Campaign services: create, edit, move between states, and the minute tick that launches and ends them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from campaigns.planning.models import TRANSITIONS, Campaign, CampaignStatus, CampaignStatusChange
from content.models import Competency, ContentItem, ContentStatus, InterestArea
from core.audit import SCHEDULER, AuditEntry, changes_between, record, user_actor
from core.auth.models import User
from core.config import LOCALE_NAMES, LOCALES
from core.timezones import LocalTimeError, local_to_utc

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class CampaignError(ValueError):
    """Something a marketer can fix; `field` names the form field it belongs to ("" for the whole form)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class CampaignDraft:
    """What the campaign form submits, in the marketer's own time zone."""

    name: str
    goal: str
    timezone: str
    launch_local: dt.datetime
    ends_local: dt.datetime
    interest_area_ids: list[int] = field(default_factory=list)
    content_item_ids: list[int] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    partner_types: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    locales: list[str] = field(default_factory=list)
    required_competency_id: int | None = None  # only partners holding it get the campaign and its kits


def _schedule_in_utc(draft: CampaignDraft) -> tuple[dt.datetime, dt.datetime]:
    try:
        launch_at = local_to_utc(draft.launch_local, draft.timezone)
        ends_at = local_to_utc(draft.ends_local, draft.timezone)
    except LocalTimeError as error:
        field_name = "timezone" if "time zone" in str(error) else "launch_at"
        raise CampaignError(field_name, str(error)) from None
    if ends_at <= launch_at:
        raise CampaignError("ends_at", _("The campaign must end after it launches."))
    return launch_at, ends_at


def _check_targeting(draft: CampaignDraft, tiers: tuple[str, ...], partner_types: tuple[str, ...]) -> None:
    checks = (
        ("tiers", draft.tiers, tiers),
        ("partner_types", draft.partner_types, partner_types),
        ("locales", draft.locales, LOCALES),
    )
    for name, chosen, allowed in checks:
        unknown = sorted(set(chosen) - set(allowed))
        if unknown:
            raise CampaignError(name, f"Unknown {name.replace('_', ' ')}: {', '.join(unknown)}.")
    bad = [code for code in draft.countries if len(code) != 2 or not code.isalpha()]
    if bad:
        raise CampaignError(
            "countries", _("Use two-letter country codes (NL, DE, ...), not: %(codes)s.", codes=", ".join(bad))
        )


def _apply(session: Session, campaign: Campaign, draft: CampaignDraft) -> None:
    campaign.name = draft.name.strip()
    campaign.goal = draft.goal.strip()
    campaign.timezone = draft.timezone
    campaign.launch_at, campaign.ends_at = _schedule_in_utc(draft)
    campaign.target_tiers = list(draft.tiers)
    campaign.target_partner_types = list(draft.partner_types)
    campaign.target_countries = sorted({code.upper() for code in draft.countries})
    campaign.target_locales = list(draft.locales)
    if draft.required_competency_id is not None and session.get(Competency, draft.required_competency_id) is None:
        raise CampaignError("required_competency_id", "Choose a competency from the list, or none.")
    campaign.required_competency_id = draft.required_competency_id
    campaign.interest_areas = list(
        session.scalars(select(InterestArea).where(InterestArea.id.in_(draft.interest_area_ids)))
    )
    campaign.content_items = list(
        session.scalars(select(ContentItem).where(ContentItem.id.in_(draft.content_item_ids)))
    )


def create_campaign(
    session: Session,
    draft: CampaignDraft,
    *,
    by: User | None,
    tiers: tuple[str, ...],
    partner_types: tuple[str, ...],
    now: dt.datetime,
) -> Campaign:
    _check_targeting(draft, tiers, partner_types)
    campaign = Campaign(status=CampaignStatus.DRAFT, created_by=by)
    _apply(session, campaign, draft)
    if campaign.launch_at <= now:
        raise CampaignError("launch_at", _("The launch is in the past: choose a moment still to come."))
    session.add(campaign)
    session.flush()
    _record(session, "campaign.create", campaign, changes_between({}, _facts(campaign)))
    return campaign


def _facts(campaign: Campaign) -> dict[str, object]:
    """What the audit trail compares before and after an edit."""
    return {
        "name": campaign.name, "goal": campaign.goal, "timezone": campaign.timezone,
        "launch_at": campaign.launch_at, "ends_at": campaign.ends_at, "tiers": campaign.target_tiers,
        "partner_types": campaign.target_partner_types, "countries": campaign.target_countries,
        "locales": campaign.target_locales, "interest_areas": [area.name() for area in campaign.interest_areas],
        "content_items": [item.title for item in campaign.content_items],
        "required_competency": campaign.required_competency_id,
    }  # fmt: skip


def _record(
    session: Session,
    action: str,
    campaign: Campaign,
    changes: dict[str, tuple[object, object]],
    *,
    by_scheduler: bool = False,
    by: User | None = None,
) -> None:
    actor = SCHEDULER if by_scheduler else user_actor(by) if by is not None else None
    record(
        session, action, object_type="campaign", object_id=campaign.id, object_label=campaign.name, changes=changes,
        actor=actor,
    )  # fmt: skip


def update_campaign(
    session: Session,
    campaign: Campaign,
    draft: CampaignDraft,
    *,
    tiers: tuple[str, ...],
    partner_types: tuple[str, ...],
    now: dt.datetime,
) -> None:
    if campaign.status not in EDITABLE:
        raise CampaignError("", f"A {campaign.status.value} campaign can no longer be edited.")
    _check_targeting(draft, tiers, partner_types)
    before = _facts(campaign)
    _apply(session, campaign, draft)
    if campaign.status is CampaignStatus.SCHEDULED and campaign.launch_at <= now:
        raise CampaignError("launch_at", _("A scheduled campaign needs a launch in the future."))
    campaign.version += 1
    session.flush()
    _record(session, "campaign.update", campaign, changes_between(before, _facts(campaign)))


@dataclass
class LiveEdit:
    """What may change while a campaign is live, the end in the campaign's own time zone."""

    ends_local: dt.datetime
    interest_area_ids: list[int] = field(default_factory=list)
    content_item_ids: list[int] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    partner_types: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    locales: list[str] = field(default_factory=list)


class LiveEditRefused(CampaignError):
    """Every reason a live edit cannot be saved, by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors)), next(iter(errors.values())))
        self.errors = errors


def _narrowing_problem(what: str, old: list[str], new: list[str], names: dict[str, str]) -> str | None:
    """A live campaign reaches no one new: an empty list means "everyone", so it may only shrink."""
    if not old:
        return None  # everyone before: any choice narrows (or keeps) it
    problem: str | None = None
    added = [names.get(value, value) for value in new if value not in old]
    if not new:
        problem = _("Removing every %(what)s would mean all of them: a live campaign's targeting can only narrow.",
                    what=what)  # fmt: skip
    elif added:
        problem = _("Adding %(values)s would widen a live campaign: its targeting can only narrow.",
                    values=", ".join(added))  # fmt: skip
    return problem


def _live_targeting_problems(session: Session, campaign: Campaign, edit: LiveEdit) -> dict[str, str]:
    areas = {str(area.id): area.name() for area in session.scalars(select(InterestArea))}
    checks: tuple[tuple[str, str, list[str], list[str], dict[str, str]], ...] = (
        ("tiers", _("tier"), campaign.target_tiers, edit.tiers, {}),
        ("partner_types", _("partner type"), campaign.target_partner_types, edit.partner_types, {}),
        ("countries", _("country"), campaign.target_countries, sorted({c.upper() for c in edit.countries}), {}),
        ("locales", _("language"), campaign.target_locales, edit.locales, dict(LOCALE_NAMES)),
        ("interest_areas", _("interest area"), [str(area.id) for area in campaign.interest_areas],
         [str(ident) for ident in edit.interest_area_ids], areas),
    )  # fmt: skip
    errors: dict[str, str] = {}
    for name, what, old, new, names in checks:
        problem = _narrowing_problem(what, list(old), list(new), names)
        if problem:
            errors[name] = problem
    return errors


def _live_end(campaign: Campaign, edit: LiveEdit, now: dt.datetime) -> tuple[dt.datetime | None, str | None]:
    try:
        ends_at = local_to_utc(edit.ends_local, campaign.timezone)
    except LocalTimeError as error:
        return None, str(error)
    if ends_at <= now:
        return None, _("A live campaign's end must be in the future; to stop it now, cancel it.")
    if ends_at <= campaign.launch_at:
        return None, _("The campaign must end after it launches.")
    return ends_at, None


def update_live_campaign(
    session: Session, campaign: Campaign, edit: LiveEdit, *, tiers: tuple[str, ...], partner_types: tuple[str, ...],
    now: dt.datetime,
) -> dict[str, tuple[object, object]]:  # fmt: skip
    """A live campaign's end, content and narrower targeting; recorded in its history (the audit trail)."""
    if campaign.status is not CampaignStatus.LIVE:
        raise CampaignError("", f"A {campaign.status.value} campaign is not live.")
    draft = CampaignDraft(name=campaign.name, goal=campaign.goal, timezone=campaign.timezone,
                          launch_local=edit.ends_local, ends_local=edit.ends_local, tiers=edit.tiers,
                          partner_types=edit.partner_types, countries=edit.countries, locales=edit.locales)  # fmt: skip
    _check_targeting(draft, tiers, partner_types)
    errors = _live_targeting_problems(session, campaign, edit)
    ends_at, end_problem = _live_end(campaign, edit, now)
    if end_problem:
        errors["ends_at"] = end_problem
    if errors or ends_at is None:
        raise LiveEditRefused(errors)
    before = _facts(campaign)
    campaign.ends_at = ends_at
    campaign.target_tiers, campaign.target_partner_types = list(edit.tiers), list(edit.partner_types)
    campaign.target_countries, campaign.target_locales = sorted({c.upper() for c in edit.countries}), list(edit.locales)
    campaign.interest_areas = list(
        session.scalars(select(InterestArea).where(InterestArea.id.in_(edit.interest_area_ids)))
    )
    campaign.content_items = list(session.scalars(select(ContentItem).where(ContentItem.id.in_(edit.content_item_ids))))
    changes = changes_between(before, _facts(campaign))
    if changes:
        campaign.version += 1
        session.flush()
        record(session, "campaign.update", object_type="campaign", object_id=campaign.id, object_label=campaign.name,
               changes=changes, detail="edited while live")  # fmt: skip
    return changes


def campaign_history(session: Session, campaign: Campaign) -> list[AuditEntry]:
    """Every step of the campaign, oldest first: creation, edits, and every move, the scheduler's too.

    One source: the audit trail, which records each of them with who and when (entries older than
    AUDIT_RETENTION_DAYS are purged from it, and so from this history)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "campaign", AuditEntry.object_id == str(campaign.id))
            .order_by(AuditEntry.id)
        )
    )


def move_campaign(
    session: Session, campaign: Campaign, to: CampaignStatus, *, by: User | None, now: dt.datetime
) -> None:
    """Move a campaign to another state, or refuse with a message that says why not."""
    if to not in TRANSITIONS[campaign.status]:
        raise CampaignError("", f"A {campaign.status.value} campaign cannot be moved to {to.value}.")
    if to is CampaignStatus.SCHEDULED and campaign.launch_at <= now:
        raise CampaignError("launch_at", _("The launch is in the past: move it into the future before scheduling."))
    session.add(
        CampaignStatusChange(
            campaign=campaign, from_status=campaign.status, to_status=to, at=now, by_id=by.id if by else None
        )
    )
    _record(session, "campaign.move", campaign, {"status": (campaign.status, to)}, by=by)
    campaign.status = to
    session.flush()


def _claim_move(session: Session, campaign_id: int, frm: CampaignStatus, to: CampaignStatus, now: dt.datetime) -> bool:
    """A conditional update: of two schedulers ticking at once, exactly one makes (and logs) the move."""
    result = session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == frm).values(status=to, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(CampaignStatusChange(campaign_id=campaign_id, from_status=frm, to_status=to, at=now, by_id=None))
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None:
        _record(session, "campaign.move", campaign, {"status": (frm, to)}, by_scheduler=True)
    return True


def advance_campaigns(session: Session, now: dt.datetime) -> int:
    """The minute tick: launch scheduled campaigns whose time came, end live ones whose time passed."""
    moves = 0
    due_launch = session.scalars(
        select(Campaign.id).where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.launch_at <= now)
    ).all()
    for campaign_id in due_launch:
        moves += _claim_move(session, campaign_id, CampaignStatus.SCHEDULED, CampaignStatus.LIVE, now)
    due_end = session.scalars(
        select(Campaign.id).where(Campaign.status == CampaignStatus.LIVE, Campaign.ends_at <= now)
    ).all()
    for campaign_id in due_end:
        moves += _claim_move(session, campaign_id, CampaignStatus.LIVE, CampaignStatus.ENDED, now)
    session.flush()
    session.expire_all()
    return moves


def campaigns_between(session: Session, start: dt.datetime, end: dt.datetime) -> list[Campaign]:
    """Campaigns that launch or run in [start, end), cancelled ones left out."""
    return list(
        session.scalars(
            select(Campaign)
            .where(
                Campaign.launch_at < end,
                or_(Campaign.ends_at >= start, Campaign.launch_at >= start),
                Campaign.status != CampaignStatus.CANCELLED,
            )
            .order_by(Campaign.launch_at, Campaign.id)
        )
    )


def list_campaigns(session: Session, *, status: CampaignStatus | None = None) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.launch_at.desc(), Campaign.id.desc())
    if status is not None:
        query = query.where(Campaign.status == status)
    return list(session.scalars(query))


def attachable_content(session: Session) -> list[ContentItem]:
    """Items a campaign can carry: anything not archived, newest first."""
    return list(
        session.scalars(
            select(ContentItem).where(ContentItem.status != ContentStatus.ARCHIVED).order_by(ContentItem.id.desc())
        )
    )
