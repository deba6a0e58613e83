"""Event types: each package declares the ones it emits, at start-up, with what they mean.

    register_event_types(app, {"contact.unsubscribed": "A contact unsubscribed (any way: link, form, provider)."})

Administrators subscribe endpoints to them on the webhooks page; `emit` refuses a type nobody declared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask, current_app, has_app_context

EVENT_TYPE = re.compile(r"[a-z][a-z_]{0,29}\.[a-z][a-z_]{0,29}")
_REGISTRY = "channelcast.webhooks.event_types"


def register_event_types(app: Flask, event_types: Mapping[str, str]) -> None:
    """Declare event types (name -> what it means, in English: the payload docs for integrators)."""
    for name in event_types:
        if not EVENT_TYPE.fullmatch(name):
            raise ValueError(f"event type {name!r} is not '<thing>.<happened>', e.g. contact.unsubscribed")
    app.extensions.setdefault(_REGISTRY, {}).update(event_types)


def event_types(app: Flask | None = None) -> dict[str, str]:
    registry: dict[str, str] = (app or current_app).extensions.get(_REGISTRY, {})
    return dict(sorted(registry.items()))


def check_event_type(name: str) -> None:
    """Outside an app (a bare script) there is no registry to check against; inside one, unknown types fail."""
    if has_app_context() and name not in event_types():
        raise ValueError(f"webhook event type {name!r} was never registered (core.webhooks.register_event_types)")
