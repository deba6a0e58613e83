"""CSV import of partners and contacts: checked whole, then written whole or not at all.

One row per contact; the partner columns create the partner the first time its name appears.
A partner is known by its name and country (the same name may exist in two countries); a row
without a country names the one partner of that name, if there is only one.
Every problem is reported with its row (as a spreadsheet numbers it: the header is row 1),
column and reason. Re-importing the same file changes nothing. Cells are stored exactly as
given (a name starting with `=` stays text); `core.csv_export` escapes them on the way out.

Writes are batched executemany of plain rows, not one ORM object per row: 100,000 rows in
well under a minute (see bench/import_contacts.py).
"""

from __future__ import annotations

import _csv
import csv
import gc
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from zoneinfo import available_timezones

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.audit import record
from core.auth.models import Role, User
from core.config import LOCALES
from core.db import utc_now
from core.mail.addresses import email_hash, normalise_email
from core.webhooks import emit_many
from subscribers.models import (
    ConsentRecord,
    ConsentSource,
    Contact,
    ContactStatus,
    DistributorTeam,
    Partner,
    PartnerType,
    Suppression,
    SuppressionReason,
    contact_interests,
)
from subscribers.programme.tiers import TierRules, change_tier
from subscribers.schedule import Frequency
from subscribers.suppression import STATUS_FOR_SUPPRESSION
from subscribers.webhooks import CONTACT_CREATED

BATCH = 1_000
CHUNK = 500
SNIFF_BYTES = 64 * 1024
MAX_ISSUES = 1_000  # enough to fix a file; more would only bury the first ones

# Our column -> header names people use for it (matched case-insensitively, `_` = space).
COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address"),
    "partner": ("partner", "company", "partner name"),
    "name": ("name", "contact name", "full name"),
    "job_role": ("job role", "role", "job title"),
    "locale": ("locale", "language"),
    "timezone": ("timezone", "time zone"),
    "frequency": ("frequency",),
    "weekday": ("weekday", "preferred weekday"),
    "hour": ("hour", "preferred hour"),
    "interests": ("interests", "interest areas", "topics"),
    "tier": ("tier", "partner tier"),
    "type": ("type", "partner type"),
    "subcategory": ("subcategory", "partner subcategory"),
    "country": ("country", "partner country"),
    "account_manager": ("account manager", "account manager email"),
    "distributor_team": ("distributor team", "distributor channel team", "channel team"),
}
REQUIRED = ("email", "partner")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COUNTRY_DEFAULTS = {
    "NL": ("nl", "Europe/Amsterdam"),
    "BE": ("nl", "Europe/Brussels"),
    "DE": ("de", "Europe/Berlin"),
    "AT": ("de", "Europe/Vienna"),
    "CH": ("de", "Europe/Zurich"),
    "FR": ("fr", "Europe/Paris"),
    "SE": ("sv", "Europe/Stockholm"),
    "PL": ("pl", "Europe/Warsaw"),
    "GB": ("en", "Europe/London"),
    "IE": ("en", "Europe/Dublin"),
    "US": ("en", "America/New_York"),
}
CONTACT_FIELDS = (
    "partner_id",
    "name",
    "job_role",
    "locale",
    "timezone",
    "frequency",
    "preferred_weekday",
    "preferred_hour",
)


CONTACTS = cast(Table, Contact.__table__)
CONSENT_RECORDS = cast(Table, ConsentRecord.__table__)


class ImportRefused(Exception):
    """The whole file cannot be read (too large, not UTF-8, no usable header)."""


