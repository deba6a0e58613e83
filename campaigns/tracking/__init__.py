"""Tracking: our open pixel and click-through links, and the engagement events around them.

The worker fills each newsletter's pixel and links (`core.mail.tracking`, `TRACKING`); the
endpoints here answer them in front of Flask (`endpoints`) and buffer what they saw (`buffer`),
judged and written in batches (`machines`, `recording`). Preference changes, unsubscribes,
portal sign-ins and kit downloads are written to the same events table (`activity`).
"""

from __future__ import annotations

from flask import Flask

from campaigns.delivery.worker import tracking_from_settings
from campaigns.tracking.activity import record_consent_event
from campaigns.tracking.buffer import EventBuffer, Hit
from campaigns.tracking.endpoints import BodyLinks, TrackingEndpoints
from campaigns.tracking.machines import BURST_SECONDS
from campaigns.tracking.recording import record_hits
from core.db import Database
from subscribers.signals import consent_recorded

BUFFER_KEY = "channelcast.tracking_buffer"


def init_app(app: Flask) -> None:
    consent_recorded.connect(record_consent_event)
    tracking = tracking_from_settings(app.config["CHANNELCAST"])
    if tracking is None:
        return  # TRACKING=off: links in old newsletters get 404 like any unknown address
    database: Database = app.extensions["channelcast.db"]

    def write(hits: list[Hit]) -> int:
        with database.unit_of_work() as session:
            return record_hits(session, hits)

    # Tests share one connection with the app: they flush by hand, on their own thread.
    buffer = EventBuffer(write, hold_seconds=BURST_SECONDS + 0.5, background=lambda: not app.testing)
    app.extensions[BUFFER_KEY] = buffer
    app.wsgi_app = TrackingEndpoints(app.wsgi_app, tracking, BodyLinks(database), buffer)  # type: ignore[method-assign]


def tracking_buffer(app: Flask) -> EventBuffer | None:
    """The app's buffer of opens and clicks (None with TRACKING=off): `close()` it on shutdown."""
    buffer: EventBuffer | None = app.extensions.get(BUFFER_KEY)
    return buffer
