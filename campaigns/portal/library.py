"""The community library in the partner portal: search and filter every current item the partner
may see, read one with its texts to copy and its images to download, add an event to a calendar.

Thin: the portal session says who asks; `content.community` decides what they may see (through
the one reader rule) and `content.calendar_file` writes the `.ics`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_name
from flask import abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_babel import gettext as _
from markupsafe import Markup

from campaigns.portal.routes import bp
from content import markdown
from content.calendar_file import has_dates, item_calendar
from content.community import LibraryQuery, library_filters, library_item, library_page
from content.languages import configured_fallbacks, language_name, reading_order
from content.media import RENDITIONS
from content.models import ContentItem, ContentKind
from content.selection import SelectedItem
from core.config import LOCALE_NAMES
from core.db import db, utc_now
from subscribers.models import PartnerUser
from subscribers.partners import partner_timezone
from subscribers.portal import current_portal_user, portal_login_required
from subscribers.programme.standing import partner_competencies


def _user() -> PartnerUser:
    user = current_portal_user()
    assert user is not None  # portal_login_required ran first
    return user


def _held(user: PartnerUser, now: dt.datetime) -> frozenset[int]:
    """The competencies the partner holds today: an item requiring another stays hidden."""
    return partner_competencies(db.session, user.partner, now.date())


def _order(user: PartnerUser) -> tuple[str, ...]:
    return reading_order(user.locale, configured_fallbacks())


def _query() -> LibraryQuery:
    page = request.args.get("page", "1")
    chosen = {f.name: request.args.get(f.name, "") for f in library_filters()}
    return LibraryQuery(text=request.args.get("q", ""), chosen=chosen, page=int(page) if page.isdigit() else 1)


@bp.get("/library")
@portal_login_required
def library() -> ResponseReturnValue:
    user = _user()
    query = _query()
    now = utc_now()
    found = library_page(
        db.session, query, tier=user.partner.tier, competency_ids=_held(user, now), order=_order(user), now=now
    )
    filters = [(f, f.choices(db.session, user.locale)) for f in library_filters()]
    return render_template(
        "portal/library.html", user=user, query=query, found=found, filters=filters, languages=LOCALE_NAMES,
        language_name=language_name,
    )  # fmt: skip


def _selected_or_404(item_id: int) -> SelectedItem:
    user = _user()
    now = utc_now()
    found = library_item(
        db.session, item_id, tier=user.partner.tier, competency_ids=_held(user, now), order=_order(user), now=now
    )
    if found is None:
        abort(404)
    return found


@dataclass(frozen=True)
class ImageSize:
    kind: str
    label: str
    url: str


def _image_sizes(item: ContentItem) -> list[ImageSize]:
    if item.hero_image is None:
        return []
    labels = {
        "email-600": _("600 pixels wide, for emails"),
        "email-1200": _("1200 pixels wide, for emails on sharp screens and web pages"),
        "social-1200x628": _("1200x628, for social posts and web banners"),
        "social-1080x1080": _("1080x1080, for square social feeds"),
        "thumb": _("Small, at most 320x320"),
    }
    sha = item.hero_image.sha256
    return [ImageSize(kind, labels[kind], url_for("media.rendition", sha=sha, kind=kind)) for kind in RENDITIONS]


_HEADING = re.compile(r"<(/?)h[1-6]>")


def _below_page_headings(html: Markup) -> Markup:
    """The body as the page shows it: its headings below the page's own (h4), so the outline stays the page's."""
    return Markup(_HEADING.sub(r"<\1h4>", str(html)))  # noqa: S704 (the same sanitised HTML)


def _when(moment: dt.datetime | None, zone: str, locale: str, *, same_day_as: dt.datetime | None = None) -> str:
    """ "Wednesday, 11 March 2026, 10:00" in the partner's zone and the reader's language; only the
    time when it falls on the same local day as `same_day_as` (an end after its start)."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    time = format_time(local.time(), "short", locale=locale)
    if same_day_as is not None and same_day_as.astimezone(ZoneInfo(zone)).date() == local.date():
        return time
    return f"{format_date(local.date(), 'full', locale=locale)}, {time}"


@bp.get("/library/<int:item_id>")
@portal_login_required
def library_item_page(item_id: int) -> ResponseReturnValue:
    user = _user()
    selected = _selected_or_404(item_id)
    zone = partner_timezone(user.partner)
    item, variant = selected.item, selected.variant
    dated = item.kind in (ContentKind.EVENT, ContentKind.TRAINING) and has_dates(item)
    return render_template(
        "portal/library_item.html", user=user, selected=selected, item=item, variant=variant,
        body_html=markdown.to_html(variant.body), shown_html=_below_page_headings(markdown.to_html(variant.body)),
        body_text=markdown.to_text(variant.body),
        sizes=_image_sizes(item), dated=dated, starts=_when(item.starts_at, zone, user.locale),
        ends=_when(item.ends_at, zone, user.locale, same_day_as=item.starts_at),
        zone_name=get_timezone_name(ZoneInfo(zone), locale=user.locale), language_name=language_name,
    )  # fmt: skip


@bp.get("/library/<int:item_id>/calendar.ics")
@portal_login_required
def library_item_calendar(item_id: int) -> ResponseReturnValue:
    selected = _selected_or_404(item_id)
    if not has_dates(selected.item):
        abort(404)
    settings = current_app.config["CHANNELCAST"]
    page_url = settings.public_base_url + url_for(".library_item_page", item_id=item_id)
    domain = settings.public_base_url.split("://", 1)[-1].split("/", 1)[0] or "channelcast.invalid"
    data = item_calendar(selected.item, selected.variant, page_url=page_url, domain=domain, now=utc_now())
    response = Response(data, mimetype="text/calendar")
    response.headers.set("Content-Disposition", "attachment", filename=f"event-{item_id}.ics")
    return response