@dataclass(frozen=True)
class ImportIssue:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool
    rows: int = 0
    partners_created: int = 0
    partners_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_unchanged: int = 0
    skipped_erased: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.ok else "were"
        lines = [
            f"{self.rows:,} rows read from {self.file_name}.",
            f"Partners: {self.partners_created:,} new, {self.partners_updated:,} updated ({verb} written).",
            f"Contacts: {self.contacts_created:,} new, {self.contacts_updated:,} updated, "
            f"{self.contacts_unchanged:,} unchanged ({verb} written).",
        ]
        if self.skipped_erased:
            lines.append(f"{self.skipped_erased:,} addresses were erased on request and are skipped.")
        if self.issues:
            lines.append(f"{len(self.issues):,} errors: nothing was imported. Fix them and run the import again.")
        elif self.dry_run:
            lines.append("Dry run: nothing was changed.")
        return "\n".join(lines)


# ---------------------------------------------------------------- reading the file


def check_size(size: int, limit_mb: int) -> None:
    if size > limit_mb * 1024 * 1024:
        raise ImportRefused(
            f"The file is {size / 1024 / 1024:,.0f} MB; imports take at most {limit_mb} MB "
            "(IMPORT_MAX_MB). Split it into smaller files."
        )


def read_file(path: Path, limit_mb: int) -> bytes:
    """The file's bytes, refusing an oversized file before reading any of it."""
    check_size(path.stat().st_size, limit_mb)
    return path.read_bytes()


def check_utf8(data: bytes) -> None:
    """UTF-8, with or without a byte-order mark; anything else is refused with where it broke."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise ImportRefused(
            f"The file is not UTF-8, at byte {offset} (line {line}). "
            "Save it as 'CSV UTF-8' (Excel) or choose UTF-8 when exporting, then import it again."
        ) from None


def _text_stream(data: bytes) -> io.TextIOWrapper:
    # newline="": the csv module sees every line break as written, so a quoted one stays in its
    # cell, and only \r and \n end a line (U+2028 and U+0085 are ordinary characters in a cell,
    # where str.splitlines() would split the row). Decoded as it is read: no second copy of the file.
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def _header_key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def sniff_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:SNIFF_BYTES].split("\n", 1)[0], delimiters=",;").delimiter
    except csv.Error:
        return ","


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _unclosed_quote(text: str, delimiter: str) -> int | None:
    """The offset of a quote that opens a cell and is never closed, in whole CSV records.

    The csv module's (non-strict) rules: a quote opens a cell only as its first character; inside,
    a doubled quote is a quote; after the closing quote, and in an unquoted cell, a quote is text.
    """
    cell_end = re.compile(f"[{re.escape(delimiter)}\r\n]")
    position = 0
    while position < len(text):
        if text[position] == '"':
            opening, position = position, position + 1
            while True:
                position = text.find('"', position)
                if position < 0:
                    return opening
                if not text.startswith('"', position + 1):
                    break
                position += 2
        match = cell_end.search(text, position)
        if match is None:
            return None
        position = match.end()
    return None


def _refuse_unclosed_quote(data: bytes, delimiter: str, first_line: int, last_line: int) -> None:
    """Refuse the file if its last record (from `first_line` to the end) ends inside a quoted cell.

    The csv module would quietly end the cell at the end of the file, taking every row after the
    quote into it; only the last record can be affected, so only it is read again.
    """
    record = "".join(itertools.islice(_text_stream(data), first_line - 1, None))
    opening = _unclosed_quote(record, delimiter)
    if opening is not None:
        raise ImportRefused(
            f"A quoted cell opens on line {first_line + _line_breaks(record[:opening])} and is never closed: "
            f'the file ends inside it (line {last_line}). Add the closing quote (") or remove the opening one, '
            "then import the file again."
        )


def _records(reader: _csv.Reader, data: bytes, delimiter: str) -> Iterator[list[str]]:
    """The file's records (a quoted line break does not end one), then the check of the last."""
    started = next_start = 1
    cells: list[str] = []
    for cells in reader:
        started, next_start = next_start, reader.line_num + 1
        yield cells
    # A cell left open runs to the end of the file, so it ends with the file's last character
    # (or is empty): only then is the last record worth reading again.
    if cells and (not cells[-1] or cells[-1][-1] == data[-4:].decode("utf-8", "ignore")[-1:]):
        _refuse_unclosed_quote(data, delimiter, started, reader.line_num)


