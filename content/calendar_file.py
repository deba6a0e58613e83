"""An event or training as an `.ics` file (RFC 5545), for the reader to add to their own calendar."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from content import markdown
from content.models import ContentItem, ContentVariant


def has_dates(item: ContentItem) -> bool:
    return item.starts_at is not None


def item_calendar(item: ContentItem, variant: ContentVariant, *, page_url: str, domain: str, now: dt.datetime) -> bytes:
    """One VEVENT in UTC (calendars show it in their owner's zone); the item's id makes its UID stable,
    so adding it twice updates the entry instead of doubling it."""
    if item.starts_at is None:
        raise ValueError(f"item {item.id} has no start: nothing to put in a calendar")
    calendar = Calendar()
    calendar.add("prodid", "-//Channelcast//Community library//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"content-item-{item.id}@{domain}")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", item.starts_at.astimezone(dt.UTC))
    if item.ends_at is not None:
        event.add("dtend", item.ends_at.astimezone(dt.UTC))
    event.add("summary", variant.title)
    description = "\n\n".join(part for part in (variant.summary, markdown.to_text(variant.body), page_url) if part)
    event.add("description", description)
    if variant.button_url:
        event.add("url", variant.button_url)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
