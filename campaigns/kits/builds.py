"""Kits in the database: which are due, building them in the pool, storing the ZIPs.

Every eligible partner x language of a live campaign has one kit. Its inputs hash (the campaign's
pieces, the partner's brand and logo, the images, the vendor, the template version) decides: a
kit whose stored hash equals the current one is skipped without building; any change in the
campaign or the brand gives a new hash and a rebuild. ZIPs are stored through `core.storage`
under their own sha256.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from campaigns.kits.build import TEMPLATE_VERSION, kit_inputs_hash
from campaigns.kits.inputs import BrandKit, KitCopy, KitImage, NamedPerson, TierStatus, VendorInfo
from campaigns.kits.models import Kit, KitPiece, KitStatus
from campaigns.kits.pieces import kit_copy, piece_images, pieces_of
from campaigns.kits.pool import KitJob, ProgressCallback, build_kits
from campaigns.kits.words import kit_words, tier_line
from campaigns.planning.models import Campaign, CampaignStatus
from campaigns.planning.targeting import partner_conditions
from content.brand import InvalidField
from content.languages import configured_fallbacks, first_available, reading_order
from content.media import master_key
from core.config import Settings
from core.storage import MissingObject, Storage, StorageUnavailable, StoredObject, content_key
from subscribers.badges import badge_for
from subscribers.brand_editor import DEFAULT_ACCENT, DEFAULT_PRIMARY
from subscribers.models import Partner, PartnerUser
from subscribers.partners import contact_person
from subscribers.programme.standing import partner_competencies
from subscribers.programme.tiers import apply_due_tier_changes

log = logging.getLogger("channelcast.kits")
KitAddress = tuple[int, int, str]  # campaign id, partner id, locale


@dataclass(frozen=True)
class PlannedKit:
    address: KitAddress
    inputs_hash: str
    job: KitJob | None  # None when an input is refused: the kit is recorded as failed
    error: str = ""


@dataclass
class KitPlan:
    due: list[PlannedKit] = field(default_factory=list)
    unchanged: int = 0
    # The kits already recorded for the planned campaigns, so recording a build needs no query.
    existing: dict[KitAddress, Kit] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildSummary:
    built: int
    failed: int
    unchanged: int
    # Kits built but not stored because the store was unreachable: left as they were, so the next
    # tick tries again and the last good ZIP (if any) stays the one served.
    not_stored: int = 0
    storage_error: str = ""

    def __str__(self) -> str:
        line = f"{self.built} kits built, {self.failed} failed, {self.unchanged} unchanged"
        if self.storage_error:
            line += f"; {self.storage_error}, retried next tick"
        return line


def vendor_info(settings: Settings) -> VendorInfo:
    return VendorInfo(name=settings.vendor_name, postal_address=settings.postal_address)


def brand_kit(partner: Partner, storage: Storage) -> BrandKit:
    """The partner's saved brand as the engine's input; raises InvalidField for a value it refuses."""
    logo = None
    if partner.logo_path:
        try:
            logo = storage.read(partner.logo_path)
        except MissingObject:
            log.error("partner %s: logo %s is missing from storage; kits go without it", partner.id, partner.logo_path)
    return BrandKit(
        partner_name=partner.name,
        primary_colour=partner.brand_primary_color or DEFAULT_PRIMARY,
        accent_colour=partner.brand_accent_color or DEFAULT_ACCENT,
        logo=logo,
        website=partner.brand_website,
        phone=partner.brand_phone,
        email=partner.brand_email,
        postal_address=partner.brand_postal_address,
        tagline=partner.brand_tagline,
        contact_name=partner.brand_contact_name,
        brand_hash=partner.brand_version,
        tier=partner.tier,
    )


class PartnerStanding:
    """The tier badge and line of each tier and language, and each partner's named person, read once per plan."""

    def __init__(self, session: Session, storage: Storage, vendor: VendorInfo) -> None:
        self.session, self.storage, self.vendor = session, storage, vendor
        self._statuses: dict[tuple[str, str], TierStatus | None] = {}

    def status(self, tier: str, locale: str) -> TierStatus | None:
        """The tier's badge for a kit in `locale` with its line in that language; None when the tier has none."""
        key = (tier, locale)
        if key not in self._statuses:
            self._statuses[key] = self._read_status(tier, locale)
        return self._statuses[key]

    def _read_status(self, tier: str, locale: str) -> TierStatus | None:
        badge = badge_for(self.session, tier, locale)
        if badge is None:
            return None
        try:
            data = self.storage.read(master_key(badge.asset))
        except MissingObject:
            log.error("tier %s: badge %s is missing from storage; kits go without it", tier, badge.asset.sha256)
            return None
        return TierStatus(tier=tier, line=tier_line(kit_words(locale), tier, self.vendor.name), badge=data)

    @staticmethod
    def person(partner: Partner) -> NamedPerson | None:
        found = contact_person(partner)
        return NamedPerson(found.name, found.email, found.phone) if found is not None else None


