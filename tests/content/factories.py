"""Factories for the content library's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from content.models import Competency, ContentItem, ContentKind, ContentStatus, ContentVariant, InterestArea
from tests.factories import BaseFactory, current_session

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class InterestAreaFactory(BaseFactory[InterestArea]):
    """An active area named in English and Dutch, with an English description (the one factory for areas)."""

    class Meta:
        model = InterestArea

    slug = factory.Sequence(lambda n: f"area-{n}")
    names = factory.LazyAttribute(lambda area: {"en": area.slug.replace("-", " ").title(), "nl": f"{area.slug} (nl)"})
    descriptions = factory.LazyAttribute(lambda area: {"en": f"All about {area.slug}."})
    position = factory.Sequence(lambda n: n)
    is_active = True


class ContentItemFactory(BaseFactory[ContentItem]):
    """A published item, visible from an hour before NOW, in English (pass `locales` for more)."""

    class Meta:
        model = ContentItem

    kind = ContentKind.ARTICLE
    status = ContentStatus.PUBLISHED
    default_locale = "en"
    publish_at = NOW - dt.timedelta(hours=1)
    priority = 50

    @classmethod
    def _create(cls, model_class: type[ContentItem], *args: Any, **kwargs: Any) -> ContentItem:
        locales = kwargs.pop("locales", ("en",))
        title = kwargs.pop("title", "Item")
        tiers = kwargs.pop("allowed_tiers", ())
        label = kwargs.pop("cta_label", "")
        kwargs.setdefault("interest_areas", [])
        item = model_class(*args, **kwargs)
        item.variants = [
            ContentVariant(
                locale=locale,
                title=f"{title} ({locale})",
                summary="",
                body="",
                cta_label=f"{label} ({locale})" if label else "",
            )
            for locale in locales
        ]
        item.allowed_tiers = list(tiers)
        session = current_session()
        session.add(item)
        session.flush()
        return item


class CompetencyFactory(BaseFactory[Competency]):
    class Meta:
        model = Competency

    slug = factory.Sequence(lambda n: f"competency-{n}")
    names = factory.LazyAttribute(lambda o: {"en": o.slug.replace("-", " ").capitalize()})
    position = factory.Sequence(int)
