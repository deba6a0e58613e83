import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, RenderedBody
from campaigns.delivery.outbox import NewDelivery, OutboxError, enqueue, store_body
from tests.campaigns.delivery.conftest import POSTAL, a_body, fields_for, queue


def test_a_body_is_stored_once_however_many_messages_share_it(session: Session) -> None:
    first, second = a_body(session), a_body(session)
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(RenderedBody)) == 1


def test_a_body_without_the_postal_address_in_both_parts_is_refused_loudly(session: Session) -> None:
    with pytest.raises(OutboxError, match="text part lacks the postal address"):
        store_body(session, "Hi", f"<p>{POSTAL}</p>", "Hi, no address here", postal_address=POSTAL)
    escaped = "Jansen &amp; Zonen, Keizersgracht 1"
    assert store_body(
        session,
        "Hi",
        f"<p>{escaped}</p>",
        "Jansen & Zonen, Keizersgracht 1",
        postal_address="Jansen & Zonen, Keizersgracht 1",
    )


def test_enqueueing_the_same_message_twice_keeps_one(session: Session) -> None:
    body = a_body(session)
    queue(session, body, 3)
    again = NewDelivery(f"digest:{body.id}:1", body, "contact1@partner.example", fields_for(1))
    assert enqueue(session, [again]) == 0
    assert session.scalar(select(func.count()).select_from(Delivery)) == 3


def test_a_message_missing_a_value_for_its_body_is_refused(session: Session) -> None:
    body = a_body(session)
    fields = fields_for(1)
    del fields["name"]
    with pytest.raises(OutboxError, match="no value for name"):
        enqueue(session, [NewDelivery("k1", body, "a@partner.example", fields)])