def eligible_partners(
    session: Session, campaign: Campaign, partner_ids: Sequence[int] | None = None, day: dt.date | None = None
) -> list[Partner]:
    """Partners the campaign targets by tier, type and country (an empty list means everyone) that hold
    the competency it requires (on `day`, default today); never archived ones."""
    conditions = partner_conditions(campaign, day)
    query = (
        select(Partner)
        .where(*conditions, Partner.archived_at.is_(None))
        .order_by(Partner.id)
        .options(  # the named person of each, for the README
            selectinload(Partner.account_manager),
            selectinload(Partner.backup_manager),
            selectinload(Partner.distributor_team),
        )
    )
    if partner_ids:
        query = query.where(Partner.id.in_(partner_ids))
    return list(session.scalars(query))


def kit_locales(available: Sequence[str], wanted: Iterable[str], fallbacks: Sequence[str]) -> list[str]:
    """The languages a partner gets: for each language its people read (default language, portal
    users), the first of its reading order (`content.languages`) the campaign has pieces in; else
    the campaign's first language."""
    chosen = {first_available(reading_order(locale, fallbacks), available) for locale in wanted}
    return [locale for locale in available if locale in chosen] or list(available[:1])


def partner_locales(session: Session, partners: Sequence[Partner]) -> dict[int, set[str]]:
    locales = {partner.id: {partner.default_locale} for partner in partners}
    rows = session.execute(
        select(PartnerUser.partner_id, PartnerUser.locale).where(
            PartnerUser.partner_id.in_(list(locales)), PartnerUser.is_active.is_(True)
        )
    )
    for partner_id, locale in rows:
        locales[partner_id].add(locale)
    return locales


def kit_images(session: Session, piece: KitPiece, storage: Storage) -> tuple[KitImage, ...]:
    """The piece's images with their focal points and the pieces each is named for (and no others);
    one the store lost is left out (and logged), like a deleted one."""
    focal_points = piece.focal_points or {}
    images = []
    for position, asset in enumerate(piece_images(session, piece), start=1):
        try:
            data = storage.read(master_key(asset))
        except MissingObject:
            log.error("kit piece %s: image %s is missing from storage; left out", piece.id, asset.sha256)
            continue
        images.append(
            KitImage(
                name=asset.original_filename or f"image-{position}",
                data=data,
                focal=tuple(focal_points.get(str(asset.id), (0.5, 0.5))),  # type: ignore[arg-type]
                roles=frozenset(role for role, image_id in (piece.pictures or {}).items() if image_id == asset.id),
            )
        )
    return tuple(images)


def _campaign_inputs(
    session: Session, campaign: Campaign, storage: Storage
) -> dict[str, tuple[KitCopy, tuple[KitImage, ...]]]:
    inputs = {}
    for locale, piece in pieces_of(session, campaign).items():
        try:
            inputs[locale] = (kit_copy(campaign, piece, locale), kit_images(session, piece, storage))
        except InvalidField as error:
            log.warning("campaign %s: %s pieces refused: %s", campaign.id, locale, error)
    return inputs


def _campaigns(session: Session, campaign_ids: Sequence[int] | None) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id)
    if campaign_ids:
        return list(session.scalars(query.where(Campaign.id.in_(campaign_ids))))
    return list(session.scalars(query.where(Campaign.status == CampaignStatus.LIVE)))


