"""The links every email carries: the preference centre and one-click unsubscribe.

Tokens are signed for one purpose, one contact and the contact's current `link_version`;
bumping the version (`services.revoke_links`) or erasing the contact makes every older link
fail the same way an invented one does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from core.auth import InvalidLink, LinkSigner, signer
from subscribers.models import Contact

PREFERENCES = "preferences"
UNSUBSCRIBE = "unsubscribe"
# Old newsletters stay in mailboxes; their links keep working for a good while.
LINK_MAX_AGE = dt.timedelta(days=400)


def link_urls(links: LinkSigner, base_url: str, contact_id: int, link_version: int) -> tuple[str, str]:
    """(preference centre, one-click unsubscribe) for a contact: the pair every email carries.

    Takes plain values so a newsletter run can sign 100,000 pairs without loading contacts.
    """
    return (
        f"{base_url}/p/{links.sign(PREFERENCES, contact_id, link_version)}",
        f"{base_url}/u/{links.sign(UNSUBSCRIBE, contact_id, link_version)}",
    )


def _urls(contact: Contact) -> tuple[str, str]:
    base: str = current_app.config["CHANNELCAST"].public_base_url
    return link_urls(signer(current_app), base, contact.id, contact.link_version)


def preference_url(contact: Contact) -> str:
    """The contact's preference centre, absolute (PUBLIC_BASE_URL); needs an app context."""
    return _urls(contact)[0]


def unsubscribe_url(contact: Contact) -> str:
    """The one-click unsubscribe URL for List-Unsubscribe and the visible footer link."""
    return _urls(contact)[1]


def contact_from_token(
    session: Session, token: str, purpose: str, *, options: Sequence[ORMOption] = ()
) -> Contact | None:
    """The contact a genuine, fresh, unrevoked link was made for; None for anything else.

    `options`: more of the contact to load in the same query (what the page about to show it needs).
    """

    found: list[Contact] = []

    def current_version(contact_id: int) -> int | None:
        # The whole contact (and its partner, which every page names) in the one query the check needs.
        # A select rather than `session.get`: its compiled form is cached, where `get` rebuilds its
        # criteria on every call (a measurable share of the preference page's CPU).
        query = select(Contact).where(Contact.id == contact_id).options(joinedload(Contact.partner), *options)
        contact = session.scalars(query).unique().one_or_none()
        found.extend([contact] if contact is not None else [])
        return None if contact is None else contact.link_version

    try:
        signer(current_app).verify(token, purpose, current_version, max_age=LINK_MAX_AGE)
    except InvalidLink:
        return None
    return found[0]
