"""The one rule for what a reader may see: the in-memory path and the SQL path give the same answers.

A newsletter run answers thousands of readers from `Library` (memory); previews and the portal ask
`published_content_for` (one indexed query). Hypothesis generates small libraries (every status,
publish and expiry times that tie, tier limits, required competencies, retired areas, several
languages), readers (with the competencies their partner holds) and live campaigns, and both paths
must pick the same items in the same order with the same boosts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from content.languages import reading_order
from content.models import Competency, ContentItem, ContentStatus, ContentVariant, InterestArea
from content.selection import Library, ReaderScope, published_content_for
from tests.content.factories import NOW, InterestAreaFactory

TIERS = ("registered", "silver", "gold", "platinum")
LANGUAGES = ("en", "nl", "de", "fr")
AREAS = 4  # the last one is retired
COMPETENCIES = 3


@dataclass(frozen=True)
class ItemSpec:
    status: ContentStatus
    priority: int
    published_hours_ago: int | None
    expires_in_hours: int | None
    areas: frozenset[int]  # indexes into the test's areas
    tiers: frozenset[str]
    languages: tuple[str, ...]  # the first is the default
    competency: int | None  # index into the test's competencies: the one it requires


items = st.builds(
    ItemSpec,
    # Mostly visible statuses: hidden ones need few examples to be shown hidden.
    status=st.sampled_from([ContentStatus.PUBLISHED, ContentStatus.APPROVED] * 3 + list(ContentStatus)),
    priority=st.sampled_from((30, 50, 50, 70)),  # few values: ties are the interesting cases
    published_hours_ago=st.sampled_from((None, -2, 0, 1, 1, 5, 6, 24, 48, 200)),
    expires_in_hours=st.sampled_from((None, None, None, -1, 0, 3)),
    areas=st.frozensets(st.integers(0, AREAS - 1), min_size=1, max_size=3),
    tiers=st.frozensets(st.sampled_from(TIERS), max_size=2),
    languages=st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True).map(tuple),
    competency=st.one_of(st.none(), st.none(), st.integers(0, COMPETENCIES - 1)),
)


@dataclass(frozen=True)
class ReaderSpec:
    areas: frozenset[int]
    tier: str
    since_hours_ago: int | None
    limit: int
    competencies: frozenset[int]  # the ones their partner holds


readers = st.builds(
    ReaderSpec,
    areas=st.frozensets(st.integers(0, AREAS - 1), min_size=1, max_size=AREAS),
    tier=st.sampled_from(TIERS),
    since_hours_ago=st.one_of(st.none(), st.sampled_from((1, 6, 48))),
    limit=st.integers(1, 8),
    competencies=st.frozensets(st.integers(0, COMPETENCIES - 1), max_size=COMPETENCIES),
)


def store(
    session: Session, areas: list[InterestArea], competencies: list[Competency], specs: list[ItemSpec]
) -> list[int]:
    ids = []
    for spec in specs:
        publish_at = None if spec.published_hours_ago is None else NOW - dt.timedelta(hours=spec.published_hours_ago)
        expires_at = None if spec.expires_in_hours is None else NOW + dt.timedelta(hours=spec.expires_in_hours)
        item = ContentItem(
            status=spec.status,
            priority=spec.priority,
            publish_at=publish_at,
            expires_at=expires_at,
            default_locale=spec.languages[0],
            interest_areas=[areas[index] for index in sorted(spec.areas)],
            required_competency=None if spec.competency is None else competencies[spec.competency],
        )
        item.variants = [ContentVariant(locale=locale, title=f"T {locale}") for locale in spec.languages]
        item.allowed_tiers = sorted(spec.tiers)
        session.add(item)
        session.flush()
        ids.append(item.id)
    return ids


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(items, max_size=14),
    reader=readers,
    locale=st.sampled_from(LANGUAGES),
    boost_picks=st.lists(st.lists(st.integers(0, 13), max_size=4), max_size=2),
)
def test_memory_and_sql_paths_agree(
    session: Session,
    specs: list[ItemSpec],
    reader: ReaderSpec,
    locale: str,
    boost_picks: list[list[int]],
) -> None:
    savepoint = session.begin_nested()  # each example starts from the same empty library
    try:
        areas = [InterestAreaFactory.create() for _ in range(AREAS)]
        areas[-1].is_active = False
        competencies = [Competency(slug=f"c{n}", names={"en": f"C{n}"}) for n in range(COMPETENCIES)]
        session.add_all(competencies)
        ids = store(session, areas, competencies, specs)
        boosts = [frozenset(ids[i] for i in picks if i < len(ids)) for picks in boost_picks]
        scope = ReaderScope(
            interest_ids=frozenset(areas[index].id for index in reader.areas),
            tier=reader.tier,
            since=None if reader.since_hours_ago is None else NOW - dt.timedelta(hours=reader.since_hours_ago),
            competency_ids=frozenset(competencies[index].id for index in reader.competencies),
        )
        order = reading_order(locale, ("en",))
        in_memory = [(c.id, boost) for c, boost in Library(session, NOW).select(scope, reader.limit, boosts=boosts)]
        in_sql = published_content_for(session, scope, order, NOW, reader.limit, boosts=boosts)
        assert in_memory == [(entry.item.id, entry.boost) for entry in in_sql]
        for entry in in_sql:  # and each boost only reorders: the boosted item passes the rule itself
            assert entry.boost is None or entry.item.id in boosts[entry.boost]
            required = entry.item.required_competency_id  # and a gated item reaches only its holders
            assert required is None or required in scope.competency_ids
    finally:
        savepoint.rollback()