def plan_kits(
    session: Session,
    *,
    storage: Storage,
    settings: Settings,
    now: dt.datetime,
    campaign_ids: Sequence[int] | None = None,
    partner_ids: Sequence[int] | None = None,
) -> KitPlan:
    """The kits whose inputs changed (or that do not exist yet); live campaigns unless ids are given."""
    plan = KitPlan()
    vendor = vendor_info(settings)
    standing = PartnerStanding(session, storage, vendor)
    brands: dict[int, BrandKit | InvalidField] = {}
    for campaign in _campaigns(session, campaign_ids):
        inputs = _campaign_inputs(session, campaign, storage)
        if not inputs:
            continue
        partners = eligible_partners(session, campaign, partner_ids, now.date())
        locales = partner_locales(session, partners)
        for kit in session.scalars(select(Kit).where(Kit.campaign_id == campaign.id)):
            plan.existing[(kit.campaign_id, kit.partner_id, kit.locale)] = kit
        for partner in partners:
            if partner.id not in brands:
                brands[partner.id] = _brand_or_error(partner, storage)
            brand = brands[partner.id]
            for locale in kit_locales(list(inputs), locales[partner.id], configured_fallbacks()):
                planned = _plan_one(campaign, partner, locale, inputs[locale], brand, vendor, now, standing)
                known = plan.existing.get(planned.address)
                if known is not None and known.inputs_hash == planned.inputs_hash:
                    plan.unchanged += 1
                else:
                    plan.due.append(planned)
    return plan


def _brand_or_error(partner: Partner, storage: Storage) -> BrandKit | InvalidField:
    try:
        return brand_kit(partner, storage)
    except InvalidField as error:
        return error


def _plan_one(
    campaign: Campaign,
    partner: Partner,
    locale: str,
    inputs: tuple[KitCopy, tuple[KitImage, ...]],
    brand: BrandKit | InvalidField,
    vendor: VendorInfo,
    now: dt.datetime,
    standing: PartnerStanding,
) -> PlannedKit:
    address = (campaign.id, partner.id, locale)
    if isinstance(brand, InvalidField):  # a failed kit stays failed until the brand changes
        return PlannedKit(address, f"brand-refused:{partner.brand_version}", None, brand.as_record())
    copy, images = inputs
    # The tier in force is Partner.tier: the tier-history service keeps it so on the effective date.
    status, person = standing.status(partner.tier, locale), standing.person(partner)
    inputs_hash = kit_inputs_hash(
        copy, brand, images, vendor, template_version=TEMPLATE_VERSION, status=status, person=person
    )
    job = KitJob(copy, brand, images, vendor, TEMPLATE_VERSION, now, status=status, person=person)
    return PlannedKit(address, inputs_hash, job)


def build_planned(
    session: Session,
    plan: KitPlan,
    *,
    storage: Storage,
    processes: int,
    now: dt.datetime,
    on_progress: ProgressCallback | None = None,
) -> BuildSummary:
    """Build the due kits in the pool, store each ZIP and record it; a refused input fails its kit only."""
    buildable = [planned for planned in plan.due if planned.job is not None]
    built = failed = 0
    for planned in plan.due:
        if planned.job is None:
            _record(session, plan, planned, now, error=planned.error)
            failed += 1
    not_stored, storage_error = 0, ""
    with tempfile.TemporaryDirectory(prefix="kits-") as scratch:
        jobs = [
            replace(planned.job, path=Path(scratch) / f"{n}.zip")
            for n, planned in enumerate(buildable)
            if planned.job is not None
        ]
        results = build_kits(jobs, processes=processes, on_progress=on_progress) if jobs else []
        for planned, result in zip(buildable, results, strict=True):
            if not result.ok or result.path is None or result.sha256 is None:
                _record(session, plan, planned, now, error=result.error or "")
                failed += 1
                continue
            key = content_key("kits", result.sha256, "zip")
            if storage_error:  # the store is down: don't wait out its retries once per kit
                not_stored += 1
                continue
            try:
                _store(storage, key, result.path)
            except StorageUnavailable as error:
                log.error("kits: storage unreachable, %s; the rest wait for the next tick", error)
                storage_error, not_stored = str(error), not_stored + 1
                continue
            built += 1
            _record(
                session,
                plan,
                planned,
                now,
                sha256=result.sha256,
                size=result.size,
                key=key,
                filename=result.filename or "",
            )
    session.flush()
    if storage_error:
        storage_error = f"{not_stored} built kits not stored, object storage unreachable"
    return BuildSummary(
        built=built, failed=failed, unchanged=plan.unchanged, not_stored=not_stored, storage_error=storage_error
    )


def _store(storage: Storage, key: str, path: Path) -> None:
    """Content-addressed: a ZIP already there under its sha256 is the same ZIP, so it is not sent again."""
    if not storage.exists(key):
        storage.write_file(key, path)


