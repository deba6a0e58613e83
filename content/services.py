"""Content library services: plain functions, Session first; they flush, the caller commits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from content.models import (
    TITLE_MAX,
    Competency,
    ContentItem,
    ContentKind,
    ContentStatus,
    ContentVariant,
    InterestArea,
    MediaAsset,
    content_item_areas,
)
from content.selection import allowed_for_tier
from core.audit import changes_between, record
from core.auth import User, get_or_404
from core.config import LOCALES
from core.db import utc_now


class ContentError(ValueError):
    """A problem with what someone entered: which field (and language), and what to do."""

    def __init__(self, field: str, message: str, *, locale: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.locale = locale


class ContentInvalid(ValueError):
    """Everything wrong with one submission, so a form can show all of it at once."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


# --- interest areas ---------------------------------------------------------------------------


def active_interest_areas(session: Session) -> list[InterestArea]:
    """The areas contacts can choose, in the vendor's order."""
    return list(
        session.scalars(
            select(InterestArea)
            .where(InterestArea.is_active.is_(True))
            .order_by(InterestArea.position, InterestArea.id)
        )
    )


def all_interest_areas(session: Session) -> list[InterestArea]:
    """Active and retired, in the vendor's order (retired ones keep their place for history)."""
    return list(session.scalars(select(InterestArea).order_by(InterestArea.position, InterestArea.id)))


def get_area_or_404(session: Session, area_id: int, user: User | None) -> InterestArea:
    return get_or_404(session, InterestArea, area_id, user)


def _clean_texts(texts: dict[str, str]) -> dict[str, str]:
    return {locale: text.strip() for locale, text in texts.items() if locale in LOCALES and text and text.strip()}


def _area_facts(area: InterestArea) -> dict[str, object]:
    """What the audit trail compares before and after an interest-area change."""
    facts: dict[str, object] = {"slug": area.slug, "active": area.is_active}
    facts.update({f"name_{locale}": text for locale, text in (area.names or {}).items()})
    facts.update({f"description_{locale}": text for locale, text in (area.descriptions or {}).items()})
    return facts


def _record_area(session: Session, action: str, area: InterestArea, before: dict[str, object] | None = None) -> None:
    changes = changes_between(before or {}, _area_facts(area))
    record(session, action, object_type="interest_area", object_id=area.id, object_label=area.name(), changes=changes)


def create_area(session: Session, slug: str, names: dict[str, str], descriptions: dict[str, str]) -> InterestArea:
    slug = slug.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,49}", slug):
        raise ContentError(
            "slug", "Use lowercase letters, digits and dashes, starting with a letter (e.g. data-protection)."
        )
    if session.scalar(select(InterestArea.id).where(InterestArea.slug == slug)) is not None:
        raise ContentError(
            "slug", _("An interest area with the code %(slug)s exists already (perhaps retired).", slug=repr(slug))
        )
    position = (session.scalar(select(func.max(InterestArea.position))) or 0) + 1
    area = InterestArea(slug=slug, names={}, descriptions={}, position=position, is_active=True)
    _apply_texts(area, names, descriptions)
    session.add(area)
    session.flush()
    _record_area(session, "interest_area.create", area)
    return area


def _apply_texts(area: InterestArea, names: dict[str, str], descriptions: dict[str, str]) -> None:
    names = _clean_texts(names)
    if "en" not in names:
        raise ContentError("name_en", _("Give the area an English name: it is the fallback for every language."))
    area.names = names
    area.descriptions = _clean_texts(descriptions)


def update_area(session: Session, area: InterestArea, names: dict[str, str], descriptions: dict[str, str]) -> None:
    before = _area_facts(area)
    _apply_texts(area, names, descriptions)
    session.flush()
    _record_area(session, "interest_area.update", area, before)


def move_area(session: Session, area: InterestArea, *, offset: int) -> None:
    """Move one place up (-1) or down (+1) in the order contacts see."""
    areas = all_interest_areas(session)
    index = areas.index(area)
    target = min(max(index + offset, 0), len(areas) - 1)
    areas.insert(target, areas.pop(index))
    for position, each in enumerate(areas):
        each.position = position
    session.flush()
    if target != index:
        record(
            session, "interest_area.move", object_type="interest_area", object_id=area.id, object_label=area.name(),
            changes={"place": (index + 1, target + 1)},
        )  # fmt: skip


def retire_area(session: Session, area: InterestArea, *, now: dt.datetime | None = None) -> None:
    """Gone from preference forms, the editor and selection; kept on old items and in history."""
    before = _area_facts(area)
    area.is_active = False
    area.retired_at = now or utc_now()
    session.flush()
    _record_area(session, "interest_area.retire", area, before)


def restore_area(session: Session, area: InterestArea) -> None:
    before = _area_facts(area)
    area.is_active = True
    area.retired_at = None
    session.flush()
    _record_area(session, "interest_area.restore", area, before)


# --- content items ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantInput:
    title: str = ""
    summary: str = ""
    body: str = ""
    cta_label: str = ""  # the button's label in this language
    cta_url: str = ""  # this language's own link, when it differs from the item's

    @property
    def is_empty(self) -> bool:
        return not any(text.strip() for text in (self.title, self.summary, self.body, self.cta_label, self.cta_url))


