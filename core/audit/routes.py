"""The audit page: who did what, filtered, a page at a time, and as CSV.

Administrators read every entry. Account managers read the entries scoped to the partners they
look after (scopes come from the package that owns partners). Marketers and viewers do not see
the trail: it holds client addresses and who looked at whose data, which is for those who answer
for access (admins) and for the partners' own managers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.audit.changes import change_lines
from core.audit.models import AuditEntry
from core.audit.queries import AuditFilter, all_matching, audit_page
from core.audit.sources import action_label, action_labels, display_labels, scopes_of
from core.audit.trail import record
from core.auth.access import require_role
from core.auth.models import Role
from core.csv_export import csv_stream
from core.db import db, utc_now
from core.timezones import LocalTimeError, local_to_utc, utc_to_local

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
READERS = (Role.ADMIN, Role.ACCOUNT_MANAGER)
ACTOR_KINDS = {
    "user": _l("Vendor user"),
    "portal_user": _l("Partner user"),
    "api_token": _l("API token"),
    "scheduler": _l("Scheduler"),
    "system": _l("System"),
}
CSV_HEADER = ["id", "at_utc", "at_local", "who", "who_kind", "action", "what", "object_type", "object_id", "object",
              "changes", "detail", "scope", "ip", "request_id", "hash"]  # fmt: skip


def _day(name: str, *, end: bool) -> tuple[str, dt.datetime | None]:
    """A YYYY-MM-DD filter as a UTC bound in the reader's zone (an end day counts whole)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return "", None
    try:
        day = dt.date.fromisoformat(raw)
        start = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time())
        return raw, local_to_utc(start, current_user.timezone)
    except (ValueError, LocalTimeError):
        return raw, None


def _filter_from_args() -> tuple[AuditFilter, dict[str, str], list[str]]:
    """The chosen filter, the raw values for the form, and any problems to show on it."""
    since_raw, since = _day("since", end=False)
    until_raw, until = _day("until", end=True)
    problems = [_("%(day)s is not a date like 2026-03-31.", day=raw) for raw, value in
                ((since_raw, since), (until_raw, until)) if raw and value is None]  # fmt: skip
    scopes = None if current_user.has_role(Role.ADMIN) else scopes_of(db.session, current_user)
    raw = {key: request.args.get(key, "").strip()[:200] for key in ("who", "object", "action")}
    chosen = AuditFilter(who=raw["who"], object=raw["object"], action=raw["action"], since=since, until=until,
                         scopes=scopes)  # fmt: skip
    return chosen, {**raw, "since": since_raw, "until": until_raw}, problems


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/")
@require_role(*READERS)
def index() -> ResponseReturnValue:
    chosen, values, problems = _filter_from_args()
    page = audit_page(db.session, chosen, before=_cursor("before"), after=_cursor("after"))
    return render_template(
        "web/audit.html", page=page, values=values, problems=problems, labels=display_labels(db.session, page.entries),
        action_label=action_label, actions=sorted(action_labels().items(), key=lambda pair: str(pair[1])),
        kinds=ACTOR_KINDS, change_lines=change_lines, scoped=chosen.scopes is not None,
    )  # fmt: skip


def _csv_rows(chosen: AuditFilter, zone: str) -> Iterator[list[object]]:
    session = db.session
    batch: list[AuditEntry] = []
    for entry in all_matching(session, chosen):
        batch.append(entry)
        if len(batch) == 200:
            yield from _rows_of(batch, zone)
            batch = []
    yield from _rows_of(batch, zone)


def _rows_of(entries: list[AuditEntry], zone: str) -> Iterator[list[object]]:
    labels = display_labels(db.session, entries)
    for entry in entries:
        # Raw codes and stored values, for machines and auditors; the page shows names (core.audit.changes).
        changes = "; ".join(f"{field}: {old} -> {new}" for field, (old, new) in entry.changes.items())
        local = utc_to_local(entry.at, zone).isoformat(timespec="seconds")
        yield [entry.id, entry.at.isoformat(timespec="seconds"), local, entry.actor_label, entry.actor_kind,
               entry.action, action_label(entry.action), entry.object_type, entry.object_id, labels[entry.id],
               changes, entry.detail, entry.scope, entry.ip, entry.request_id, entry.hash]  # fmt: skip


@bp.get("/export.csv")
@require_role(*READERS)
def export() -> ResponseReturnValue:
    """Every matching entry as CSV (streamed; cells that a spreadsheet would run are made plain text)."""
    chosen, values, _problems = _filter_from_args()
    summary = ", ".join(f"{key}={value}" for key, value in values.items() if value) or "no filter"
    record(db.session, "audit.export", object_type="audit", object_id=None, object_label="Audit trail",
           detail=f"CSV export ({summary})")  # fmt: skip
    db.session.commit()
    rows = _csv_rows(chosen, current_user.timezone)
    stamp = utc_now().date().isoformat()
    return Response(
        stream_with_context(csv_stream(CSV_HEADER, rows)), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-trail-{stamp}.csv"'},
    )  # fmt: skip