def _record(
    session: Session,
    plan: KitPlan,
    planned: PlannedKit,
    now: dt.datetime,
    *,
    error: str = "",
    sha256: str = "",
    size: int = 0,
    key: str = "",
    filename: str = "",
) -> None:
    kit = plan.existing.get(planned.address)
    if kit is None:
        campaign_id, partner_id, locale = planned.address
        kit = plan.existing[planned.address] = Kit(campaign_id=campaign_id, partner_id=partner_id, locale=locale)
        session.add(kit)
    kit.inputs_hash = planned.inputs_hash
    kit.status = KitStatus.FAILED if error else KitStatus.READY
    kit.error = error[:1000]
    kit.built_at = now
    if not error:  # a failed rebuild keeps the last good ZIP downloadable
        kit.sha256, kit.size, kit.storage_key, kit.filename = sha256, size, key, filename


def build_due_kits(
    session: Session,
    *,
    storage: Storage,
    settings: Settings,
    now: dt.datetime,
    campaign_ids: Sequence[int] | None = None,
    partner_ids: Sequence[int] | None = None,
    processes: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> BuildSummary:
    # Kits show the tier in force at `now`: a downgrade due today is applied before planning,
    # whichever tick runs first.
    apply_due_tier_changes(session, now)
    try:
        plan = plan_kits(
            session, storage=storage, settings=settings, now=now, campaign_ids=campaign_ids, partner_ids=partner_ids
        )
    except StorageUnavailable as error:  # the campaign images could not be read: nothing to build with
        log.error("kits: storage unreachable while reading inputs, %s", error)
        return BuildSummary(
            built=0, failed=0, unchanged=0, storage_error="object storage unreachable while reading the kits' images"
        )
    return build_planned(
        session,
        plan,
        storage=storage,
        processes=processes or settings.kit_build_processes,
        now=now,
        on_progress=on_progress,
    )


def open_kit_file(
    session: Session, kit: Kit, *, storage: Storage, settings: Settings, now: dt.datetime
) -> StoredObject | None:
    """The kit's ZIP; one the store lost is built again first. None when it cannot be (no longer targeted).

    Raises StorageUnavailable when the store does not answer: the caller says "try again shortly".
    """
    try:
        return storage.open(kit.storage_key)
    except MissingObject:
        log.error("kit %s: %s is missing from storage; rebuilding it", kit.id, kit.storage_key)
    kit.inputs_hash = ""  # differs from any real hash, so the plan below builds it
    summary = build_due_kits(
        session, storage=storage, settings=settings, now=now,
        campaign_ids=[kit.campaign_id], partner_ids=[kit.partner_id], processes=1,
    )  # fmt: skip
    if summary.storage_error:
        raise StorageUnavailable(summary.storage_error)
    if kit.status is not KitStatus.READY or not kit.storage_key:
        return None
    try:
        return storage.open(kit.storage_key)
    except MissingObject:
        return None


def partner_kits(session: Session, partner: Partner, campaign_ids: Sequence[int]) -> dict[int, list[Kit]]:
    """The partner's kits for these campaigns, by campaign."""
    kits: dict[int, list[Kit]] = {campaign_id: [] for campaign_id in campaign_ids}
    query = select(Kit).where(Kit.partner_id == partner.id, Kit.campaign_id.in_(list(campaign_ids)))
    for kit in session.scalars(query.order_by(Kit.locale)):
        kits[kit.campaign_id].append(kit)
    return kits


def portal_campaigns(session: Session, partner: Partner, now: dt.datetime) -> list[Campaign]:
    """Live and upcoming (scheduled) campaigns that target this partner's tier, type and country, and
    require no competency it lacks."""
    query = (
        select(Campaign)
        .where(
            Campaign.status.in_([CampaignStatus.LIVE, CampaignStatus.SCHEDULED]),
            Campaign.ends_at > now,
        )
        .order_by(Campaign.launch_at, Campaign.id)
    )
    held = partner_competencies(session, partner, now.date())
    return [
        c
        for c in session.scalars(query)
        if _targets(c, partner) and (c.required_competency_id is None or c.required_competency_id in held)
    ]


def _targets(campaign: Campaign, partner: Partner) -> bool:
    return (
        (not campaign.target_tiers or partner.tier in campaign.target_tiers)
        and (not campaign.target_partner_types or partner.type.value in campaign.target_partner_types)
        and (not campaign.target_countries or partner.country in campaign.target_countries)
    )