@dataclass(frozen=True)
class ItemInput:
    """An item as an editor submits it; times already in UTC."""

    kind: ContentKind = ContentKind.ARTICLE
    area_ids: Sequence[int] = ()
    allowed_tiers: Sequence[str] = ()
    default_locale: str = "en"
    publish_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    starts_at: dt.datetime | None = None  # when an event or training takes place
    ends_at: dt.datetime | None = None
    priority: int = 50
    cta_url: str = ""  # the button's link; each language gives its label (and may give its own link)
    variants: dict[str, VariantInput] = field(default_factory=dict)
    required_competency_id: int | None = None  # only partners holding it see the item


def check_item_input(data: ItemInput, *, tiers: Sequence[str]) -> list[ContentError]:
    """Every problem with a submission, each tied to its field."""
    errors = _check_times_and_link(data)
    if data.default_locale not in LOCALES:
        errors.append(ContentError("default_locale", _("Choose one of: %(choices)s.", choices=", ".join(LOCALES))))
    elif data.variants.get(data.default_locale, VariantInput()).is_empty:
        errors.append(
            ContentError(
                "title",
                _("The default language needs a title: readers without a translation get it."),
                locale=data.default_locale,
            )
        )
    unknown_tiers = sorted(set(data.allowed_tiers) - set(tiers))
    if unknown_tiers:
        errors.append(
            ContentError("allowed_tiers", _("Unknown partner tier: %(tiers)s.", tiers=", ".join(unknown_tiers)))
        )
    if not 0 <= data.priority <= 100:
        errors.append(ContentError("priority", _("Use a priority from 0 (lowest) to 100 (highest).")))
    for locale, variant in data.variants.items():
        errors.extend(_check_variant(locale, variant, data.cta_url.strip()))
    return errors


def _check_times_and_link(data: ItemInput) -> list[ContentError]:
    errors = []
    if data.publish_at and data.expires_at and data.publish_at >= data.expires_at:
        errors.append(
            ContentError(
                "publish_at", "The publish time is not before the expiry time: publish earlier or expire later."
            )
        )
    if data.ends_at and not data.starts_at:
        errors.append(ContentError("starts_at", "Give the start too: an end alone cannot go in a calendar."))
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors.append(ContentError("ends_at", "The end is not after the start: end later or start earlier."))
    if data.cta_url and not _is_web_address(data.cta_url):
        errors.append(ContentError("cta_url", _("Use a full web address that starts with https:// (or http://).")))
    return errors


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _check_variant(locale: str, variant: VariantInput, item_link: str) -> list[ContentError]:
    if locale not in LOCALES:
        return [ContentError("title", f"{locale!r} is not a supported language.", locale=locale)]
    title = variant.title.strip()
    if len(title) > TITLE_MAX:
        return [
            ContentError(
                "title",
                _("Keep the title to %(max)s characters; it has %(count)s.", max=TITLE_MAX, count=len(title)),
                locale=locale,
            )
        ]
    if not title and not variant.is_empty:
        return [ContentError("title", _("Give this language a title, or clear its other texts."), locale=locale)]
    return _check_button(locale, variant, item_link) if title else []


def _check_button(locale: str, variant: VariantInput, item_link: str) -> list[ContentError]:
    """A written language with a link (the item's or its own) needs its own label, and a label needs a link."""
    own_link, label = variant.cta_url.strip(), variant.cta_label.strip()
    if own_link and not _is_web_address(own_link):
        problem = ("cta_url", "Use a full web address that starts with https:// (or http://).")
    elif (own_link or item_link) and not label:
        problem = ("cta_label", "Give the button a label in this language, e.g. 'Register now'.")
    elif label and not (own_link or item_link):
        problem = ("cta_label", "Give the button's web address, or clear its label.")
    else:
        return []
    return [ContentError(*problem, locale=locale)]


def save_item(
    session: Session,
    item: ContentItem | None,
    data: ItemInput,
    *,
    by: User | None,
    tiers: Sequence[str],
    hero_image: MediaAsset | None = None,
    remove_image: bool = False,
) -> ContentItem:
    """Create (item None) or update an item and its language variants; raises ContentInvalid."""
    errors = check_item_input(data, tiers=tiers)
    if data.required_competency_id is not None and session.get(Competency, data.required_competency_id) is None:
        errors.append(ContentError("required_competency_id", "Choose a competency from the list, or none."))
    if item is not None and item.status is ContentStatus.ARCHIVED:
        errors.append(ContentError("", _("This item is archived. Restore it as a draft before changing it.")))
    if errors:
        raise ContentInvalid(errors)
    before = _item_facts(item) if item is not None else {}
    if item is None:
        item = ContentItem(status=ContentStatus.DRAFT, created_by=by)
        session.add(item)
    _apply_fields(session, item, data)
    _apply_variants(item, data.variants)
    if hero_image is not None:
        item.hero_image = hero_image
    elif remove_image:
        item.hero_image = None
    item.updated_at = utc_now()
    session.flush()
    record(
        session, "content.update" if before else "content.create", object_type="content_item", object_id=item.id,
        object_label=item.title, changes=changes_between(before, _item_facts(item)),
    )  # fmt: skip
    return item


