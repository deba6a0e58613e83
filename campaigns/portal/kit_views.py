"""What the partner's kit page and the vendor's preview of it share: opening a kit, its email for a
frame, its previews, and the addresses the page links to (the partner's, or the read-only preview's)."""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass

from flask import abort, current_app, send_file, url_for
from flask.wrappers import Response

from campaigns.kits.builds import open_kit_file
from campaigns.kits.models import Kit
from campaigns.portal.kit_page import kit_preview
from campaigns.portal.mail import KIT_EMAIL_IMAGES
from core.db import db, utc_now
from core.storage import StorageUnavailable, StoredObject, storage_for


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
