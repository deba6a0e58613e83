"""The community library as a partner sees it: every current item their tier may see, in their
language, searchable and filtered.

What a partner may see is the reader rule of `content.selection` alone: a partner follows every
active interest area here (the library is theirs to browse), so the rule reduces to visible now and
allowed for their tier. Search (`content.search`) and the filters only narrow it. A filter is one
entry of `library_filters()`: its name in the address, its label, its choices and its condition; a
new filter (a competency, say) is one more entry, and the page and the listing pick it up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, selectinload

from content.models import Competency, ContentItem, ContentKind, InterestArea, content_item_areas
from content.search import matches
from content.selection import ReaderScope, SelectedItem, count_visible, published_content_for

PAGE_SIZE = 24


@dataclass(frozen=True)
class LibraryFilter:
    """One way to narrow the library: `name` is its key in the address, `value` one of its `choices`."""

    name: str
    label: object  # a lazy string: the filter's name in the reader's language
    choices: Callable[[Session, str], list[tuple[str, str]]]  # (value, what the reader sees) in a language
    condition: Callable[[str], ColumnElement[bool] | None]  # None: a value we do not know, so no filter


def _area_choices(session: Session, locale: str) -> list[tuple[str, str]]:
    areas = session.scalars(
        select(InterestArea).where(InterestArea.is_active.is_(True)).order_by(InterestArea.position, InterestArea.id)
    )
    return [(str(area.id), area.name(locale)) for area in areas]


def _area_condition(value: str) -> ColumnElement[bool] | None:
    if not value.isdigit():
        return None
    return exists().where(content_item_areas.c.item_id == ContentItem.id, content_item_areas.c.area_id == int(value))


def _kind_choices(_session: Session, _locale: str) -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in ContentKind]


def _kind_condition(value: str) -> ColumnElement[bool] | None:
    return ContentItem.kind == ContentKind(value) if value in ContentKind._value2member_map_ else None


def _competency_choices(session: Session, locale: str) -> list[tuple[str, str]]:
    competencies = session.scalars(select(Competency).order_by(Competency.position, Competency.id))
    return [(str(competency.id), competency.name(locale)) for competency in competencies]


def _competency_condition(value: str) -> ColumnElement[bool] | None:
    """Items that require this competency (the rule has already hidden them from partners without it)."""
    return ContentItem.required_competency_id == int(value) if value.isdigit() else None


def library_filters() -> list[LibraryFilter]:
    return [
        LibraryFilter("area", lazy_gettext("Interest area"), _area_choices, _area_condition),
        LibraryFilter("kind", lazy_gettext("Kind"), _kind_choices, _kind_condition),
        LibraryFilter("competency", lazy_gettext("Competency"), _competency_choices, _competency_condition),
    ]


@dataclass(frozen=True)
class LibraryQuery:
    """What the reader asked: words to search, a value per filter, a page."""

    text: str = ""
    chosen: Mapping[str, str] = field(default_factory=dict)
    page: int = 1

    def conditions(self, dialect: str, order: Sequence[str]) -> list[ColumnElement[bool]]:
        found = [matches(dialect, self.text, order)] if self.text.strip() else []
        for library_filter in library_filters():
            value = self.chosen.get(library_filter.name, "")
            condition = library_filter.condition(value) if value else None
            if condition is not None:
                found.append(condition)
        return found


@dataclass(frozen=True)
class LibraryPage:
    items: list[SelectedItem]
    total: int
    page: int
    pages: int


def library_scope(session: Session, tier: str, competency_ids: frozenset[int]) -> ReaderScope:
    """A partner in the library: every active area, their tier and the competencies they hold,
    everything current (not only what is new)."""
    areas = frozenset(session.scalars(select(InterestArea.id).where(InterestArea.is_active.is_(True))))
    return ReaderScope(interest_ids=areas, tier=tier, competency_ids=competency_ids)


def library_page(
    session: Session,
    query: LibraryQuery,
    *,
    tier: str,
    competency_ids: frozenset[int],
    order: Sequence[str],
    now: dt.datetime,
) -> LibraryPage:
    """One page of what the partner may see, best first (the rule's ranking), in their reading order."""
    scope = library_scope(session, tier, competency_ids)
    narrowed = query.conditions(session.get_bind().dialect.name, order)
    total = count_visible(session, scope, now, narrowed_by=narrowed)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, query.page), pages)
    items = published_content_for(
        session, scope, order, now, PAGE_SIZE, narrowed_by=narrowed, offset=(page - 1) * PAGE_SIZE
    )
    _load_areas(session, [selected.item.id for selected in items])
    return LibraryPage(items, total, page, pages)


def _load_areas(session: Session, item_ids: list[int]) -> None:
    """The listed items' areas in one statement, not one per card."""
    if item_ids:
        areas = selectinload(ContentItem.interest_areas)
        session.scalars(select(ContentItem).where(ContentItem.id.in_(item_ids)).options(areas)).all()


def library_item(
    session: Session,
    item_id: int,
    *,
    tier: str,
    competency_ids: frozenset[int],
    order: Sequence[str],
    now: dt.datetime,
) -> SelectedItem | None:
    """One item, if (and only if) the rule lets this partner see it now."""
    scope = library_scope(session, tier, competency_ids)
    found = published_content_for(session, scope, order, now, 1, narrowed_by=[ContentItem.id == item_id])
    return found[0] if found else None