def read_rows(
    data: bytes,
    delimiter: str | None,
    *,
    columns: dict[str, tuple[str, ...]] = COLUMNS,
    required: tuple[str, ...] = REQUIRED,
    what: str = "contact",
) -> tuple[dict[str, int], Iterator[list[str]]]:
    """Map our column names (`columns`: name -> header aliases) to positions in the header, and the
    data rows after it. Every importer reads its file here (contacts; certifications).

    Rows are records, as a spreadsheet counts them: one with a line break in a quoted cell is one.
    """
    stream = _text_stream(data)
    delimiter = delimiter or sniff_delimiter(stream.readline(SNIFF_BYTES))
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    records = _records(reader, data, delimiter)
    header = next(records, None)
    if not header:
        raise ImportRefused(f"The file is empty: it needs a header row and at least one {what}.")
    aliases = {alias: column for column, names in columns.items() for alias in names}
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = aliases.get(_header_key(name)) or aliases.get(_header_key(name).replace("-", " "))
        if column and column not in positions:
            positions[column] = index
    missing = [column for column in required if column not in positions]
    if missing:
        next(records, None)  # a header that runs to the end of the file in an open quote: say that instead
        raise ImportRefused(
            f"The header has no column for {', '.join(missing)} (found: {', '.join(header)}). "
            "Check the separator (--delimiter) and the header names."
        )
    return positions, records


# ---------------------------------------------------------------- checking the rows


PartnerKey = tuple[str, str]  # lower-case name, country ("" while a new partner's country is unknown)


@dataclass
class _PartnerPlan:
    name: str
    row: int
    values: dict[str, object]
    id: int | None = None
    country: str = ""


@dataclass
class _Lookups:
    tiers: tuple[str, ...]
    areas: dict[str, int]
    managers: dict[str, int]
    teams: dict[str, int]  # lower-case team name -> id
    partners: dict[PartnerKey, Partner]
    zones: set[str] = field(default_factory=available_timezones)
    countries: set[str] = field(default_factory=lambda: set(Locale("en").territories))

    def partner_keys(self, name: str) -> set[PartnerKey]:
        return {key for key in self.partners if key[0] == name}


class ImportRow:
    """One data row read by column name; problems go to the shared issue list."""

    def __init__(self, number: int, cells: list[str], positions: dict[str, int], issues: list[ImportIssue]) -> None:
        self.number, self.cells, self.positions, self.issues = number, cells, positions, issues

    def get(self, column: str) -> str:
        index = self.positions.get(column)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def has(self, column: str) -> bool:
        return bool(self.get(column))

    def error(self, column: str, reason: str) -> None:
        self.issues.append(ImportIssue(self.number, column, reason))


def _check_email(row: ImportRow) -> str | None:
    raw = row.get("email")
    if not raw:
        row.error("email", "is empty; every contact needs an email address")
        return None
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        row.error("email", f"{raw!r} is not a valid email address ({error})")
        return None
    return normalise_email(raw)


def _partner_values(row: ImportRow, lookups: _Lookups) -> dict[str, object]:
    values: dict[str, object] = {}
    if row.has("tier"):
        if row.get("tier").lower() not in lookups.tiers:
            row.error("tier", f"{row.get('tier')!r} is not a tier; use one of: {', '.join(lookups.tiers)}")
        values["tier"] = row.get("tier").lower()
    if row.has("type"):
        kinds = [kind.value for kind in PartnerType]
        if row.get("type").lower() not in kinds:
            row.error("type", f"{row.get('type')!r} is not a partner type; use one of: {', '.join(kinds)}")
        else:
            values["type"] = PartnerType(row.get("type").lower())
    if row.has("country") and row.get("country").upper() not in lookups.countries:
        row.error("country", f"{row.get('country')!r} is not a two-letter country code (e.g. NL, DE)")
    if row.has("subcategory"):
        values["subcategory"] = row.get("subcategory")
    values.update(_looked_after_by(row, lookups))
    return values


