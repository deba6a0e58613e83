"""What /healthz reports: can we reach the database, is the schema current, is the scheduler alive."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.db import utc_now
from core.migrate import current_revision, head_revision
from core.models import Heartbeat
from core.scheduler import HEARTBEAT

# The scheduler beats once a minute; three missed beats means it is down.
SCHEDULER_STALE_AFTER = dt.timedelta(minutes=3)
log = logging.getLogger("channelcast.health")


def health_report(session: Session) -> dict[str, Any]:
    """`ok` is false (HTTP 503) when the database is unreachable or the schema is not at head.

    A stale scheduler is reported but does not fail the web check: the web can serve pages
    without it, and a load balancer should not pull healthy web processes for it.
    """
    head = head_revision()
    try:
        current = current_revision(session.connection())
        beat_at = session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == HEARTBEAT))
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("health check: database unreachable: %s", error.__class__.__name__)
        return {
            "ok": False,
            "database": {"ok": False, "error": error.__class__.__name__},
            "migrations": {"ok": False, "current": None, "head": head},
            "scheduler": {"ok": False, "heartbeat_age_s": None},
        }
    age = (utc_now() - beat_at).total_seconds() if beat_at else None
    return {
        "ok": current == head,
        "database": {"ok": True},
        "migrations": {"ok": current == head, "current": current, "head": head},
        "scheduler": {
            "ok": age is not None and age <= SCHEDULER_STALE_AFTER.total_seconds(),
            "heartbeat_age_s": None if age is None else round(age, 1),
        },
    }
