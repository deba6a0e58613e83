"""The naive way to record opens and clicks, for bench/tracking.py to compare against.

The same tokens, checked the same way, but answered by an ordinary Flask route that inserts
one event row and commits per request: what a first version would do. Served by gunicorn as
`bench.tracking_naive:app`, with the same settings and gunicorn configuration as ours.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort

from campaigns.delivery.models import Event, EventKind
from campaigns.delivery.worker import tracking_from_settings
from campaigns.tracking.endpoints import PIXEL
from core.db import db, utc_now
from wsgi import create_app

naive = Blueprint("naive_tracking", __name__)


@naive.get("/naive/o/<token>.gif")
def naive_open(token: str) -> Response:
    tracking = tracking_from_settings(_app().config["CHANNELCAST"])
    ref = tracking.read_open(token) if tracking is not None else None
    if ref is None:
        abort(404)
    db.session.add(Event(kind=EventKind.OPEN, delivery_id=ref, occurred_at=utc_now(), detail={"source": "naive"}))
    db.session.commit()
    return Response(PIXEL, mimetype="image/gif", headers={"Cache-Control": "no-store"})


def _app() -> Flask:
    from flask import current_app

    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]


def naive_app() -> Flask:
    application = create_app()
    application.register_blueprint(naive)
    return application


app = naive_app()
