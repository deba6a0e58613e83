"""Outbound webhooks: administrators register receivers for event types; packages `emit` events.

    from core.webhooks import emit
    emit(session, "contact.unsubscribed", {"contact_id": 12, "email": "...", "source": "form"})

Each package declares the types it emits with `register_event_types(app, {...})` in its init_app.
Deliveries are signed Standard Webhooks messages, sent by the worker (core.webhooks.sender) with
retries and backoff; the admin shows each one with its attempts. Core knows no domain word: event
names and payloads are the callers'.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.webhooks import models as models
from core.webhooks.registry import event_types, register_event_types
from core.webhooks.sender import SenderThread, SendOptions, deliver_due
from core.webhooks.services import emit, emit_many

__all__ = ["SenderThread", "emit", "emit_many", "event_types", "init_app", "register_event_types", "send_options"]

WEBHOOK_ACTIONS = {
    "webhook.create": _l("Webhook receiver added"),
    "webhook.update": _l("Webhook receiver changed"),
    "webhook.rotate_secret": _l("Webhook secret renewed"),
    "webhook.delete": _l("Webhook receiver removed"),
    "webhook.send_again": _l("Webhook delivery sent again"),
}
TICK_BATCHES = 10


def send_options(app: Flask) -> SendOptions:
    settings = app.config["CHANNELCAST"]
    return SendOptions(max_attempts=settings.webhook_max_attempts, timeout_seconds=settings.webhook_timeout_seconds)


def sender_name() -> str:
    return f"webhooks:{socket.gethostname()[:60]}:{os.getpid()}"


def webhooks_tick(session: Session, now: dt.datetime) -> str:
    """The embedded default (file transport, no worker): the scheduler sends due webhooks itself."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["CHANNELCAST"].mail_transport != "file":
        return "left to the workers"
    options, owner, total = send_options(app), sender_name(), []
    for _ in range(TICK_BATCHES):
        stats = deliver_due(session, options, owner=owner)
        total.append(stats)
        if not (stats.sent or stats.retry or stats.dead):
            break
    sent, retry, dead = (sum(getattr(s, name) for s in total) for name in ("sent", "retry", "dead"))
    return f"{sent} sent, {retry} to retry, {dead} dead"


def init_app(app: Flask) -> None:
    from core.audit import register_action_labels
    from core.scheduler import register_tick
    from core.webhooks.admin import bp

    app.register_blueprint(bp)
    register_action_labels(app, WEBHOOK_ACTIONS)
    register_tick(app, "webhooks", webhooks_tick)
