"""A contact's page lists every message sent to them with its events; the suppression list is searchable
and staff add an address by hand, with a reason, in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.contact_history import PER_PAGE
from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind
from campaigns.delivery.outbox import NewDelivery, enqueue
from core.audit import AuditEntry
from core.auth.models import User
from subscribers.models import ConsentRecord, Contact, ContactStatus, SuppressionReason
from subscribers.suppression import forget_address, is_suppressed, suppress
from tests.campaigns.delivery.conftest import a_body
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.subscribers.factories import ContactFactory

pytestmark = pytest.mark.usefixtures("empty_trail")


def messages_to(session: Session, contact: Contact, count: int, *, other: Contact | None = None) -> list[Delivery]:
    body = a_body(session)
    enqueue(session, [
        NewDelivery(idempotency_key=f"digest:{contact.id}:{n}", body=body, recipient_email=contact.email,
                    contact_id=contact.id, category="digest",
                    fields={"name": contact.name, "unsubscribe_url": "u", "preferences_url": "p"})
        for n in range(count)
    ])  # fmt: skip
    if other is not None:
        fields = {"name": "X", "unsubscribe_url": "u", "preferences_url": "p"}
        enqueue(session, [NewDelivery(idempotency_key="digest:other", body=body, recipient_email=other.email,
                                      contact_id=other.id, category="digest", fields=fields)])  # fmt: skip
    return list(session.scalars(select(Delivery).where(Delivery.contact_id == contact.id).order_by(Delivery.id)))


def test_a_contacts_page_lists_their_messages_newest_first_with_status_and_events_a_page_at_a_time(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    jan = ContactFactory.create(email="jan@acme.example", name="Jan")
    eva = ContactFactory.create(email="eva@acme.example")
    sent = messages_to(session, jan, PER_PAGE + 3, other=eva)
    newest = sent[-1]
    newest.status, newest.sent_at = DeliveryStatus.SENT, dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    sent[-2].status, sent[-2].last_error = DeliveryStatus.FAILED, "550 mailbox unknown"
    session.add_all([
        Event(kind=EventKind.DELIVERED, delivery_id=newest.id, contact_id=jan.id,
              occurred_at=dt.datetime(2026, 3, 3, 8, 1, tzinfo=dt.UTC)),
        Event(kind=EventKind.OPEN, delivery_id=newest.id, contact_id=jan.id,
              occurred_at=dt.datetime(2026, 3, 3, 9, 30, tzinfo=dt.UTC)),
    ])  # fmt: skip
    session.flush()
    sign_in(client, marketer)
    page = client.get(f"/admin/contacts/{jan.id}").get_data(as_text=True)
    assert "Messages sent" in page
    assert page.count("Storage news for Jan") == PER_PAGE  # the subject as Jan got it, placeholders filled
    assert page.index("delivered") < page.index("opened")
    assert "550 mailbox unknown" in page
    assert "eva@acme.example" not in page
    older = f"/admin/contacts/{jan.id}?messages_before={sent[3].id}"
    assert older in page
    second = client.get(older).get_data(as_text=True)
    assert second.count("Storage news for Jan") == 3
    assert "Older messages" not in second


def test_staff_search_the_suppression_list_by_address_reason_source_and_date(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        suppress(session, "gone@acme.example", SuppressionReason.BOUNCED, source="sendgrid", detail="550")
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        suppress(session, "angry@globex.example", SuppressionReason.COMPLAINED, source="postmark")
        forget_address(session, "erased_person@acme.example", source="admin")
    sign_in(client, marketer)

    def shown(query: str) -> str:
        return client.get(f"/admin/delivery/suppressions?{query}").get_data(as_text=True)

    by_address = shown("address=ACME")
    assert "gone@acme.example" in by_address
    assert "angry@globex.example" not in by_address
    assert "Erased contact" not in by_address  # the erased address is not stored: a part finds nothing
    assert "Erased contact" in shown("address=erased_person@acme.example")  # the whole address finds its hash
    assert "angry@globex.example" in shown("source=postmark")
    assert "gone@acme.example" not in shown("source=postmark")
    assert "gone@acme.example" not in shown("reason=complained")
    dated = shown("since=2026-03-05&until=2026-03-31")
    assert "angry@globex.example" in dated
    assert "gone@acme.example" not in dated
    assert "not a date like 2026-03-31" in shown("since=yesterday")


def test_staff_add_an_address_by_hand_with_a_reason_and_its_contact_stops(
    client: FlaskClient, session: Session, admin: User
) -> None:
    jan = ContactFactory.create(email="jan@acme.example")
    sign_in(client, admin)
    token = csrf_token_from(client, "/admin/delivery/suppressions")
    no_reason = client.post("/admin/delivery/suppressions", data={"csrf_token": token, "email": "jan@acme.example"})
    assert no_reason.status_code == 400
    assert "Say why" in no_reason.get_data(as_text=True)
    assert not is_suppressed(session, "jan@acme.example")
    done = client.post("/admin/delivery/suppressions", data={
        "csrf_token": token, "email": "JAN@acme.example", "reason": "asked by phone on 3 March"})  # fmt: skip
    assert done.status_code == 302
    assert is_suppressed(session, "jan@acme.example")
    assert refreshed(session, jan).status is ContactStatus.UNSUBSCRIBED
    record = session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == jan.id)).one()
    assert (record.action, record.actor_user_id) == ("unsubscribed", admin.id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "suppression.add")).one()
    assert (entry.actor_id, entry.detail, entry.scope) == (admin.id, "asked by phone on 3 March",
                                                           f"partner:{jan.partner_id}")  # fmt: skip
    twice = client.post("/admin/delivery/suppressions", data={
        "csrf_token": token, "email": "jan@acme.example", "reason": "again"})  # fmt: skip
    assert "on the list already" in twice.get_data(as_text=True)
    audit = client.get("/admin/audit/?action=suppression.add").get_data(as_text=True)
    assert "Address suppressed by hand" in audit
    assert "jan@acme.example" in audit


def test_account_managers_and_viewers_cannot_add_suppressions(
    client: FlaskClient, session: Session, account_manager: User
) -> None:
    sign_in(client, account_manager)
    token = csrf_token_from(client, "/account")
    response = client.post("/admin/delivery/suppressions", data={
        "csrf_token": token, "email": "x@acme.example", "reason": "no"})  # fmt: skip
    assert response.status_code == 403
    assert not is_suppressed(session, "x@acme.example")
