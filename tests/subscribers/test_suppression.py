import pytest
from sqlalchemy.orm import Session

from subscribers.models import SuppressionReason
from subscribers.suppression import (
    SuppressionError,
    forget_address,
    is_suppressed,
    lift_suppression,
    suppress,
    suppressed_among,
)


def test_a_suppressed_address_is_recognised_in_any_spelling(session: Session) -> None:
    suppress(session, "Jan@Partner.example", SuppressionReason.UNSUBSCRIBED, source="form")
    assert is_suppressed(session, " jan@partner.EXAMPLE ")
    assert not is_suppressed(session, "piet@partner.example")


def test_senders_check_a_whole_batch_in_one_go(session: Session) -> None:
    suppress(session, "a@p.example", SuppressionReason.BOUNCED, source="sendgrid")
    emails = [f"user{n}@p.example" for n in range(1200)] + ["A@p.example"]
    assert suppressed_among(session, emails) == {"a@p.example"}


def test_suppressing_twice_keeps_the_strongest_reason(session: Session) -> None:
    suppress(session, "a@p.example", SuppressionReason.COMPLAINED, source="sendgrid")
    entry = suppress(session, "a@p.example", SuppressionReason.UNSUBSCRIBED, source="form")
    assert entry.reason is SuppressionReason.COMPLAINED


def test_after_a_complaint_only_a_fresh_opt_in_lifts_the_suppression(session: Session) -> None:
    suppress(session, "a@p.example", SuppressionReason.COMPLAINED, source="sendgrid")
    with pytest.raises(SuppressionError, match="fresh opt-in"):
        lift_suppression(session, "a@p.example", fresh_opt_in=False)
    assert is_suppressed(session, "a@p.example")
    lift_suppression(session, "a@p.example", fresh_opt_in=True)
    assert not is_suppressed(session, "a@p.example")


def test_an_unsubscribe_is_lifted_by_resubscribing(session: Session) -> None:
    suppress(session, "a@p.example", SuppressionReason.UNSUBSCRIBED, source="form")
    lift_suppression(session, "a@p.example", fresh_opt_in=False)
    assert not is_suppressed(session, "a@p.example")


def test_an_erased_address_is_forgotten_but_never_mailed_again(session: Session) -> None:
    forget_address(session, "gone@p.example", source="admin")
    assert is_suppressed(session, "gone@p.example")
    assert suppress(session, "gone@p.example", SuppressionReason.MANUAL, source="admin").email is None
