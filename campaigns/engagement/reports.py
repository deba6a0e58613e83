"""Reports, read from the roll-ups alone (never the raw events): each is a set of named tables that
the page shows, the charts draw and the CSV download hands out, so all three say the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from campaigns.engagement.models import (
    ContentDimension,
    ContentRollup,
    EngagementRollup,
    EngagementSplit,
    EngagementTotal,
    PartnerOutreach,
)
from campaigns.engagement.rollups import WEIGHTS
from campaigns.planning.models import Campaign
from content.models import ContentItem, InterestArea
from core.config import LOCALE_NAMES
from subscribers.countries import country_name
from subscribers.models import Partner

R = EngagementRollup  # by partner
S = EngagementSplit  # by language, tier and country
T = EngagementTotal  # per campaign and period, every day added up
RollupTable = type[EngagementRollup] | type[EngagementSplit] | type[EngagementTotal]


@dataclass
class Table:
    """A report table: its title, column headings and rows (plain values: numbers, names, dates)."""

    name: str
    title: str
    headers: list[Any]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Totals:
    partners_reached: int = 0
    sent: int = 0
    delivered: int = 0
    unique_opens: int = 0
    unique_clicks: int = 0
    opens: int = 0
    clicks: int = 0
    machine_opens: int = 0
    scanner_clicks: int = 0
    unsubscribes: int = 0
    bounces: int = 0
    complaints: int = 0
    kit_downloads: int = 0

    @property
    def click_rate(self) -> float | None:
        """Unique clicks per message delivered (per message sent when the provider reports no deliveries)."""
        base = self.delivered or self.sent
        return self.unique_clicks / base if base else None

    @property
    def click_to_open(self) -> float | None:
        return self.unique_clicks / self.unique_opens if self.unique_opens else None

    @property
    def open_rate(self) -> float | None:
        base = self.delivered or self.sent
        return self.unique_opens / base if base else None


TOTAL_FIELDS = [name for name in Totals.__dataclass_fields__ if name != "partners_reached"]


@dataclass(frozen=True)
class Scope:
    """What a report covers: one campaign (0: all mail), and one newsletter period or all of them."""

    campaign_id: int
    period: str | None = None

    def of(self, table: RollupTable) -> list[ColumnElement[bool]]:
        """The scope as conditions on one of the roll-up tables."""
        where = [table.campaign_id == self.campaign_id]
        if self.period is not None:
            where.append(table.period == self.period)
        return where


def _totals(session: Session, scope: Scope) -> Totals:
    sums = [func.coalesce(func.sum(getattr(T, name)), 0).label(name) for name in TOTAL_FIELDS]
    row = session.execute(select(*sums).where(*scope.of(T))).one()
    totals = Totals(**{name: int(getattr(row, name)) for name in TOTAL_FIELDS})
    reached = select(func.count(func.distinct(R.partner_id))).where(*scope.of(R), R.sent > 0, R.partner_id != 0)
    totals.partners_reached = int(session.scalar(reached) or 0)
    return totals


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


SPLIT_HEADERS = [_l("Sent"), _l("Delivered"), _l("Unique opens"), _l("Unique clicks"), _l("Click rate"),
                 _l("Unsubscribes"), _l("Bounces"), _l("Complaints")]  # fmt: skip


def _split(session: Session, name: str, title: Any, column: Any, label: Any, scope: Scope) -> Table:
    """The report's figures by tier, language or country."""
    rows = session.execute(
        select(column, func.sum(S.sent), func.sum(S.delivered), func.sum(S.unique_opens), func.sum(S.unique_clicks),
               func.sum(S.unsubscribes), func.sum(S.bounces), func.sum(S.complaints))
        .where(*scope.of(S)).group_by(column).order_by(func.sum(S.sent).desc(), column)
    ).all()  # fmt: skip
    table = Table(name, title, [label, *SPLIT_HEADERS])
    for key, sent, delivered, opens, clicks, unsubscribes, bounces, complaints in rows:
        if not (sent or opens or clicks):
            continue
        table.rows.append([key, int(sent), int(delivered), int(opens), int(clicks),
                           _rate(int(clicks), int(delivered) or int(sent)), int(unsubscribes), int(bounces),
                           int(complaints)])  # fmt: skip
    return table


def _named_splits(session: Session, scope: Scope) -> list[Table]:
    by_tier = _split(session, "by_tier", _l("By tier"), S.tier, _l("Tier"), scope)
    by_language = _split(session, "by_language", _l("By language"), S.locale, _l("Language"), scope)
    by_country = _split(session, "by_country", _l("By country"), S.country, _l("Country"), scope)
    for row in by_tier.rows:
        row[0] = str(row[0]).capitalize() or "—"
    for row in by_language.rows:
        row[0] = LOCALE_NAMES.get(row[0], row[0] or "—")
    for row in by_country.rows:
        row[0] = country_name(row[0]) if row[0] else "—"
    return [by_tier, by_language, by_country]


