"""A contact's mail in their data export, and gone with their erasure."""

import datetime as dt

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, EventKind
from subscribers.rights import erase_contact, export_contact
from tests.campaigns.delivery.conftest import a_body, queue
from tests.subscribers.factories import ContactFactory


def test_the_export_lists_the_contacts_messages_and_events_and_erasure_removes_them(
    app: Flask, session: Session
) -> None:
    contact = ContactFactory.create()
    (delivery,) = queue(session, a_body(session), 1)
    delivery.recipient_email, delivery.contact_id = contact.email, contact.id
    session.add(
        Event(
            kind=EventKind.CLICK,
            delivery_id=delivery.id,
            contact_id=contact.id,
            occurred_at=dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC),
            detail={"url": "https://v.example/x"},
        )
    )
    session.flush()
    with app.app_context():
        document = export_contact(session, contact, app)
        assert [e["kind"] for e in document["events"]] == ["click"]
        assert [m["key"] for m in document["messages"]] == [delivery.idempotency_key]
        erase_contact(session, contact, app, source="admin")
    assert session.scalars(select(Delivery).where(Delivery.recipient_email == contact.email)).all() == []
    assert session.scalars(select(Event)).all() == []
