"""The password rule every vendor user's password follows, wherever it is set (pages, invite, CLI).

At least 12 characters, not one of the 10,000 most common passwords, and not easy to guess. The
common list and the guessability estimate both come from zxcvbn (MIT licence; Dropbox's estimator,
Wheeler, USENIX Security 2016): its ranked list of leaked passwords, of which we take the top 10,000,
and its score, which also catches what a short list cannot at 12 characters (a common password
repeated or with digits added, keyboard runs, dates, the user's own name or address).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from flask_babel import gettext
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
COMMON_LIST_SIZE = 10_000
MIN_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline slow-hash scenario"


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_LIST_SIZE])


def _(text: str, **values: object) -> str:
    return str(gettext(text, **values))


def password_problem(password: str, *, personal: Iterable[str] = ()) -> str | None:
    """Why `password` may not be used, in words the person can act on; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(count)s characters; a few unrelated words are easy to remember.",
                 count=MIN_PASSWORD_LENGTH)  # fmt: skip
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_PASSWORD_LENGTH)
    if password.lower() in common_passwords():
        return _("This is one of the 10,000 most common passwords: choose another.")
    words = [word for item in personal for word in item.replace("@", " ").replace(".", " ").split() if word]
    # zxcvbn's own limit: past 72 characters its matching gets slow and the password is strong anyway.
    if zxcvbn(password[:72], user_inputs=words)["score"] < MIN_SCORE:
        return _(
            "This password is easy to guess: it is built from a common password or word, a keyboard run, "
            "a repeat, a date or your own name. Choose something less predictable, e.g. a few unrelated words."
        )
    return None
