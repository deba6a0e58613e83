"""What the partner's kit page and the vendor's preview of it share: opening a kit, its email for a
frame, its previews, and the addresses the page links to (the partner's, or the read-only preview's)."""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, send_file, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response

from campaigns.delivery.models import Event, EventKind
from campaigns.kits.builds import open_kit_file
from campaigns.kits.models import Kit
from campaigns.portal.kit_page import kit_preview
from campaigns.portal.mail import KIT_EMAIL_IMAGES
from core.db import db, utc_now
from core.storage import StorageUnavailable, StoredObject, storage_for
from core.webhooks import emit
from subscribers.models import PartnerUser


class KitUnavailable(Exception):
    """The store holding the ZIPs does not answer; the partner is told to try again shortly."""


def kit_file(kit: Kit) -> StoredObject:
    """The kit's ZIP from storage; a ZIP the store lost is rebuilt first (and that rebuild committed)."""
    settings = current_app.config["CHANNELCAST"]
    try:
        stored = open_kit_file(db.session, kit, storage=storage_for(), settings=settings, now=utc_now())
    except StorageUnavailable:
        db.session.rollback()
        raise KitUnavailable from None
    db.session.commit()
    if stored is None:
        abort(404)
    return stored


def record_kit_download(kit: Kit, detail: dict[str, Any], user: PartnerUser | None) -> None:
    """A kit download event (engagement, the CRM's stream) and the kit.downloaded webhook; committed.

    A partner user's download is theirs (and their contact's); one through an API link is a
    machine fetching for the vendor's systems: kept, but never in the partner's engagement."""
    from campaigns.tracking.activity import record_portal_event
    from campaigns.webhooks import KIT_DOWNLOADED

    if user is not None:
        record_portal_event(db.session, EventKind.KIT_DOWNLOAD, user, detail)
    else:
        event = Event(kind=EventKind.KIT_DOWNLOAD, occurred_at=utc_now(), automated=True, detail=detail)
        db.session.add(event)
    emit(db.session, KIT_DOWNLOADED, detail)  # hook (h12-api): outbound webhook, sent after this commits
    db.session.commit()


def kit_zip_response(kit: Kit, stored: StoredObject) -> ResponseReturnValue:
    """The ZIP streamed in chunks from storage, or (STORAGE_DOWNLOADS=presigned, S3) a redirect to a 5-minute URL."""
    name = kit.filename or f"kit-{kit.id}.zip"
    if current_app.config["CHANNELCAST"].storage_downloads == "presigned":
        url = storage_for().download_url(kit.storage_key, filename=name, content_type="application/zip", seconds=300)
        if url is not None:
            stored.stream.close()
            return redirect(url, 302)
    response = Response(stored.chunks(), mimetype="application/zip", direct_passthrough=True)
    response.content_length = stored.size
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.set_etag(kit.sha256)
    response.cache_control.max_age = 0
    response.cache_control.no_cache = True
    return response


def open_kit(kit: Kit) -> zipfile.ZipFile:
    """The kit's ZIP, read whole (a few megabytes), for the pages that show its parts."""
    stored = kit_file(kit)
    try:
        return zipfile.ZipFile(io.BytesIO(stored.stream.read()))
    finally:
        stored.stream.close()


def email_with_inline_images(archive: zipfile.ZipFile) -> str:
    """The kit's email.html with its logo and picture as data: URLs, for a sandboxed frame."""
    html = archive.read("email/email.html").decode()
    for name in KIT_EMAIL_IMAGES:
        path = f"email/{name}"
        if path in archive.namelist():
            mime = "image/png" if name.endswith(".png") else "image/jpeg"
            data = base64.b64encode(archive.read(path)).decode()
            html = html.replace(f'src="{name}"', f'src="data:{mime};base64,{data}"')
    return html


def kit_email_parts(archive: zipfile.ZipFile) -> tuple[str, str, str]:
    """(html, text, subject) of the kit's email; the subject is its first subject line."""
    subjects = archive.read("copy/subject-lines.txt").decode().splitlines()
    text = archive.read("email/email.txt").decode()
    return archive.read("email/email.html").decode(), text, subjects[0].strip()


def preview_response(kit: Kit, name: str) -> Response:
    with open_kit(kit) as archive:
        if name not in archive.namelist():
            abort(404)
        try:
            data, mimetype = kit_preview(storage_for(), kit, archive, name)
        except KeyError:
            abort(404)
    return send_file(io.BytesIO(data), mimetype=mimetype, max_age=3600)


@dataclass(frozen=True)
class PortalKitUrls:
    """The partner's own page: downloads are recorded as kit downloads."""

    kit: Kit

    def zip(self) -> str:
        return url_for("portal.download_kit", kit_id=self.kit.id)

    def file(self, path: str) -> str:
        return url_for("portal.kit_piece", kit_id=self.kit.id, name=path, download=1)

    def preview(self, path: str) -> str:
        return url_for("portal.kit_file_preview", kit_id=self.kit.id, name=path)

    def email(self) -> str:
        return url_for("portal.kit_email", kit_id=self.kit.id)


@dataclass(frozen=True)
class PreviewKitUrls:
    """The vendor's read-only preview: the same files, never counted as the partner's downloads."""

    kit: Kit

    def zip(self) -> str:
        return url_for("kit_preview.file", kit_id=self.kit.id, name="kit.zip")

    def file(self, path: str) -> str:
        return url_for("kit_preview.file", kit_id=self.kit.id, name=path)

    def preview(self, path: str) -> str:
        return url_for("kit_preview.preview", kit_id=self.kit.id, name=path)

    def email(self) -> str:
        return url_for("kit_preview.email", kit_id=self.kit.id)
