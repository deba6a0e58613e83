"""Competencies in the content library: an item may require one; the editor's choice is checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import InterestArea
from content.services import ContentInvalid, ItemInput, VariantInput, save_item
from core.audit import AuditEntry
from tests.content.factories import CompetencyFactory

TIERS = ("registered", "silver", "gold", "platinum")


def item_input(area: InterestArea, competency_id: int | None) -> ItemInput:
    return ItemInput(
        area_ids=[area.id], variants={"en": VariantInput("Specialist pricing")}, required_competency_id=competency_id
    )


def test_an_item_requires_a_competency_chosen_from_the_list_and_the_trail_names_it(
    session: Session, storage_area: InterestArea
) -> None:
    competency = CompetencyFactory.create(slug="storage", names={"en": "Storage specialist"})
    with pytest.raises(ContentInvalid) as refused:
        save_item(session, None, item_input(storage_area, competency.id + 100), by=None, tiers=TIERS)
    assert [error.field for error in refused.value.errors] == ["required_competency_id"]
    item = save_item(session, None, item_input(storage_area, competency.id), by=None, tiers=TIERS)
    assert item.required_competency is competency
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "content.create")).one()
    assert entry.changes["required competency"] == ("", "Storage specialist")