def _by_day(session: Session, scope: Scope) -> Table:
    rows = session.execute(
        select(S.day, func.sum(S.sent), func.sum(S.unique_opens), func.sum(S.unique_clicks))
        .where(*scope.of(S)).group_by(S.day).order_by(S.day)
    ).all()  # fmt: skip
    table = Table("by_day", _l("Day by day"), [_l("Day"), _l("Sent"), _l("Unique opens"), _l("Unique clicks")])
    table.rows = [
        [day, int(sent), int(opens), int(clicks)] for day, sent, opens, clicks in rows if sent or opens or clicks
    ]
    return table


@dataclass
class Report:
    title: str
    totals: Totals | None
    tables: list[Table]

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


# ---------------------------------------------------------------------------------------------- campaigns


def campaign_index(session: Session, limit: int = 50) -> Table:
    """The most recent campaigns with their totals (a few rows each: one per newsletter period)."""
    campaigns = session.execute(
        select(Campaign.id, Campaign.name, Campaign.launch_at).order_by(Campaign.launch_at.desc()).limit(limit)
    ).all()
    sums = session.execute(
        select(T.campaign_id, func.sum(T.sent), func.sum(T.unique_opens), func.sum(T.unique_clicks),
               func.sum(T.kit_downloads))
        .where(T.campaign_id.in_([cid for cid, _name, _launch in campaigns])).group_by(T.campaign_id)
    ).all()  # fmt: skip
    figures = {cid: (int(s), int(o), int(c), int(k)) for cid, s, o, c, k in sums}
    table = Table("campaigns", _l("Campaigns"), [_l("Campaign"), _l("Launch"), _l("Sent"), _l("Unique opens"),
                                                  _l("Unique clicks"), _l("Kit downloads")])  # fmt: skip
    for cid, name, launch in campaigns:
        table.rows.append([(name, cid), launch, *figures.get(cid, (0, 0, 0, 0))])
    return table


def campaign_report(session: Session, campaign: Campaign) -> Report:
    scope = Scope(campaign.id)
    downloads = session.execute(
        select(Partner.id, Partner.name, func.sum(R.kit_downloads))
        .join(Partner, Partner.id == R.partner_id)
        .where(*scope.of(R), R.kit_downloads > 0)
        .group_by(Partner.id, Partner.name)
        .order_by(func.sum(R.kit_downloads).desc(), Partner.name)
    ).all()
    kits = Table("kit_downloads", _l("Kit downloads by partner"), [_l("Partner"), _l("Kit downloads")])
    kits.rows = [[(name, pid), int(count)] for pid, name, count in downloads]
    tables = [_by_day(session, scope), *_named_splits(session, scope), kits]
    return Report(campaign.name, _totals(session, scope), tables)


# ---------------------------------------------------------------------------------------------- newsletter periods


def period_index(session: Session) -> Table:
    rows = session.execute(
        select(T.period, T.sent, T.delivered, T.unique_opens, T.unique_clicks, T.unsubscribes)
        .where(T.campaign_id == 0, T.period != "").order_by(T.period.desc())
    ).all()  # fmt: skip
    headers = [_l("Period"), _l("Sent"), _l("Unique opens"), _l("Unique clicks"), _l("Click rate"), _l("Unsubscribes")]
    table = Table("periods", _l("Newsletter periods"), headers)
    for period, sent, delivered, opens, clicks, unsubscribes in rows:
        table.rows.append([period, int(sent), int(opens), int(clicks), _rate(int(clicks), int(delivered) or int(sent)),
                           int(unsubscribes)])  # fmt: skip
    return table


def period_report(session: Session, period: str) -> Report:
    scope = Scope(0, period)
    items = session.execute(
        select(ContentRollup.key_id, func.sum(ContentRollup.sent), func.sum(ContentRollup.unique_opens),
               func.sum(ContentRollup.clicks), func.sum(ContentRollup.unique_clicks))
        .where(ContentRollup.dimension == ContentDimension.ITEM, ContentRollup.period == period)
        .group_by(ContentRollup.key_id).order_by(func.sum(ContentRollup.unique_clicks).desc())
    ).all()  # fmt: skip
    names = item_names(session, [row[0] for row in items])
    table = Table("items", _l("Items in this period's newsletters"), ITEM_HEADERS)
    table.rows = [[(names.get(key, "—"), key), *_item_figures(s, o, c, u)] for key, s, o, c, u in items]
    return Report(period, _totals(session, scope), [_by_day(session, scope), *_named_splits(session, scope), table])


