"""A partner's and a contact's recorded changes read with names on the audit page, never codes."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.auth.models import User
from subscribers.models import Partner
from tests.conftest import sign_in
from tests.subscribers.factories import PartnerFactory
from tests.subscribers.test_partner_admin import partner_fields, post

pytestmark = pytest.mark.usefixtures("empty_trail")


@pytest.fixture
def nordlicht(session: Session) -> Partner:
    return PartnerFactory.create(name="Nordlicht IT", tier="silver", country="DE", default_locale="de")


def test_a_dutch_admin_reads_a_partners_new_tier_country_and_language_by_name(
    client: FlaskClient, session: Session, admin: User, nordlicht: Partner
) -> None:
    admin.locale = "nl"
    session.flush()
    sign_in(client, admin)
    fields = partner_fields(tier="gold", country="NL", default_locale="nl")
    assert post(client, f"/admin/partners/{nordlicht.id}/edit", **fields).status_code == 302

    page = client.get("/admin/audit/").get_data(as_text=True)
    assert '<span class="changes__field">Niveau</span>: <del>Silver</del> → <ins>Gold</ins>' in page
    assert '<span class="changes__field">Land</span>: <del>Duitsland</del> → <ins>Nederland</ins>' in page
    assert "<del>Deutsch</del> → <ins>Nederlands</ins>" in page
    assert "<del>DE</del>" not in page
    assert "<ins>nl</ins>" not in page


def test_the_csv_keeps_the_codes_and_stored_values_for_auditors(
    client: FlaskClient, admin: User, nordlicht: Partner
) -> None:
    sign_in(client, admin)
    assert post(client, f"/admin/partners/{nordlicht.id}/edit", **partner_fields(country="NL")).status_code == 302
    assert "country: DE -> NL" in client.get("/admin/audit/export.csv").get_data(as_text=True)
