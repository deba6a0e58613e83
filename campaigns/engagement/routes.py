"""Report pages: campaigns, newsletter periods, items, interest areas and partners, each table also as CSV.

Admins, marketers and viewers read every report; account managers read the reports of the
partners they look after (another partner's report is a 403, in the audit trail).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from campaigns.engagement.charts import bar_chart, line_chart, sparkline
from campaigns.engagement.models import OutreachChannel, PartnerOutreach
from campaigns.engagement.reports import (
    Report,
    Table,
    area_index,
    area_report,
    campaign_index,
    campaign_report,
    item_index,
    item_report,
    last_outreach,
    partner_days,
    partner_timeline,
    period_index,
    period_report,
    score_series,
)
from campaigns.planning.models import Campaign
from content.models import ContentItem, InterestArea
from core.audit import deny_access, record
from core.auth import Role, get_or_404, require_role
from core.csv_export import csv_text
from core.db import db, utc_now
from subscribers.audit import partner_scope
from subscribers.engagement import PartnerScore, band_of, decayed
from subscribers.forms import options
from subscribers.models import Partner
from subscribers.partners import contact_person, may_change_partner, may_see_partner

bp = Blueprint("engagement", __name__, url_prefix="/admin/reports")
SHOWN = 100  # partners on the engagement list: those most in need of attention come first
READERS = (Role.ADMIN, Role.MARKETER, Role.VIEWER)
PERIOD = re.compile(r"\d{4}-(W\d{2}|\d{2}|F\d{2}|Q\d)")
CHANNELS = {
    OutreachChannel.CALL.value: _l("Call"),
    OutreachChannel.MEETING.value: _l("Meeting"),
    OutreachChannel.EMAIL.value: _l("Email"),
    OutreachChannel.OTHER.value: _l("Other"),
}


class OutreachForm(FlaskForm):
    happened_on = DateField(_l("When"), validators=[DataRequired(message=_l("Give the day you reached them."))])
    channel = SelectField(_l("How"), choices=options(CHANNELS))
    note = StringField(_l("Note"), validators=[Length(max=500, message=_l("Keep the note under 500 characters."))])


def cell(value: Any) -> str:
    """A table cell for people: numbers and dates in their locale, names instead of ids."""
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return str(value[0])
    if isinstance(value, float):
        return str(format_percent(value, "#,##0.0%"))
    if isinstance(value, int):
        return str(format_decimal(value))
    if isinstance(value, dt.datetime):
        return str(format_date(value.date(), "medium"))
    if isinstance(value, dt.date):
        return str(format_date(value, "medium"))
    return str(value)


def raw_cell(value: Any) -> Any:
    """A CSV cell: plain numbers (rates as fractions), ISO dates, names."""
    if isinstance(value, tuple):
        return value[0]
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _csv(table: Table, filename: str) -> Response:
    body = csv_text([str(h) for h in table.headers], [[raw_cell(v) for v in row] for row in table.rows])
    headers = {"Content-Disposition": f'attachment; filename="{filename}-{table.name}.csv"'}
    return Response(body, mimetype="text/csv", headers=headers)


def _every_day(table: Table) -> tuple[list[dt.date], list[tuple[str, list[float]]]]:
    """The day-by-day table with its quiet days filled in as zeros, so the line's slope tells the truth."""
    by_day = {row[0]: row for row in table.rows}
    first, last = table.rows[0][0], table.rows[-1][0]
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    series = [
        (str(table.headers[i]), [float(by_day[day][i]) if day in by_day else 0.0 for day in days]) for i in (1, 2, 3)
    ]
    return days, series


def _charts(report: Report) -> dict[str, Any]:
    """A chart for the tables that read well as one: days as lines, splits as bars."""
    charts: dict[str, Any] = {}
    for table in report.tables:
        if table.name == "by_day" and table.rows:
            days, series = _every_day(table)
            desc = _("Messages sent, unique opens and unique clicks per day, %(first)s to %(last)s.",
                     first=cell(days[0]), last=cell(days[-1]))  # fmt: skip
            charts[table.name] = line_chart(str(table.title), desc, days, series)
        elif table.name.startswith("by_") and table.rows:
            bars = [(cell(row[0]), float(row[3])) for row in table.rows[:12]]
            charts[table.name] = bar_chart(str(table.title), _("Unique opens per group."), bars)
        elif table.name in ("weeks",) and table.rows:
            days = [row[0] for row in table.rows]
            series = [(str(table.headers[i]), [float(row[i]) for row in table.rows]) for i in (1, 2, 4)]
            charts[table.name] = line_chart(
                str(table.title), _("Newsletters, unique opens and unique clicks per week."), days, series
            )
    return charts


