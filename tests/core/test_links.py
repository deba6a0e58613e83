import datetime as dt

import pytest
import time_machine

from core.auth.links import InvalidLink, LinkSigner

signer = LinkSigner("a-secret-long-enough-to-sign-links-with")
versions = {7: 1}


def current_version(subject_id: int) -> int | None:
    return versions.get(subject_id)


def test_a_signed_link_opens_the_door_it_was_made_for() -> None:
    token = signer.sign("preferences", 7, 1)
    assert signer.verify(token, "preferences", current_version) == 7


def test_a_link_for_one_purpose_does_not_open_another() -> None:
    token = signer.sign("preferences", 7, 1)
    with pytest.raises(InvalidLink):
        signer.verify(token, "unsubscribe", current_version)


def test_a_tampered_link_is_refused() -> None:
    token = signer.sign("preferences", 7, 1)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidLink):
        signer.verify(tampered, "preferences", current_version)
    with pytest.raises(InvalidLink):
        signer.verify("not-a-token", "preferences", current_version)


def test_a_link_signed_with_another_key_is_refused() -> None:
    token = LinkSigner("another-secret-from-another-install-xyz").sign("preferences", 7, 1)
    with pytest.raises(InvalidLink):
        signer.verify(token, "preferences", current_version)


def test_a_link_expires_after_its_max_age() -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        token = signer.sign("sign-in", 7, 1)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 14, tzinfo=dt.UTC), tick=False):
        assert signer.verify(token, "sign-in", current_version, max_age=dt.timedelta(minutes=15)) == 7
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 16, tzinfo=dt.UTC), tick=False), pytest.raises(InvalidLink):
        signer.verify(token, "sign-in", current_version, max_age=dt.timedelta(minutes=15))


def test_bumping_the_version_revokes_every_older_link() -> None:
    old = signer.sign("preferences", 7, 1)
    versions[7] = 2
    try:
        with pytest.raises(InvalidLink):
            signer.verify(old, "preferences", current_version)
        assert signer.verify(signer.sign("preferences", 7, 2), "preferences", current_version) == 7
    finally:
        versions[7] = 1


def test_a_link_for_a_subject_that_no_longer_exists_is_refused() -> None:
    with pytest.raises(InvalidLink):
        signer.verify(signer.sign("preferences", 99, 1), "preferences", current_version)
