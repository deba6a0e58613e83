""" "What will this contact receive next, and when": the newsletter as it would be assembled then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from campaigns.digests.assembly import (
    edition_for,
    load_partner_fields,
    new_run_state,
    newsletter_items,
    readers_by_id,
    recipient_fields,
)
from campaigns.digests.render import DigestItem
from core.mail.placeholders import FillTemplate
from subscribers.models import Contact
from subscribers.schedule import next_newsletter_at


@dataclass(frozen=True)
class DigestPreview:
    when: dt.datetime | None  # None: the contact gets no newsletters (unsubscribed, bounced, ...)
    items: tuple[DigestItem, ...]
    subject: str
    html: str
    text: str

    @property
    def is_empty(self) -> bool:
        return not self.items


def preview_next_digest(
    session: Session, app: Flask, contact: Contact, now: dt.datetime, *, links: str | None = None
) -> DigestPreview:
    """The contact's next newsletter, selected as at its own moment and filled with their own fields.

    `links` replaces the contact's signed preference and unsubscribe links (a test sent to staff).
    An archived partner's contacts get none, like stopped ones."""
    when = None if contact.partner.archived_at is not None else next_newsletter_at(contact, now)
    if when is None:
        return DigestPreview(None, (), "", "", "")
    state = new_run_state(session, app, when, app.config["CHANNELCAST"].digest_max_items)
    reader = readers_by_id(session, [contact.id], when.date())[contact.id]
    items = newsletter_items(state, reader)
    if not items:
        return DigestPreview(when, (), "", "", "")
    rendered = state.rendered[edition_for(state, contact.locale, items)]
    load_partner_fields(session, state, {reader.partner_id})
    fields = recipient_fields(state, reader)
    if links is not None:
        fields = {**fields, "preferences_url": links, "unsubscribe_url": links}
    return DigestPreview(
        when=when,
        items=items,
        subject=FillTemplate.parse(rendered.subject).fill(fields),
        html=FillTemplate.parse(rendered.html).fill(fields),
        text=FillTemplate.parse(rendered.text).fill(fields),
    )