def _show(report: Report, *, kind: str, csv_endpoint: str, csv_args: dict[str, Any], links: dict[str, str]) -> str:
    return render_template(
        "campaigns/engagement/report.html", report=report, kind=kind, charts=_charts(report), cell=cell,
        csv_endpoint=csv_endpoint, csv_args=csv_args, links=links,
    )  # fmt: skip


def _table_or_404(report: Report, name: str) -> Table:
    table = report.table(name)
    if table is None:
        abort(404)
    return table


# ---------------------------------------------------------------------------------------------- index


@bp.get("/")
@require_role()
def index() -> ResponseReturnValue:
    if current_user.role is Role.ACCOUNT_MANAGER:
        return redirect(url_for(".partners"))
    locale = str(get_locale() or "en")
    tables = [campaign_index(db.session), period_index(db.session), area_index(db.session, locale),
              item_index(db.session)]  # fmt: skip
    links = {"campaigns": ".campaign", "periods": ".period", "areas": ".area", "items": ".item"}
    return render_template("campaigns/engagement/index.html", tables=tables, links=links, cell=cell)


@bp.get("/<any(campaigns, periods, areas, items):name>.csv")
@require_role(*READERS)
def index_csv(name: str) -> ResponseReturnValue:
    locale = str(get_locale() or "en")
    make = {"campaigns": campaign_index, "periods": period_index, "items": item_index}
    table = area_index(db.session, locale) if name == "areas" else make[name](db.session)
    return _csv(table, "reports")


# ---------------------------------------------------------------------------------------------- campaigns and periods


@bp.get("/campaigns/<int:campaign_id>")
@require_role(*READERS)
def campaign(campaign_id: int) -> ResponseReturnValue:
    found = get_or_404(db.session, Campaign, campaign_id)
    args = {"campaign_id": found.id}
    return _show(campaign_report(db.session, found), kind="campaign", csv_endpoint=".campaign_csv", csv_args=args,
                 links={"kit_downloads": ".partner"})  # fmt: skip


@bp.get("/campaigns/<int:campaign_id>/<name>.csv")
@require_role(*READERS)
def campaign_csv(campaign_id: int, name: str) -> ResponseReturnValue:
    found = get_or_404(db.session, Campaign, campaign_id)
    return _csv(_table_or_404(campaign_report(db.session, found), name), f"campaign-{found.id}")


def _period_or_404(period: str) -> str:
    if not PERIOD.fullmatch(period):
        abort(404)
    return period


@bp.get("/periods/<period>")
@require_role(*READERS)
def period(period: str) -> ResponseReturnValue:
    report = period_report(db.session, _period_or_404(period))
    return _show(
        report, kind="period", csv_endpoint=".period_csv", csv_args={"period": period}, links={"items": ".item"}
    )


@bp.get("/periods/<period>/<name>.csv")
@require_role(*READERS)
def period_csv(period: str, name: str) -> ResponseReturnValue:
    report = period_report(db.session, _period_or_404(period))
    return _csv(_table_or_404(report, name), f"period-{period}")


# ---------------------------------------------------------------------------------------------- items and areas


@bp.get("/items/<int:item_id>")
@require_role(*READERS)
def item(item_id: int) -> ResponseReturnValue:
    found = get_or_404(db.session, ContentItem, item_id)
    return _show(item_report(db.session, found), kind="item", csv_endpoint=".item_csv", csv_args={"item_id": item_id},
                 links={})  # fmt: skip


@bp.get("/items/<int:item_id>/<name>.csv")
@require_role(*READERS)
def item_csv(item_id: int, name: str) -> ResponseReturnValue:
    found = get_or_404(db.session, ContentItem, item_id)
    return _csv(_table_or_404(item_report(db.session, found), name), f"item-{item_id}")


def _area_report(area_id: int) -> Report:
    found = get_or_404(db.session, InterestArea, area_id)
    return area_report(db.session, found, found.name(str(get_locale() or "en")))


@bp.get("/areas/<int:area_id>")
@require_role(*READERS)
def area(area_id: int) -> ResponseReturnValue:
    return _show(_area_report(area_id), kind="area", csv_endpoint=".area_csv", csv_args={"area_id": area_id}, links={})


@bp.get("/areas/<int:area_id>/<name>.csv")
@require_role(*READERS)
def area_csv(area_id: int, name: str) -> ResponseReturnValue:
    return _csv(_table_or_404(_area_report(area_id), name), f"area-{area_id}")


# ---------------------------------------------------------------------------------------------- partners


