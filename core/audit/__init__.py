"""The audit trail: who did what to which object, when and from where; append-only and hash-chained.

Every package records its own actions with `record(session, "contact.export", object_type=...,
object_id=..., ...)` in the transaction that makes the change. `flask --app wsgi audit verify`
checks the chain; a daily purge keeps AUDIT_RETENTION_DAYS of it. Core knows no domain word:
actions, object types and scopes ("partner:12") are strings the callers choose.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from core.audit.actors import (
    COMMAND_LINE,
    SCHEDULER,
    SYSTEM,
    VISITOR,
    Actor,
    current_actor,
    register_actor_source,
    use_actor,
    user_actor,
)
from core.audit.denials import DENIED_ACTION, deny_access, record_access_denied
from core.audit.models import AuditChainHead, AuditEntry
from core.audit.sources import display_labels, register_label_source, register_scope_source, scopes_of
from core.audit.trail import (
    ChainBreak,
    VerifyReport,
    changes_between,
    purge_expired,
    record,
    verify_chain,
)

__all__ = [
    "COMMAND_LINE",
    "DENIED_ACTION",
    "SCHEDULER",
    "SYSTEM",
    "VISITOR",
    "Actor",
    "AuditChainHead",
    "AuditEntry",
    "ChainBreak",
    "VerifyReport",
    "changes_between",
    "current_actor",
    "deny_access",
    "display_labels",
    "init_app",
    "purge_expired",
    "record",
    "record_access_denied",
    "register_actor_source",
    "register_label_source",
    "register_scope_source",
    "scopes_of",
    "use_actor",
    "user_actor",
    "verify_chain",
]


def init_app(app: Flask) -> None:
    from core.audit.cli import audit_cli
    from core.scheduler import register_tick

    retention_days: int = app.config["CHANNELCAST"].audit_retention_days

    def purge_tick(session: Session, now: dt.datetime) -> str:
        removed = purge_expired(session, now, retention_days, actor=SCHEDULER)
        return f"{removed} old entries removed" if removed else "nothing to remove"

    register_tick(app, "audit retention", purge_tick)
    app.cli.add_command(audit_cli)
