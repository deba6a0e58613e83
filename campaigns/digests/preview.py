""" "What will this contact receive next, and when": the newsletter as it would be assembled then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from campaigns.digests.assembly import (
    first_name,
    intro_for,
    new_run_state,
    partner_fields,
    reason_for,
    select_items,
    window_start,
    zone,
)
from campaigns.digests.render import DigestEdition, DigestItem, render_digest
from core.mail.placeholders import FillTemplate
from subscribers.links import preference_url, unsubscribe_url
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


def preview_next_digest(session: Session, app: Flask, contact: Contact, now: dt.datetime) -> DigestPreview:
    """The contact's next newsletter, selected as at its own moment and filled with their own fields."""
    when = next_newsletter_at(contact, now)
    if when is None:
        return DigestPreview(None, (), "", "", "")
    state = new_run_state(session, app, when, app.config["CHANNELCAST"].digest_max_items)
    interest_ids = frozenset(area.id for area in contact.interests if area.is_active)
    local_day = when.astimezone(zone(contact.timezone)).date()
    since = window_start(
        contact.frequency, contact.preferred_weekday, contact.preferred_hour, contact.timezone, local_day
    )
    partner = contact.partner
    boosts = tuple(
        b
        for b in state.boosts
        if b.launch_at > since
        and b.targets(
            tier=partner.tier,
            partner_type=partner.type.value,
            country=partner.country,
            locale=contact.locale,
            interest_ids=interest_ids,
        )
    )
    items = select_items(
        state, interest_ids=interest_ids, tier=partner.tier, locale=contact.locale, since=since, boosts=boosts
    )
    if not items:
        return DigestPreview(when, (), "", "", "")
    edition = DigestEdition(
        locale=contact.locale,
        items=items,
        vendor_name=state.vendor_name,
        postal_address=state.postal_address,
        intro=intro_for(app, contact.locale),
    )
    rendered = render_digest(app, edition)
    person_name, person_details = partner_fields(session, state, partner.id)
    fields = {
        "first_name": first_name(contact.name) or partner.name,
        "contact_name": person_name,
        "contact_details": person_details,
        "reason": reason_for(state, contact.locale, interest_ids, partner.name),
        "preferences_url": preference_url(contact),
        "unsubscribe_url": unsubscribe_url(contact),
    }
    return DigestPreview(
        when=when,
        items=items,
        subject=FillTemplate.parse(rendered.subject).fill(fields),
        html=FillTemplate.parse(rendered.html).fill(fields),
        text=FillTemplate.parse(rendered.text).fill(fields),
    )