def partner_for_report(partner_id: int) -> Partner:
    """A partner whose report the user may read: an account manager's own only (403 otherwise, audited)."""
    found = db.session.get(Partner, partner_id)
    if found is None:
        abort(404)
    if not may_see_partner(found, current_user):
        deny_access("partner", found.id, found.name, scope=partner_scope(found.id), status=403)
    return found


@bp.get("/partners")
@require_role()
def partners() -> ResponseReturnValue:
    from campaigns.engagement.cooling import scored_partners, visible_count

    settings = current_app.config["CHANNELCAST"]
    rows = scored_partners(db.session, current_user, utc_now(), settings, limit=SHOWN)
    total = visible_count(db.session, current_user)
    return render_template("campaigns/engagement/partners.html", rows=rows, total=total, cell=cell)


def _partner_page(found: Partner, form: OutreachForm, status: int = 200) -> ResponseReturnValue:
    settings = current_app.config["CHANNELCAST"]
    now = utc_now()
    today = now.date()
    stored = db.session.get(PartnerScore, found.id)
    score = decayed(stored.score, stored.as_of, now, settings.engagement_half_life_days) if stored else 0.0
    band = band_of(score, stored.baseline if stored else 0.0, settings.engagement_cooling_percent)
    series = score_series(db.session, found.id, today, settings.engagement_half_life_days)
    line = sparkline(_("Engagement score, last 90 days"),
                     _("From %(first)s to %(last)s the score went from %(start)s to %(end)s.",
                       first=cell(series[0][0]), last=cell(series[-1][0]), start=format_decimal(round(series[0][1], 1)),
                       end=format_decimal(round(series[-1][1], 1))),
                     [value for _, value in series])  # fmt: skip
    since = today - dt.timedelta(days=90)
    page = render_template(
        "campaigns/engagement/partner.html", partner=found, person=contact_person(found), score=score, band=band,
        sparkline=line, series=series, timeline=partner_timeline(db.session, found, since),
        days=partner_days(db.session, found.id, since), last=last_outreach(db.session, [found.id]).get(found.id),
        form=form, may_log=may_change_partner(found, current_user), channels=CHANNELS, cell=cell,
    )  # fmt: skip
    return page, status


@bp.get("/partners/<int:partner_id>")
@require_role()
def partner(partner_id: int) -> ResponseReturnValue:
    found = partner_for_report(partner_id)
    return _partner_page(found, OutreachForm(happened_on=utc_now().date()))


@bp.get("/partners/<int:partner_id>/<name>.csv")
@require_role()
def partner_csv(partner_id: int, name: str) -> ResponseReturnValue:
    found = partner_for_report(partner_id)
    if name != "days":
        abort(404)
    return _csv(partner_days(db.session, found.id), f"partner-{found.id}")


@bp.get("/partners/<int:partner_id>/sparkline.svg")
@require_role()
def partner_sparkline(partner_id: int) -> ResponseReturnValue:
    found = partner_for_report(partner_id)
    settings = current_app.config["CHANNELCAST"]
    series = score_series(db.session, found.id, utc_now().date(), settings.engagement_half_life_days)
    svg = sparkline(_("Engagement score of %(partner)s, last 90 days", partner=found.name), _("Daily score."),
                    [value for _, value in series])  # fmt: skip
    return Response(str(svg), mimetype="image/svg+xml")


@bp.post("/partners/<int:partner_id>/outreach")
@require_role()
def log_outreach(partner_id: int) -> ResponseReturnValue:
    found = partner_for_report(partner_id)
    if not may_change_partner(found, current_user):
        deny_access("partner", found.id, found.name, scope=partner_scope(found.id))
    form = OutreachForm()
    if not form.validate_on_submit():
        return _partner_page(found, form, 400)
    if form.happened_on.data > utc_now().date():
        form.happened_on.errors = [_("The day cannot be in the future.")]
        return _partner_page(found, form, 400)
    entry = PartnerOutreach(partner_id=found.id, user_id=current_user.id, happened_on=form.happened_on.data,
                            channel=OutreachChannel(form.channel.data), note=form.note.data.strip())  # fmt: skip
    db.session.add(entry)
    record(db.session, "partner.outreach_logged", object_type="partner", object_id=found.id, object_label=found.name,
           detail=f"{entry.channel.value} on {entry.happened_on.isoformat()}",
           scope=partner_scope(found.id))  # fmt: skip
    db.session.commit()
    flash(_("Outreach noted."), "success")
    return redirect(url_for(".partner", partner_id=found.id))


def outreach_of(partner_ids: list[int]) -> dict[int, PartnerOutreach]:
    return last_outreach(db.session, partner_ids)


__all__ = ["bp", "select"]
