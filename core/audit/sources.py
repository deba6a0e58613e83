"""What other packages tell the audit trail: readable names for object ids, and whose scopes a user reads.

Core knows no domain word, so the packages that own the objects register these at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from core.audit.models import AuditEntry

LabelSource = Callable[[Session, list[str]], Mapping[str, str]]
ScopeSource = Callable[[Session, Any], list[str]]  # (session, the signed-in vendor user)
_LABELS = "channelcast.audit.label_sources"
_SCOPES = "channelcast.audit.scope_sources"


def register_label_source(app: Flask, object_type: str, source: LabelSource) -> None:
    """`source(session, ids)` gives today's name of each object of this type that still exists."""
    app.extensions.setdefault(_LABELS, {})[object_type] = source


def register_scope_source(app: Flask, source: ScopeSource) -> None:
    """`source(session, user)` gives the scopes (e.g. "partner:12") whose entries `user` may read."""
    app.extensions.setdefault(_SCOPES, []).append(source)


def scopes_of(session: Session, user: object) -> list[str]:
    sources: list[ScopeSource] = current_app.extensions.get(_SCOPES, [])
    return sorted({scope for source in sources for scope in source(session, user)})


def display_labels(session: Session, entries: Iterable[AuditEntry]) -> dict[int, str]:
    """The name to show for each entry's object: today's name where a package knows one, else the stored label."""
    entries = list(entries)
    sources: dict[str, LabelSource] = current_app.extensions.get(_LABELS, {})
    current: dict[tuple[str, str], str] = {}
    for object_type, source in sources.items():
        ids = sorted({e.object_id for e in entries if e.object_type == object_type and e.object_id is not None})
        if ids:
            current.update({(object_type, ident): name for ident, name in source(session, ids).items()})
    return {e.id: current.get((e.object_type, e.object_id or ""), e.object_label) for e in entries}


_ACTIONS = "channelcast.audit.action_labels"


def register_action_labels(app: Flask, labels: Mapping[str, str]) -> None:
    """Names people read for the actions a package records, e.g. {"contact.export": "Contact data exported"}."""
    app.extensions.setdefault(_ACTIONS, {}).update(labels)


def action_labels() -> dict[str, str]:
    labels: dict[str, str] = current_app.extensions.get(_ACTIONS, {})
    return labels


def action_label(action: str) -> str:
    """The registered name, else the dotted verb made readable ("kit_piece.save" -> "Kit piece: save")."""
    label = action_labels().get(action)
    if label:
        return str(label)
    thing, _, verb = action.partition(".")
    return f"{thing.replace('_', ' ').capitalize()}: {verb.replace('_', ' ')}" if verb else action