# ---------------------------------------------------------------------------------------------- items and areas

ITEM_HEADERS = [_l("Item"), _l("Newsletters"), _l("Unique opens"), _l("Clicks"), _l("Unique clicks"),
                _l("Click-to-open")]  # fmt: skip


def _item_figures(sent: Any, opens: Any, clicks: Any, unique: Any) -> list[Any]:
    return [int(sent), int(opens), int(clicks), int(unique), _rate(int(unique), int(opens))]


def item_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    items = session.scalars(
        select(ContentItem).where(ContentItem.id.in_(list(ids))).options(selectinload(ContentItem.variants))
    )
    return {item.id: item.title for item in items}


def _content_totals(session: Session, dimension: ContentDimension) -> Select[Any]:
    C = ContentRollup
    return (
        select(C.key_id, func.sum(C.sent), func.sum(C.unique_opens), func.sum(C.clicks), func.sum(C.unique_clicks))
        .where(C.dimension == dimension)
        .group_by(C.key_id)
    )


def item_index(session: Session, limit: int = 50) -> Table:
    rows = session.execute(
        _content_totals(session, ContentDimension.ITEM)
        .order_by(func.sum(ContentRollup.unique_clicks).desc())
        .limit(limit)
    ).all()
    names = item_names(session, [row[0] for row in rows])
    table = Table("items", _l("Content items, most clicked first"), ITEM_HEADERS)
    table.rows = [[(names.get(key, "—"), key), *_item_figures(s, o, c, u)] for key, s, o, c, u in rows]
    return table


def item_report(session: Session, item: ContentItem) -> Report:
    C = ContentRollup
    rows = session.execute(
        select(C.period, func.sum(C.sent), func.sum(C.unique_opens), func.sum(C.clicks), func.sum(C.unique_clicks))
        .where(C.dimension == ContentDimension.ITEM, C.key_id == item.id)
        .group_by(C.period).order_by(C.period)
    ).all()  # fmt: skip
    table = Table("newsletters", _l("Every newsletter period it was in"), [_l("Period"), *ITEM_HEADERS[1:]])
    table.rows = [[period or "—", *_item_figures(s, o, c, u)] for period, s, o, c, u in rows]
    return Report(item.title, None, [table])


def area_index(session: Session, locale: str) -> Table:
    rows = {key: (s, o, c, u) for key, s, o, c, u in session.execute(_content_totals(session, ContentDimension.AREA))}
    table = Table("areas", _l("Interest areas"), [_l("Interest area"), *ITEM_HEADERS[1:]])
    for area in session.scalars(select(InterestArea).order_by(InterestArea.position, InterestArea.id)):
        table.rows.append([(area.name(locale), area.id),
                           *_item_figures(*rows.get(area.id, (0, 0, 0, 0)))])  # fmt: skip
    return table


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def area_report(session: Session, area: InterestArea, title: str) -> Report:
    C = ContentRollup
    rows = session.execute(
        select(C.day, func.sum(C.sent), func.sum(C.unique_opens), func.sum(C.clicks), func.sum(C.unique_clicks))
        .where(C.dimension == ContentDimension.AREA, C.key_id == area.id)
        .group_by(C.day).order_by(C.day)
    ).all()  # fmt: skip
    weeks: dict[dt.date, list[int]] = {}
    for day, s, o, c, u in rows:
        figures = weeks.setdefault(week_of(day), [0, 0, 0, 0])
        for n, value in enumerate((s, o, c, u)):
            figures[n] += int(value)
    table = Table("weeks", _l("Week by week"), [_l("Week of"), *ITEM_HEADERS[1:]])
    table.rows = [[week, *_item_figures(*figures)] for week, figures in sorted(weeks.items())]
    return Report(title, None, [table])


# ---------------------------------------------------------------------------------------------- partners


@dataclass(frozen=True)
class Moment:
    """One line of a partner's timeline: a day, who acted (we, they, their person) and what happened."""

    day: dt.date
    side: str  # "we", "they", "person"
    text: str


def partner_days(session: Session, partner_id: int, since: dt.date | None = None) -> Table:
    where = [R.campaign_id == 0, R.partner_id == partner_id]
    if since is not None:
        where.append(R.day >= since)
    rows = session.execute(
        select(R.day, func.sum(R.sent), func.sum(R.unique_opens), func.sum(R.clicks), func.sum(R.kit_downloads),
               func.sum(R.preference_changes), func.sum(R.portal_sign_ins), func.sum(R.unsubscribes),
               func.sum(R.opens))
        .where(*where).group_by(R.day).order_by(R.day.desc())
    ).all()  # fmt: skip
    table = Table("days", _l("Day by day"), [_l("Day"), _l("Sent"), _l("Unique opens"), _l("Clicks"),
                                              _l("Kit downloads"), _l("Preference changes"), _l("Portal sign-ins"),
                                              _l("Unsubscribes")])  # fmt: skip
    table.rows = [[day, *(int(v) for v in values[:7])] for day, *values in rows if any(values)]
    return table


