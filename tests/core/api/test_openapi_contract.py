"""Schemathesis drives every operation of our own OpenAPI document, in process, with a valid token.

It generates valid and invalid requests from the spec and checks each answer: no 5xx, the status
documented, the content type documented (problem+json for errors), the body valid against its schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.engagement.models import ContactScore
from campaigns.planning.models import CampaignStatus
from core.db import utc_now
from subscribers.engagement import PartnerScore
from subscribers.models import SuppressionReason
from subscribers.suppression import suppress
from tests.api_helpers import make_token
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import CompetencyFactory, ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import CertificationFactory, ContactFactory, PartnerFactory

EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(app: Flask, session: Session) -> OpenApiSchema:
    """The spec as the app serves it, with some of everything in the database to list and read."""
    area = InterestAreaFactory.create()
    ContentItemFactory.create(interest_areas=[area], publish_at=utc_now() - dt.timedelta(days=1), locales=("en", "nl"))
    CampaignFactory.create(launch_at=utc_now() + dt.timedelta(days=3), interest_areas=[area])
    CampaignFactory.create(status=CampaignStatus.LIVE, launch_at=utc_now() - dt.timedelta(days=1))
    suppress(session, "gone@partner.example", SuppressionReason.BOUNCED, source="provider")
    partner = PartnerFactory.create(external_id="crm-1")
    contact = ContactFactory.create(partner=partner, external_id="crm-c-1", interests=[area])
    CertificationFactory.create(contact=contact, competency=CompetencyFactory.create(interest_areas=[area]))
    session.add(PartnerScore(partner_id=partner.id, score=3.0, as_of=utc_now(), baseline=5.0))
    session.add(ContactScore(contact_id=contact.id, score=2.0, as_of=utc_now()))
    session.add(Event(kind=EventKind.OPEN, contact_id=1, detail={"ip": "192.0.2.1"}))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def bearer(app: Flask, session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(app, session)}"}


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_its_spec_says(
    api_schema: OpenApiSchema, bearer: dict[str, str], mode: GenerationMode
) -> None:
    """Valid requests (positive) and invalid ones (negative): never a 5xx, never an answer the spec does not allow.

    (Driven with Hypothesis directly: schemathesis' pytest plugin does not run on this pytest.)
    """
    operations = [result.ok() for result in api_schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 8, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=bearer, checks=CHECKS)

        answers_as_documented()
