"""The outbox's figures on the overview page."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from core.web import Figure


def delivery_figures(session: Session, now: dt.datetime) -> list[Figure]:
    counts = dict(
        session.execute(select(Delivery.status, func.count(Delivery.id)).group_by(Delivery.status)).tuples().all()
    )
    sent_today = session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.status == DeliveryStatus.SENT, Delivery.sent_at >= now - dt.timedelta(hours=24)
        )
    )
    problems = sum(counts.get(s, 0) for s in (DeliveryStatus.FAILED, DeliveryStatus.DEAD, DeliveryStatus.UNCERTAIN))
    waiting = sum(counts.get(s, 0) for s in (DeliveryStatus.QUEUED, DeliveryStatus.LEASED, DeliveryStatus.SENDING))
    return [
        Figure(_("Waiting to send"), waiting, "delivery.overview"),
        Figure(_("Sent in the last 24 hours"), sent_today or 0, "delivery.overview", "ok"),
        Figure(_("Failed, dead or uncertain"), problems, "delivery.overview", "bad" if problems else ""),
    ]