def daily_points(session: Session, partner_id: int, since: dt.date) -> dict[dt.date, float]:
    """The score's points per day (the same weights as per event), from the roll-ups."""
    points = (
        R.opens * WEIGHTS_BY_METRIC["opens"] + R.clicks * WEIGHTS_BY_METRIC["clicks"]
        + R.kit_downloads * WEIGHTS_BY_METRIC["kit_downloads"]
        + R.preference_changes * WEIGHTS_BY_METRIC["preference_changes"]
        + R.portal_sign_ins * WEIGHTS_BY_METRIC["portal_sign_ins"]
    )  # fmt: skip
    rows = session.execute(
        select(R.day, func.sum(points))
        .where(R.campaign_id == 0, R.partner_id == partner_id, R.day >= since)
        .group_by(R.day)
    )
    return {day: float(value or 0) for day, value in rows}


WEIGHTS_BY_METRIC = {
    "opens": WEIGHTS[next(k for k in WEIGHTS if k.value == "open")],
    "clicks": WEIGHTS[next(k for k in WEIGHTS if k.value == "click")],
    "kit_downloads": WEIGHTS[next(k for k in WEIGHTS if k.value == "kit_download")],
    "preference_changes": WEIGHTS[next(k for k in WEIGHTS if k.value == "preference_change")],
    "portal_sign_ins": WEIGHTS[next(k for k in WEIGHTS if k.value == "portal_sign_in")],
}


def score_series(
    session: Session, partner_id: int, today: dt.date, half_life_days: int, days: int = 90
) -> list[tuple[dt.date, float]]:
    """The partner's score at the end of each of the last `days` days, rebuilt from the daily roll-ups
    (with ten half-lives of history before, so the first point is right to a thousandth)."""
    start = today - dt.timedelta(days=days - 1)
    warm_up = start - dt.timedelta(days=10 * half_life_days)
    points = daily_points(session, partner_id, warm_up)
    keep = 0.5 ** (1 / half_life_days)
    score, series, day = 0.0, [], warm_up
    while day <= today:
        score = score * keep + points.get(day, 0.0) * 0.5 ** (0.5 / half_life_days)
        if day >= start:
            series.append((day, score))
        day += dt.timedelta(days=1)
    return series


def partner_timeline(session: Session, partner: Partner, since: dt.date) -> list[Moment]:
    """What we sent, what they did, and when their person reached them: newest first."""
    moments: list[Moment] = []
    for day, sent, opens, clicks, downloads, preferences, sign_ins, unsubscribes in partner_days(
        session, partner.id, since
    ).rows:
        if sent:
            moments.append(Moment(day, "we", str(_l("%(count)s messages sent", count=sent))))
        did = [(opens, _l("opened")), (clicks, _l("clicked")), (downloads, _l("kit downloads")),
               (preferences, _l("preference changes")), (sign_ins, _l("portal sign-ins")),
               (unsubscribes, _l("unsubscribes"))]  # fmt: skip
        what = ", ".join(f"{count} {label}" for count, label in did if count)
        if what:
            moments.append(Moment(day, "they", what))
    for outreach in session.scalars(
        select(PartnerOutreach).where(PartnerOutreach.partner_id == partner.id, PartnerOutreach.happened_on >= since)
    ):
        who = outreach.user.name if outreach.user else str(_l("Their account manager"))
        moments.append(
            Moment(outreach.happened_on, "person", f"{who}: {outreach.channel.value} {outreach.note}".strip())
        )
    return sorted(moments, key=lambda m: (m.day, {"we": 0, "they": 1, "person": 2}[m.side]), reverse=True)


def last_outreach(session: Session, partner_ids: Sequence[int]) -> dict[int, PartnerOutreach]:
    if not partner_ids:
        return {}
    newest = (
        select(PartnerOutreach.partner_id, func.max(PartnerOutreach.id).label("id"))
        .where(PartnerOutreach.partner_id.in_(list(partner_ids)))
        .group_by(PartnerOutreach.partner_id)
        .subquery()
    )
    rows = session.scalars(select(PartnerOutreach).join(newest, newest.c.id == PartnerOutreach.id))
    return {row.partner_id: row for row in rows}
