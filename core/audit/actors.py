"""Who did it: the actor of an audit entry, taken from the request unless the caller says otherwise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app, g, has_app_context, has_request_context
from flask_login import current_user

ACTOR_KINDS = ("user", "portal_user", "api_token", "scheduler", "system")


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" (vendor user), "portal_user", "api_token", "scheduler", "system"
    id: int | None
    label: str  # a name people recognise, e.g. "Ada Admin", "Scheduler"

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"unknown actor kind {self.kind!r}; use one of {', '.join(ACTOR_KINDS)}")


SCHEDULER = Actor("scheduler", None, "Scheduler")
COMMAND_LINE = Actor("system", None, "Command line")
VISITOR = Actor("system", None, "Signed-out visitor")
SYSTEM = Actor("system", None, "System")

ActorSource = Callable[[], "Actor | None"]
_SOURCES = "channelcast.audit.actor_sources"


def register_actor_source(app: object, source: ActorSource) -> None:
    """Another kind of signed-in person (a portal user): `source()` returns them, or None."""
    app.extensions.setdefault(_SOURCES, []).append(source)  # type: ignore[attr-defined]


def use_actor(actor: Actor) -> None:
    """Make `actor` the one this request acts as (a view that knows better than the cookie: the portal)."""
    g.audit_actor = actor


def user_actor(user: object) -> Actor:
    """A vendor user as an actor (any object with `id` and `name`; core.audit does not import core.auth)."""
    return Actor("user", int(user.id), str(user.name))  # type: ignore[attr-defined]


def current_actor() -> Actor:
    """The signed-in vendor user, else another registered kind (portal user), else the system."""
    if has_app_context() and "audit_actor" in g:
        chosen: Actor = g.audit_actor
        return chosen
    if has_request_context():
        if current_user.is_authenticated:
            return user_actor(current_user)
        sources: list[ActorSource] = current_app.extensions.get(_SOURCES, [])
        for source in sources:
            found = source()
            if found is not None:
                return found
        return VISITOR
    # A CLI command runs inside a click context; a scheduler tick or worker does not.
    return COMMAND_LINE if click.get_current_context(silent=True) is not None else SYSTEM