def _item_facts(item: ContentItem) -> dict[str, object]:
    """What the audit trail compares before and after an edit (long texts are cut to 200 characters there)."""
    facts: dict[str, object] = {
        "kind": item.kind, "default_locale": item.default_locale, "publish_at": item.publish_at,
        "expires_at": item.expires_at, "starts_at": item.starts_at, "ends_at": item.ends_at,
        "priority": item.priority, "cta_url": item.cta_url,
        "allowed_tiers": sorted(item.allowed_tiers or []),
        "required competency": item.required_competency.name() if item.required_competency else "",
        "interest_areas": [area.name() for area in item.interest_areas],
        "hero_image": item.hero_image.original_filename if item.hero_image else "",
    }  # fmt: skip
    for variant in item.variants:
        facts.update({f"title_{variant.locale}": variant.title, f"summary_{variant.locale}": variant.summary,
                      f"body_{variant.locale}": variant.body, f"cta_label_{variant.locale}": variant.cta_label,
                      f"cta_url_{variant.locale}": variant.cta_url})  # fmt: skip
    return facts


def _apply_fields(session: Session, item: ContentItem, data: ItemInput) -> None:
    item.kind = data.kind
    item.default_locale = data.default_locale
    item.publish_at = data.publish_at
    item.expires_at = data.expires_at
    item.starts_at, item.ends_at = data.starts_at, data.ends_at
    item.priority = data.priority
    item.cta_url = data.cta_url.strip()
    item.allowed_tiers = list(data.allowed_tiers)
    item.required_competency = (
        session.get(Competency, data.required_competency_id) if data.required_competency_id else None
    )
    chosen = list(
        session.scalars(select(InterestArea).where(InterestArea.id.in_(data.area_ids), InterestArea.is_active))
    )
    # Retired areas are not offered any more, but an item tagged with one keeps it for history.
    retired = [area for area in item.interest_areas if not area.is_active]
    item.interest_areas = sorted({*chosen, *retired}, key=lambda area: (area.position, area.id))


def _apply_variants(item: ContentItem, variants: dict[str, VariantInput]) -> None:
    for locale in LOCALES:
        given = variants.get(locale, VariantInput())
        existing = item.variant(locale)
        if given.is_empty:
            if existing is not None:
                item.variants.remove(existing)  # clearing a language's texts removes the translation
            continue
        variant = existing or ContentVariant(locale=locale, title="")
        variant.title, variant.summary, variant.body = given.title.strip(), given.summary.strip(), given.body.strip()
        variant.cta_label, variant.cta_url = given.cta_label.strip(), given.cta_url.strip()
        if existing is None:
            item.variants.append(variant)


def get_item_or_404(session: Session, item_id: int, user: User | None) -> ContentItem:
    """The one way routes load an item: every signed-in vendor user may read the library."""
    return get_or_404(session, ContentItem, item_id, user, allowed=lambda _item, reader: reader is not None)


# --- the library list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilter:
    area_id: int | None = None
    kind: ContentKind | None = None
    status: ContentStatus | None = None
    missing_locale: str | None = None
    tier: str | None = None
    search: str = ""


@dataclass(frozen=True)
class LibraryPage:
    items: list[ContentItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _library_conditions(filters: LibraryFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.area_id is not None:
        conditions.append(
            exists().where(
                content_item_areas.c.item_id == ContentItem.id, content_item_areas.c.area_id == filters.area_id
            )
        )
    if filters.kind is not None:
        conditions.append(ContentItem.kind == filters.kind)
    if filters.status is not None:
        conditions.append(ContentItem.status == filters.status)
    if filters.missing_locale:
        conditions.append(
            ~exists().where(ContentVariant.item_id == ContentItem.id, ContentVariant.locale == filters.missing_locale)
        )
    if filters.tier:
        conditions.append(allowed_for_tier(filters.tier))
    if filters.search.strip():
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", filters.search.strip().lower()) + "%"
        conditions.append(
            exists().where(
                ContentVariant.item_id == ContentItem.id, func.lower(ContentVariant.title).like(pattern, escape="\\")
            )
        )
    return conditions


def library_page(session: Session, filters: LibraryFilter, *, page: int = 1, per_page: int = 50) -> LibraryPage:
    """Items matching the filters, most recently changed first."""
    conditions = _library_conditions(filters)
    total = session.scalar(select(func.count()).select_from(ContentItem).where(*conditions)) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    statement: Select[tuple[ContentItem]] = (
        select(ContentItem)
        .where(*conditions)
        .order_by(ContentItem.updated_at.desc(), ContentItem.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(
            selectinload(ContentItem.variants),
            selectinload(ContentItem.interest_areas),
            selectinload(ContentItem.tier_rows),
            selectinload(ContentItem.required_competency),
        )
    )
    return LibraryPage(list(session.scalars(statement)), total, page, per_page)