def _looked_after_by(row: ImportRow, lookups: _Lookups) -> dict[str, object]:
    """An account manager or a distributor team (never both: naming one clears the other)."""
    if row.has("account_manager") and row.has("distributor_team"):
        row.error("distributor_team", "a partner has an account manager or a distributor team, not both")
        return {}
    if row.has("account_manager"):
        manager = lookups.managers.get(normalise_email(row.get("account_manager")))
        if manager is None:
            row.error("account_manager", f"{row.get('account_manager')!r} is not an account manager's email")
        return {"account_manager_id": manager, "distributor_team_id": None}
    if row.has("distributor_team"):
        team = lookups.teams.get(row.get("distributor_team").lower())
        if team is None:
            row.error("distributor_team", f"{row.get('distributor_team')!r} is not a distributor team; "
                      "add it on the Distributor teams page first")  # fmt: skip
        return {"distributor_team_id": team, "account_manager_id": None, "backup_manager_id": None}
    return {}


def _partner_key(
    row: ImportRow, name: str, lookups: _Lookups, plans: dict[PartnerKey, _PartnerPlan]
) -> PartnerKey | None:
    """Name and country; without a country, the one partner (known or earlier in the file) of that name."""
    country = row.get("country").upper()
    if country:
        return name.lower(), country
    known = lookups.partner_keys(name.lower()) | {key for key in plans if key[0] == name.lower()}
    if len(known) > 1:
        where = ", ".join(sorted(key[1] for key in known if key[1]))
        row.error("country", f"is empty, and there is a partner {name!r} in {where}: say which country")
        return None
    return next(iter(known), (name.lower(), ""))


def _check_partner(row: ImportRow, lookups: _Lookups, plans: dict[PartnerKey, _PartnerPlan]) -> _PartnerPlan | None:
    name = row.get("partner")
    if not name:
        row.error("partner", "is empty; name the partner company")
        return None
    values = _partner_values(row, lookups)
    key = _partner_key(row, name, lookups, plans)
    if key is None:
        return None
    plan = plans.get(key)
    if plan is None:
        existing = lookups.partners.get(key)
        if existing is None:
            for column in ("tier", "type", "country"):
                if column not in values and not (column == "country" and key[1]):
                    row.error(column, f"is empty; {name!r} is a new partner and needs a {column}")
        plan = plans[key] = _PartnerPlan(existing.name if existing else name, row.number, values, country=key[1])
        plan.id = existing.id if existing else None
    else:
        for column, value in values.items():
            if plan.values.setdefault(column, value) != value:
                row.error(column, f"{value!s} differs from row {plan.row} for the same partner {name!r}")
    return plan


def _check_number(row: ImportRow, column: str, low: int, high: int, default: int, names: tuple[str, ...] = ()) -> int:
    raw = row.get(column).lower()
    if not raw:
        return default
    if raw in names:
        return names.index(raw)
    if raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    also = f" or a day name ({', '.join(names)})" if names else ""
    row.error(column, f"{row.get(column)!r} is not a number from {low} to {high}{also}")
    return default


