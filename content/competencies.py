"""The competency catalogue: named per language, tied to interest areas; admins keep it.

Which partners hold a competency is the partner programme's business (`subscribers.programme`);
here is only the list, so content items can require one without knowing about partners.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Competency, InterestArea
from core.audit import changes_between, record
from core.config import LOCALES

SLUG = re.compile(r"[a-z][a-z0-9-]{0,49}")


class CompetencyInvalid(ValueError):
    """What is wrong with a competency form, by field; nothing is saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def all_competencies(session: Session) -> list[Competency]:
    return list(session.scalars(select(Competency).order_by(Competency.position, Competency.id)))


def _facts(competency: Competency) -> dict[str, object]:
    facts: dict[str, object] = {"slug": competency.slug}
    facts.update({f"name_{locale}": text for locale, text in sorted((competency.names or {}).items())})
    facts["interest areas"] = ", ".join(area.name() for area in competency.interest_areas)
    return facts


def _apply(session: Session, competency: Competency, names: dict[str, str], area_ids: Sequence[int]) -> None:
    cleaned = {locale: " ".join(text.split()) for locale, text in names.items() if locale in LOCALES and text.strip()}
    errors: dict[str, str] = {}
    if "en" not in cleaned:
        errors["name_en"] = _("Give the competency an English name: it is the fallback for every language.")
    for locale, text in cleaned.items():
        if len(text) > 100:
            errors[f"name_{locale}"] = _("At most %(count)s characters.", count=100)
    areas = list(session.scalars(select(InterestArea).where(InterestArea.id.in_(list(area_ids)))))
    if len(areas) != len(set(area_ids)):
        errors["area_ids"] = _("Choose interest areas from the list.")
    if errors:
        raise CompetencyInvalid(errors)
    competency.names = cleaned
    competency.interest_areas = sorted(areas, key=lambda area: (area.position, area.id))


def create_competency(session: Session, slug: str, names: dict[str, str], area_ids: Sequence[int]) -> Competency:
    slug = slug.strip().lower()
    if not SLUG.fullmatch(slug):
        raise CompetencyInvalid(
            {"slug": _("Use lowercase letters, digits and dashes, starting with a letter (e.g. data-protection).")}
        )
    if session.scalar(select(Competency.id).where(Competency.slug == slug)) is not None:
        raise CompetencyInvalid({"slug": _("A competency with the short name %(slug)s exists already.", slug=slug)})
    position = (session.scalar(select(func.max(Competency.position))) or 0) + 1
    competency = Competency(slug=slug, names={}, position=position)
    _apply(session, competency, names, area_ids)
    session.add(competency)
    session.flush()
    record(
        session, "competency.create", object_type="competency", object_id=competency.id,
        object_label=competency.name(), changes=changes_between({}, _facts(competency)),
    )  # fmt: skip
    return competency


def update_competency(session: Session, competency: Competency, names: dict[str, str], area_ids: Sequence[int]) -> bool:
    """Save the new names and areas; returns whether anything changed (and then records it)."""
    before = _facts(competency)
    _apply(session, competency, names, area_ids)
    session.flush()
    changes = changes_between(before, _facts(competency))
    if changes:
        record(
            session, "competency.update", object_type="competency", object_id=competency.id,
            object_label=competency.name(), changes=changes,
        )  # fmt: skip
    return bool(changes)
