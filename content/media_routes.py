"""Image renditions, served to browsers and email clients; the uploaded originals never are."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response

from content.media import RENDITIONS, asset_by_sha, rendition
from core.db import db
from core.extensions import limiter
from core.storage import MissingObject, StorageUnavailable, storage_for

bp = Blueprint("media", __name__)
log = logging.getLogger("channelcast.media")
YEAR = 365 * 24 * 3600


@bp.get("/media/<sha>/<kind>", endpoint="rendition")
@limiter.exempt
def rendition_view(sha: str, kind: str) -> ResponseReturnValue:
    """Public on purpose (newsletters embed these URLs); the hash is the only name, content never changes."""
    if kind not in RENDITIONS or not re.fullmatch(r"[0-9a-f]{64}", sha):
        abort(404)
    if request.if_none_match.contains(f"{sha}-{kind}"):  # the content never changes: no storage round trip
        return Response(status=304, headers={"Cache-Control": f"public, max-age={YEAR}, immutable"})
    asset = asset_by_sha(db.session, sha)
    if asset is None:
        abort(404)
    try:
        image = rendition(storage_for(), asset, kind)
    except MissingObject:
        log.error("media %s: the original is missing from storage", sha)
        abort(404)
    except StorageUnavailable:
        log.warning("media %s/%s: storage unreachable", sha, kind)
        return Response("Storage is unreachable; try again shortly.", status=503, headers={"Retry-After": "30"})
    response = Response(image.data, mimetype=image.content_type)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["Content-Disposition"] = f'inline; filename="{kind}.{image.content_type.split("/")[1]}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.set_etag(f"{sha}-{kind}")
    return response.make_conditional(request)
