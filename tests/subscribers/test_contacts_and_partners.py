import datetime as dt

import pytest
import time_machine
from sqlalchemy.orm import Session

from core.auth.models import User
from subscribers.models import ConsentSource, Contact, ContactStatus, SuppressionReason
from subscribers.partners import contact_person
from subscribers.services import (
    PreferenceError,
    mark_bounced,
    mark_complained,
    pause_contact,
    resubscribe,
    revoke_links,
    unsubscribe,
)
from subscribers.suppression import is_suppressed, suppress
from tests.subscribers.factories import DistributorTeamFactory, PartnerFactory


def test_the_brand_version_changes_with_any_brand_field_and_only_then(session: Session) -> None:
    partner = PartnerFactory.create(brand_primary_color="#0b5cad", brand_tagline="Your IT, handled.")
    first = partner.brand_version
    partner.tier = "platinum"
    session.flush()
    assert partner.brand_version == first
    for field, value in [("brand_accent_color", "#ff0000"), ("brand_tagline", "New"), ("logo_path", "logos/1.png")]:
        before = partner.brand_version
        setattr(partner, field, value)
        session.flush()
        assert partner.brand_version != before, f"{field} did not change the brand version"


def test_the_contact_person_is_the_account_manager_or_else_the_distributor_team(
    session: Session, account_manager: User
) -> None:
    managed = PartnerFactory.create(account_manager=account_manager)
    team = DistributorTeamFactory.create(name="Techdata channel team", phone="+31 30 555")
    small = PartnerFactory.create(distributor_team=team)
    managed_person, small_person = contact_person(managed), contact_person(small)
    assert managed_person is not None
    assert managed_person.name == "Otto Owner"
    assert small_person is not None
    assert (small_person.name, small_person.phone, small_person.kind) == (
        "Techdata channel team",
        "+31 30 555",
        "distributor team",
    )
    assert contact_person(PartnerFactory.create()) is None


def test_while_the_account_manager_is_deactivated_their_stand_in_is_the_contact_person(
    session: Session, account_manager: User, teammate: User
) -> None:
    partner = PartnerFactory.create(account_manager=account_manager, backup_manager=teammate)
    account_manager.is_active = False
    person = contact_person(partner)
    assert person is not None
    assert person.name == "Tess Teammate"


def test_a_bounce_stops_the_contact_suppresses_the_address_and_is_logged(session: Session, contact: Contact) -> None:
    mark_bounced(session, "JAN@partner.example", source="sendgrid", detail="550 mailbox unknown")
    assert contact.status is ContactStatus.BOUNCED
    assert is_suppressed(session, contact.email)
    record = contact.consent_records[-1]
    assert (record.action, record.source) == ("bounced", ConsentSource.PROVIDER)
    assert record.detail == "sendgrid: 550 mailbox unknown"


def test_a_complaint_about_an_address_we_do_not_know_still_suppresses_it(session: Session) -> None:
    assert mark_complained(session, "stranger@elsewhere.example", source="sendgrid") is None
    assert is_suppressed(session, "stranger@elsewhere.example")


def test_a_later_bounce_does_not_soften_a_complaint(session: Session, contact: Contact) -> None:
    mark_complained(session, contact.email, source="sendgrid")
    mark_bounced(session, contact.email, source="sendgrid")
    assert contact.status is ContactStatus.COMPLAINED
    with pytest.raises(PreferenceError):
        resubscribe(session, contact, fresh_opt_in=False, source=ConsentSource.FORM)


def test_unsubscribing_twice_records_once(session: Session, contact: Contact) -> None:
    assert unsubscribe(session, contact, source=ConsentSource.ADMIN)
    assert not unsubscribe(session, contact, source=ConsentSource.ADMIN)
    assert [r.action for r in contact.consent_records] == ["unsubscribed"]


def test_resubscribing_after_an_unsubscribe_lifts_the_suppression(session: Session, contact: Contact) -> None:
    unsubscribe(session, contact, source=ConsentSource.FORM)
    resubscribe(session, contact, fresh_opt_in=False, source=ConsentSource.FORM)
    assert contact.status is ContactStatus.ACTIVE
    assert not is_suppressed(session, contact.email)


def test_a_manual_suppression_stays_after_the_contact_is_stopped_by_a_bounce(
    session: Session, contact: Contact
) -> None:
    suppress(session, contact.email, SuppressionReason.MANUAL, source="admin")
    mark_bounced(session, contact.email, source="sendgrid")
    assert is_suppressed(session, contact.email)


def test_a_pause_must_end_in_the_future_in_the_contacts_own_zone(session: Session, contact: Contact) -> None:
    # 23:30 UTC on 1 March is already 2 March in Amsterdam.
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        with pytest.raises(PreferenceError, match="future"):
            pause_contact(session, contact, dt.date(2026, 3, 2), source=ConsentSource.FORM)
        pause_contact(session, contact, dt.date(2026, 3, 3), source=ConsentSource.FORM)
    assert contact.status is ContactStatus.PAUSED


def test_revoking_links_bumps_the_version_and_is_logged(session: Session, contact: Contact) -> None:
    revoke_links(session, contact, source=ConsentSource.ADMIN, ip="10.0.0.1")
    assert contact.link_version == 2
    assert contact.consent_records[-1].action == "links revoked"
