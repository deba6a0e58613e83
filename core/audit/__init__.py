"""The audit trail: who did what to which object, when and from where; append-only and hash-chained.

Every package records its own actions with `record(session, "contact.export", object_type=...,
object_id=..., ...)` in the transaction that makes the change. `flask --app wsgi audit verify`
checks the chain; a daily purge keeps AUDIT_RETENTION_DAYS of it. Core knows no domain word:
actions, object types and scopes ("partner:12") are strings the callers choose.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import lazy_gettext as _l
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
from core.audit.changes import (
    YES_NO,
    change_lines,
    each,
    form_labels,
    register_change_labels,
    stored_day,
    stored_moment,
)
from core.audit.denials import DENIED_ACTION, deny_access, record_access_denied
from core.audit.models import AuditChainHead, AuditEntry
from core.audit.sources import (
    action_label,
    display_labels,
    register_action_labels,
    register_label_source,
    register_scope_source,
    scopes_of,
)
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
    "YES_NO",
    "Actor",
    "AuditChainHead",
    "AuditEntry",
    "ChainBreak",
    "VerifyReport",
    "action_label",
    "change_lines",
    "changes_between",
    "current_actor",
    "deny_access",
    "display_labels",
    "each",
    "form_labels",
    "init_app",
    "purge_expired",
    "record",
    "record_access_denied",
    "register_action_labels",
    "register_actor_source",
    "register_change_labels",
    "register_label_source",
    "register_scope_source",
    "scopes_of",
    "stored_day",
    "stored_moment",
    "use_actor",
    "user_actor",
    "verify_chain",
]


CORE_ACTIONS = {
    "user.sign_in": _l("Signed in"),
    "user.sign_in_failed": _l("Sign-in failed"),
    "user.create": _l("User created"),
    "user.invite": _l("User invited"),
    "user.invite_resent": _l("Invitation sent again"),
    "user.invite_accepted": _l("Invitation accepted"),
    "user.password_reset_requested": _l("Password link asked for"),
    "user.password_reset": _l("Password reset by link"),
    "user.password_change": _l("Password changed"),
    "user.profile_update": _l("Own settings changed"),
    "user.role_change": _l("Role changed"),
    "user.deactivate": _l("User deactivated"),
    "user.reactivate": _l("User reactivated"),
    DENIED_ACTION: _l("Access refused"),
    "audit.purge": _l("Old audit entries removed"),
    "audit.export": _l("Audit trail exported"),
}


def init_app(app: Flask) -> None:
    from core.audit.cli import audit_cli
    from core.audit.routes import READERS, bp
    from core.scheduler import register_tick
    from core.web import register_nav

    retention_days: int = app.config["CHANNELCAST"].audit_retention_days

    def purge_tick(session: Session, now: dt.datetime) -> str:
        removed = purge_expired(session, now, retention_days, actor=SCHEDULER)
        return f"{removed} old {'entry' if removed == 1 else 'entries'} removed" if removed else "nothing to remove"

    register_tick(app, "audit retention", purge_tick)
    app.cli.add_command(audit_cli)
    app.register_blueprint(bp)
    register_nav(app, _l("Audit trail"), "audit.index", roles=READERS, order=95)
    register_action_labels(app, CORE_ACTIONS)
    app.jinja_env.globals["audit_change_lines"] = change_lines