def _check_contact(row: ImportRow, lookups: _Lookups, country: str) -> dict[str, object]:
    locale_default, zone_default = COUNTRY_DEFAULTS.get(country, ("en", "UTC"))
    locale = row.get("locale").lower() or locale_default
    if locale not in LOCALES:
        row.error("locale", f"{row.get('locale')!r} is not a language we write in; use one of: {', '.join(LOCALES)}")
    zone = row.get("timezone") or zone_default
    if zone not in lookups.zones:
        row.error("timezone", f"{zone!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    frequency = row.get("frequency").lower() or Frequency.MONTHLY.value
    if frequency not in {f.value for f in Frequency}:
        row.error("frequency", f"{row.get('frequency')!r} is not one of: {', '.join(f.value for f in Frequency)}")
        frequency = Frequency.MONTHLY.value
    return {
        "name": row.get("name"),
        "job_role": row.get("job_role"),
        "locale": locale,
        "timezone": zone,
        "frequency": Frequency(frequency),
        "preferred_weekday": _check_number(row, "weekday", 0, 6, 1, WEEKDAYS),
        "preferred_hour": _check_number(row, "hour", 0, 23, 9),
    }


def _check_interests(row: ImportRow, areas: dict[str, int]) -> frozenset[int] | None:
    if "interests" not in row.positions:
        return None
    slugs = [slug.strip().lower() for slug in row.get("interests").replace(",", "|").split("|") if slug.strip()]
    unknown = [slug for slug in slugs if slug not in areas]
    if unknown:
        row.error("interests", f"unknown interest area {', '.join(map(repr, unknown))}; use: {', '.join(areas)}")
    return frozenset(areas[slug] for slug in slugs if slug in areas)


@dataclass
class _ContactPlan:
    row: int
    email: str
    partner: _PartnerPlan
    values: dict[str, object]
    interests: frozenset[int] | None


def _check_rows(
    positions: dict[str, int], rows: Iterator[list[str]], lookups: _Lookups, report: ImportReport
) -> tuple[dict[PartnerKey, _PartnerPlan], list[_ContactPlan]]:
    plans: dict[PartnerKey, _PartnerPlan] = {}
    contacts: list[_ContactPlan] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        row = ImportRow(number, cells, positions, report.issues)
        email = _check_email(row)
        partner = _check_partner(row, lookups, plans)
        values = _check_contact(row, lookups, partner.country if partner else "")
        interests = _check_interests(row, lookups.areas)
        if email and email in first_row_of:
            row.error("email", f"{email} appears twice: also in row {first_row_of[email]}")
        elif email and partner:
            first_row_of[email] = number
            contacts.append(_ContactPlan(number, email, partner, values, interests))
        if len(report.issues) >= MAX_ISSUES:
            report.issues.append(ImportIssue(number, "-", f"stopped after {MAX_ISSUES} errors"))
            break
    return plans, contacts


# ---------------------------------------------------------------- writing


def _lookups(session: Session, tiers: tuple[str, ...]) -> _Lookups:
    areas: dict[str, int] = dict(
        session.execute(select(InterestArea.slug, InterestArea.id).where(InterestArea.is_active.is_(True)))
        .tuples()
        .all()
    )
    managers: dict[str, int] = dict(
        session.execute(select(User.email, User.id).where(User.role == Role.ACCOUNT_MANAGER)).tuples().all()
    )
    teams: dict[str, int] = {
        name.lower(): ident for name, ident in session.execute(select(DistributorTeam.name, DistributorTeam.id))
    }
    partners = {(partner.name.lower(), partner.country): partner for partner in session.scalars(select(Partner))}
    return _Lookups(tiers=tiers, areas=areas, managers=managers, teams=teams, partners=partners)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _existing_contacts(session: Session, emails: list[str]) -> dict[str, dict[str, object]]:
    """The stored values (and interest ids) of the contacts in the file that exist already."""
    columns = [Contact.id, Contact.email, *(getattr(Contact, name) for name in CONTACT_FIELDS)]
    by_id: dict[int, dict[str, object]] = {}
    for chunk in _chunks(emails):
        for row in session.execute(select(*columns).where(Contact.email.in_(chunk))):
            by_id[row.id] = {**row._mapping, "interests": set()}
    ids = list(by_id)
    for start in range(0, len(ids), CHUNK):
        statement = select(contact_interests.c.contact_id, contact_interests.c.interest_area_id).where(
            contact_interests.c.contact_id.in_(ids[start : start + CHUNK])
        )
        for contact_id, area_id in session.execute(statement):
            interests = by_id[contact_id]["interests"]
            assert isinstance(interests, set)
            interests.add(area_id)
    return {str(values["email"]): values for values in by_id.values()}


def _suppressions(session: Session, emails: list[str]) -> dict[str, SuppressionReason]:
    by_hash = {email_hash(email): email for email in emails}
    found: dict[str, SuppressionReason] = {}
    for chunk in _chunks(list(by_hash)):
        statement = select(Suppression.email_hash, Suppression.reason).where(Suppression.email_hash.in_(chunk))
        for key, reason in session.execute(statement):
            found[by_hash[key]] = reason
    return found


def _partner_changes(plan: _PartnerPlan, existing: Partner) -> dict[str, object]:
    return {name: value for name, value in plan.values.items() if getattr(existing, name) != value}


def _count_partners(plans: dict[PartnerKey, _PartnerPlan], lookups: _Lookups, report: ImportReport) -> None:
    for key, plan in plans.items():
        existing = lookups.partners.get(key)
        if existing is None:
            report.partners_created += 1
        elif _partner_changes(plan, existing):
            report.partners_updated += 1


def _write_partners(
    session: Session, plans: dict[PartnerKey, _PartnerPlan], lookups: _Lookups, rules: TierRules, file_name: str
) -> None:
    for key, plan in plans.items():
        existing = lookups.partners.get(key)
        if existing is None:
            locale = COUNTRY_DEFAULTS.get(plan.country, ("en", ""))[0]
            lookups.partners[key] = Partner(name=plan.name, country=plan.country, default_locale=locale, **plan.values)
            session.add(lookups.partners[key])
            continue
        changes = _partner_changes(plan, existing)
        tier = changes.pop("tier", None)
        for name, value in changes.items():
            setattr(existing, name, value)
        if isinstance(tier, str):  # like every change of tier: an upgrade now, a downgrade after notice
            change_tier(session, existing, tier, rules, reason=f"import of {file_name}")
    session.flush()
    for key, plan in plans.items():
        plan.id = lookups.partners[key].id


def _consent_rows(contact_ids: list[int], action: str, detail: str) -> list[dict[str, object]]:
    now = utc_now()
    return [
        {
            "contact_id": contact_id,
            "action": action,
            "source": ConsentSource.IMPORT,
            "detail": detail,
            "created_at": now,
        }
        for contact_id in contact_ids
    ]


def _insert_batches(session: Session, statement: object, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(statement, rows[start : start + BATCH])  # type: ignore[call-overload]


def _apply(session: Session, contacts: list[_ContactPlan], report: ImportReport) -> None:
    emails = [plan.email for plan in contacts]
    existing = _existing_contacts(session, emails)
    suppressed = _suppressions(session, [email for email in emails if email not in existing])
    now = utc_now()
    new_rows: list[dict[str, object]] = []
    new_interests: dict[str, frozenset[int]] = {}
    updates: list[dict[str, object]] = []
    interest_changes: dict[int, frozenset[int]] = {}
    for plan in contacts:
        wanted = {**plan.values, "partner_id": plan.partner.id}
        current = existing.get(plan.email)
        if current is None:
            reason = suppressed.get(plan.email)
            if reason is SuppressionReason.ERASED:
                report.skipped_erased += 1
                continue
            status = STATUS_FOR_SUPPRESSION.get(reason, ContactStatus.ACTIVE) if reason else ContactStatus.ACTIVE
            new_rows.append({**wanted, "email": plan.email, "status": status, "link_version": 1, "created_at": now})
            new_interests[plan.email] = plan.interests or frozenset()
            continue
        contact_id = int(str(current["id"]))
        changed = {name: value for name, value in wanted.items() if current[name] != value}
        if plan.interests is not None and plan.interests != current["interests"]:
            interest_changes[contact_id] = plan.interests
        if changed:
            updates.append({"contact_id": contact_id, **changed})
        if changed or contact_id in interest_changes:
            report.contacts_updated += 1
        else:
            report.contacts_unchanged += 1
    report.contacts_created = len(new_rows)
    if report.dry_run:
        return
    _write_contacts(session, new_rows, new_interests, updates, interest_changes, report.file_name)


def _write_contacts(
    session: Session,
    new_rows: list[dict[str, object]],
    new_interests: dict[str, frozenset[int]],
    updates: list[dict[str, object]],
    interest_changes: dict[int, frozenset[int]],
    file_name: str,
) -> None:
    table = CONTACTS
    ids: dict[str, int] = {}
    statement = insert(table).returning(table.c.id, table.c.email)
    for start in range(0, len(new_rows), BATCH):
        for contact_id, email in session.execute(statement, new_rows[start : start + BATCH]):
            ids[email] = contact_id
    links: list[dict[str, object]] = [
        {"contact_id": ids[email], "interest_area_id": area_id}
        for email, areas in new_interests.items()
        for area_id in areas
    ]
    for contact_id, areas in interest_changes.items():
        session.execute(contact_interests.delete().where(contact_interests.c.contact_id == contact_id))
        links.extend({"contact_id": contact_id, "interest_area_id": area_id} for area_id in areas)
    _insert_batches(session, insert(contact_interests), links)
    for start in range(0, len(updates), BATCH):
        batch = updates[start : start + BATCH]
        for columns in {tuple(sorted(row)) for row in batch}:
            same_shape = [row for row in batch if tuple(sorted(row)) == columns]
            values: dict[str, object] = {name: bindparam(name) for name in columns if name != "contact_id"}
            session.execute(
                update(table).where(table.c.id == bindparam("contact_id")).values(**values, updated_at=utc_now()),
                same_shape,
            )
    # Hook (h12-api): one webhook event per new contact, queued with the import's transaction.
    partner_of = {str(row["email"]): row["partner_id"] for row in new_rows}
    emit_many(
        session,
        CONTACT_CREATED,
        (
            {"contact_id": contact_id, "email": email, "partner_id": partner_of.get(email), "source": "import"}
            for email, contact_id in ids.items()
        ),
    )
    consent = _consent_rows(list(ids.values()), "subscribed", f"imported from {file_name}")
    changed_ids = sorted({int(str(row["contact_id"])) for row in updates} | set(interest_changes))
    consent += _consent_rows(changed_ids, "preferences", f"updated by import of {file_name}")
    _insert_batches(session, insert(CONSENT_RECORDS), consent)
    session.expire_all()


def _record_import(session: Session, report: ImportReport) -> None:
    counts = (
        f"{report.rows:,} rows; partners {report.partners_created:,} new, {report.partners_updated:,} updated; "
        f"contacts {report.contacts_created:,} new, {report.contacts_updated:,} updated, "
        f"{report.contacts_unchanged:,} unchanged; {report.skipped_erased:,} erased addresses skipped"
    )
    record(session, "contacts.import", object_type="import", object_id=None, object_label=report.file_name,
           detail=counts)  # fmt: skip


def import_contacts(
    session: Session,
    data: bytes,
    *,
    file_name: str,
    tiers: tuple[str, ...],
    delimiter: str | None = None,
    dry_run: bool = False,
    notice_days: int = 90,
) -> ImportReport:
    """Check every row; unless it is a dry run and if nothing is wrong, write everything (flushed)."""
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    check_utf8(data)
    positions, rows = read_rows(data, delimiter)
    lookups = _lookups(session, tiers)
    gc.freeze()  # many small objects that live to the end: spare the collector the rescans
    try:
        plans, contacts = _check_rows(positions, rows, lookups, report)
        if report.issues:
            return report
        _count_partners(plans, lookups, report)
        if not dry_run:
            rules = TierRules(tiers=tiers, notice_days=notice_days, today=utc_now().date())
            _write_partners(session, plans, lookups, rules, file_name)
        _apply(session, contacts, report)
        report.written = not dry_run
        if report.written:
            _record_import(session, report)
        return report
    finally:
        gc.unfreeze()
