"""Partners' and contacts' figures on the overview page."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.web import Figure
from subscribers.models import ConsentRecord, Contact, ContactStatus, Partner


def subscriber_figures(session: Session, now: dt.datetime) -> list[Figure]:
    receiving = session.scalar(
        select(func.count(Contact.id))
        .join(Partner, Partner.id == Contact.partner_id)
        .where(Contact.status.in_([ContactStatus.ACTIVE, ContactStatus.PAUSED]), Partner.archived_at.is_(None))
    )
    stopped_lately = session.scalar(
        select(func.count(func.distinct(ConsentRecord.contact_id))).where(
            ConsentRecord.action.in_(["unsubscribed", "bounced", "complained"]),
            ConsentRecord.created_at >= now - dt.timedelta(days=30),
        )
    )
    return [
        Figure(
            _("Partners"),
            session.scalar(select(func.count(Partner.id)).where(Partner.archived_at.is_(None))) or 0,
            "subscribers_admin.partners",
        ),
        Figure(_("Contacts receiving mail"), receiving or 0, "subscribers_admin.partners", "ok"),
        Figure(_("Stopped mail in the last 30 days"), stopped_lately or 0, "subscribers_admin.partners"),
    ]
