"""Who may do what: a role check for views and one helper to load-and-authorise objects."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, has_request_context, request
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from core.audit import deny_access
from core.auth.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

EDITORS = (Role.ADMIN, Role.MARKETER)


def require_role(*roles: Role) -> Callable[[F], F]:
    """Signed-out visitors go to the sign-in page; signed-in users without the role get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def get_or_404(
    session: Session,
    model: type[T],
    ident: Any,
    user: User | None = None,
    *,
    allowed: Callable[[T, User | None], bool] = lambda _obj, _user: True,
    scope: Callable[[T], str | None] = lambda _obj: None,
) -> T:
    """Load `model` by primary key and check `allowed(obj, user)`.

    A missing object and one the user may not see give the same 404 when read, so ids reveal nothing;
    posting a form for an object the user may not touch gets 403. Either refusal is audited, under
    `scope(obj)` (so whoever reads that scope's trail sees the attempt).
    Domain packages wrap this once per model (`get_item_or_404(session, id, user)`) and every
    route uses the wrapper.
    """
    obj = session.get(model, ident)
    if obj is None:
        abort(404)
    if not allowed(obj, user):
        # Recorded as an attempt. Reading gets the same 404 as a made-up id; a form post gets 403.
        reading = not has_request_context() or request.method in ("GET", "HEAD")
        deny_access(_object_type(model), ident, scope=scope(obj), status=404 if reading else 403)
    return obj


def _object_type(model: type[Any]) -> str:
    """ContentItem -> "content_item": the audit trail's name for a model's objects."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
