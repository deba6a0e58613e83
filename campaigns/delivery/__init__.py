"""Delivery: the outbox, its workers, provider webhooks, the bounce mailbox and the delivery admin.

It knows only outbox rows (Delivery, RenderedBody, Event): newsletters and campaigns put messages
in with `store_body` and `enqueue`, and read what happened from the events.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from campaigns.delivery import models as models
from campaigns.delivery.bounces import bounce_mailbox_tick
from campaigns.delivery.cli import worker_command
from campaigns.delivery.outbox import NewDelivery, OutboxError, enqueue, store_body
from campaigns.delivery.sns import SnsVerifier
from campaigns.delivery.worker import Worker, WorkerOptions
from core.auth import EDITORS
from core.extensions import csrf
from core.mail.transports import transport_from_settings
from core.scheduler import register_tick
from core.web import register_nav

__all__ = ["NewDelivery", "OutboxError", "enqueue", "init_app", "store_body"]
TICK_BATCHES = 20


def send_outbox_tick(session: Session, now: dt.datetime) -> str:
    """The embedded default (file transport): the scheduler writes the outbox itself, no worker needed."""
    settings = current_app.config["CHANNELCAST"]
    if settings.mail_transport != "file":
        return "left to the workers"
    worker = Worker(session, transport_from_settings(settings), WorkerOptions.from_settings(settings))
    batches = 0
    while batches < TICK_BATCHES and worker.run_once():
        batches += 1
    return worker.stats.summary()


def init_app(app: Flask) -> None:
    from campaigns.delivery.contact_history import STATUS_LABELS, contact_messages_section
    from campaigns.delivery.overview import delivery_figures
    from campaigns.delivery.rights import contact_events, contact_messages, erase_contact_mail
    from campaigns.delivery.routes import admin, webhooks
    from core.audit import register_change_labels
    from core.web import register_panel
    from subscribers.admin import register_contact_section
    from subscribers.rights import register_erasure_step, register_export_section

    csrf.exempt(webhooks)  # providers sign or authenticate their requests instead
    app.extensions["channelcast.sns"] = SnsVerifier()
    app.register_blueprint(webhooks)
    app.register_blueprint(admin)
    app.cli.add_command(worker_command)
    register_tick(app, "outbox", send_outbox_tick)
    register_tick(app, "bounces", bounce_mailbox_tick)
    register_nav(app, _l("Delivery"), "delivery.overview", roles=EDITORS, order=70)
    register_panel(app, _l("Mail"), delivery_figures, roles=EDITORS, order=40)
    register_export_section(app, "events", contact_events)
    _init_api(app)
    register_export_section(app, "messages", contact_messages)
    register_erasure_step(app, erase_contact_mail)
    register_contact_section(app, contact_messages_section)
    register_change_labels(app, "delivery", fields={"status": _l("Status")}, values={"status": STATUS_LABELS})


def _init_api(app: Flask) -> None:
    from campaigns.delivery.api import SCOPES, api
    from core.api import register_api_blueprint, register_scopes

    register_scopes(app, SCOPES)
    register_api_blueprint(app, api)
