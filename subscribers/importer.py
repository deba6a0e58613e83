"""CSV import of partners and contacts: checked whole, then written whole or not at all.

One row per contact; the partner columns create the partner the first time its name appears.
A partner is known by its name and country (the same name may exist in two countries); a row
without a country names the one partner of that name, if there is only one.
Every problem is reported with its row (as a spreadsheet numbers it: the header is row 1),
column and reason. Re-importing the same file changes nothing. Cells are stored exactly as
given (a name starting with `=` stays text); `core.csv_export` escapes them on the way out.

Writes are batched executemany of plain rows, not one ORM object per row: 100,000 rows in
well under a minute (see bench/import_contacts.py).

Every message a person reads (a row's problem, a refused file, the summary) is a lazy string: it
is translated, and its counts formatted, when the page shows it, in the page's language; outside
a request (the CLI) it reads in English.
"""

from __future__ import annotations

import _csv
import csv
import gc
import io
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
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
from core.display import LazyText, lazy_number, lazy_plural, lazy_text
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


# What a person reads: plain text, or a lazy string translated when it is shown.
Message = str | LazyText


class ImportRefused(Exception):
    """The whole file cannot be read (too large, not UTF-8, no usable header).

    Its message is lazy: `str(error)` reads in the language of the request it is shown in."""


@dataclass(frozen=True)
class ImportIssue:
    row: int
    column: str  # our column name (the header names people use for it: COLUMNS), never translated
    reason: Message

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass
class CsvReport:
    """What every CSV import reports: rows read, problems, and whether anything was written.

    `summary_lines()` is the one wording of it, for the page (lazy strings, in the page's language)
    and the CLI (`summary()`, in English)."""

    file_name: str
    dry_run: bool
    rows: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.issues

    def count_lines(self) -> list[LazyText]:
        """What the file would change, or did; each importer says it in its own words."""
        raise NotImplementedError

    def summary_lines(self) -> list[LazyText]:
        lines = self.count_lines()
        if self.issues:
            lines.append(
                lazy_plural(
                    "%(count)s error: nothing was imported. Fix it and run the import again.",
                    "%(count)s errors: nothing was imported. Fix them and run the import again.",
                    len(self.issues),
                    count=lazy_number(len(self.issues)),
                )
            )
        elif self.dry_run:
            lines.append(lazy_text("Dry run: nothing was changed."))
        return lines

    def summary(self) -> str:
        return "\n".join(str(line) for line in self.summary_lines())


@dataclass
class ImportReport(CsvReport):
    partners_created: int = 0
    partners_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_unchanged: int = 0
    skipped_erased: int = 0

    def count_lines(self) -> list[LazyText]:
        partners = {"created": lazy_number(self.partners_created), "updated": lazy_number(self.partners_updated)}
        contacts = {
            "created": lazy_number(self.contacts_created),
            "updated": lazy_number(self.contacts_updated),
            "unchanged": lazy_number(self.contacts_unchanged),
        }
        lines = [
            lazy_plural(
                "%(count)s row read from %(file)s.",
                "%(count)s rows read from %(file)s.",
                self.rows,
                count=lazy_number(self.rows),
                file=self.file_name,
            )
        ]
        if self.written:
            lines.append(lazy_text("Partners: %(created)s new, %(updated)s updated (were written).", **partners))
            lines.append(
                lazy_text(
                    "Contacts: %(created)s new, %(updated)s updated, %(unchanged)s unchanged (were written).",
                    **contacts,
                )
            )
        else:
            lines.append(lazy_text("Partners: %(created)s new, %(updated)s updated (would be written).", **partners))
            lines.append(
                lazy_text(
                    "Contacts: %(created)s new, %(updated)s updated, %(unchanged)s unchanged (would be written).",
                    **contacts,
                )
            )
        if self.skipped_erased:
            lines.append(
                lazy_plural(
                    "%(count)s address was erased on request and is skipped.",
                    "%(count)s addresses were erased on request and are skipped.",
                    self.skipped_erased,
                    count=lazy_number(self.skipped_erased),
                )
            )
        return lines


# ---------------------------------------------------------------- reading the file

EMPTY_FILE = lazy_text("The file is empty: it needs a header row and at least one contact.")


def check_size(size: int, limit_mb: int) -> None:
    if size > limit_mb * 1024 * 1024:
        raise ImportRefused(
            lazy_text(
                "The file is %(size)s MB; imports take at most %(limit)s MB (IMPORT_MAX_MB). "
                "Split it into smaller files.",
                size=lazy_number(round(size / 1024 / 1024)),
                limit=lazy_number(limit_mb),
            )
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
            lazy_text(
                "The file is not UTF-8, at byte %(byte)s (line %(line)s). "
                "Save it as 'CSV UTF-8' (Excel) or choose UTF-8 when exporting, then import it again.",
                byte=offset,
                line=line,
            )
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
            lazy_text(
                "A quoted cell opens on line %(line)s and is never closed: the file ends inside it "
                '(line %(last)s). Add the closing quote (") or remove the opening one, then import the file again.',
                line=first_line + _line_breaks(record[:opening]),
                last=last_line,
            )
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
    empty: Message = EMPTY_FILE,
) -> tuple[dict[str, int], Iterator[list[str]]]:
    """Map our column names (`columns`: name -> header aliases) to positions in the header, and the
    data rows after it. Every importer reads its file here (contacts; certifications); `empty` is
    what a file without a header is told.

    Rows are records, as a spreadsheet counts them: one with a line break in a quoted cell is one.
    """
    stream = _text_stream(data)
    delimiter = delimiter or sniff_delimiter(stream.readline(SNIFF_BYTES))
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    records = _records(reader, data, delimiter)
    header = next(records, None)
    if not header:
        raise ImportRefused(empty)
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
            lazy_text(
                "The header has no column for %(missing)s (found: %(found)s). "
                "Check the separator (--delimiter) and the header names.",
                missing=", ".join(missing),
                found=", ".join(header),
            )
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


@cache
def known_zones() -> frozenset[str]:
    """The IANA zones (read from the tz database once: it takes tens of milliseconds)."""
    return frozenset(available_timezones())


@cache
def known_countries() -> frozenset[str]:
    return frozenset(Locale("en").territories)


@dataclass
class Lookups:
    tiers: tuple[str, ...]
    areas: dict[str, int]
    managers: dict[str, int]
    teams: dict[str, int]  # lower-case team name -> id
    partners: dict[PartnerKey, Partner]
    zones: frozenset[str] = field(default_factory=lambda: known_zones())
    countries: frozenset[str] = field(default_factory=lambda: known_countries())

    def partner_keys(self, name: str) -> set[PartnerKey]:
        return {key for key in self.partners if key[0] == name}


class ImportRow:
    """One data row read by column name; problems go to the shared issue list."""

    def __init__(self, number: int, cells: list[str], positions: dict[str, int], issues: list[ImportIssue]) -> None:
        self.number, self.cells, self.positions, self.issues = number, cells, positions, issues

    @classmethod
    def from_values(cls, number: int, values: Mapping[str, str], issues: list[ImportIssue]) -> ImportRow:
        """A row that did not come from a file (an API request's row): its columns are the keys given."""
        return cls(number, list(values.values()), {column: index for index, column in enumerate(values)}, issues)

    def get(self, column: str) -> str:
        index = self.positions.get(column)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def has(self, column: str) -> bool:
        return bool(self.get(column))

    def error(self, column: str, reason: Message) -> None:
        self.issues.append(ImportIssue(self.number, column, reason))


def too_many_issues(row: int) -> ImportIssue:
    """The last issue of a file with too many: the first MAX_ISSUES are enough to fix it."""
    return ImportIssue(row, "-", lazy_text("stopped after %(count)s errors", count=lazy_number(MAX_ISSUES)))


def check_email(row: ImportRow) -> str | None:
    raw = row.get("email")
    if not raw:
        row.error("email", lazy_text("is empty; every contact needs an email address"))
        return None
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        row.error(
            "email",
            lazy_text("%(value)s is not a valid email address (%(reason)s)", value=repr(raw), reason=str(error)),
        )
        return None
    return normalise_email(raw)


def partner_values(row: ImportRow, lookups: Lookups) -> dict[str, object]:
    values: dict[str, object] = {}
    if row.has("tier"):
        if row.get("tier").lower() not in lookups.tiers:
            row.error(
                "tier",
                lazy_text(
                    "%(value)s is not a tier; use one of: %(choices)s",
                    value=repr(row.get("tier")),
                    choices=", ".join(lookups.tiers),
                ),
            )
        values["tier"] = row.get("tier").lower()
    if row.has("type"):
        kinds = [kind.value for kind in PartnerType]
        if row.get("type").lower() not in kinds:
            row.error(
                "type",
                lazy_text(
                    "%(value)s is not a partner type; use one of: %(choices)s",
                    value=repr(row.get("type")),
                    choices=", ".join(kinds),
                ),
            )
        else:
            values["type"] = PartnerType(row.get("type").lower())
    if row.has("country") and row.get("country").upper() not in lookups.countries:
        row.error(
            "country",
            lazy_text("%(value)s is not a two-letter country code (e.g. NL, DE)", value=repr(row.get("country"))),
        )
    if row.has("subcategory"):
        values["subcategory"] = row.get("subcategory")
    values.update(_looked_after_by(row, lookups))
    return values


def _looked_after_by(row: ImportRow, lookups: Lookups) -> dict[str, object]:
    """An account manager or a distributor team (never both: naming one clears the other)."""
    if row.has("account_manager") and row.has("distributor_team"):
        row.error("distributor_team", lazy_text("a partner has an account manager or a distributor team, not both"))
        return {}
    if row.has("account_manager"):
        manager = lookups.managers.get(normalise_email(row.get("account_manager")))
        if manager is None:
            row.error(
                "account_manager",
                lazy_text("%(value)s is not an account manager's email", value=repr(row.get("account_manager"))),
            )
        return {"account_manager_id": manager, "distributor_team_id": None}
    if row.has("distributor_team"):
        team = lookups.teams.get(row.get("distributor_team").lower())
        if team is None:
            row.error(
                "distributor_team",
                lazy_text(
                    "%(value)s is not a distributor team; add it on the Distributor teams page first",
                    value=repr(row.get("distributor_team")),
                ),
            )
        return {"distributor_team_id": team, "account_manager_id": None, "backup_manager_id": None}
    return {}


def _partner_key(
    row: ImportRow, name: str, lookups: Lookups, plans: dict[PartnerKey, _PartnerPlan]
) -> PartnerKey | None:
    """Name and country; without a country, the one partner (known or earlier in the file) of that name."""
    country = row.get("country").upper()
    if country:
        return name.lower(), country
    known = lookups.partner_keys(name.lower()) | {key for key in plans if key[0] == name.lower()}
    if len(known) > 1:
        where = ", ".join(sorted(key[1] for key in known if key[1]))
        row.error(
            "country",
            lazy_text(
                "is empty, and there is a partner %(name)s in %(countries)s: say which country",
                name=repr(name),
                countries=where,
            ),
        )
        return None
    return next(iter(known), (name.lower(), ""))


def _check_partner(row: ImportRow, lookups: Lookups, plans: dict[PartnerKey, _PartnerPlan]) -> _PartnerPlan | None:
    name = row.get("partner")
    if not name:
        row.error("partner", lazy_text("is empty; name the partner company"))
        return None
    values = partner_values(row, lookups)
    key = _partner_key(row, name, lookups, plans)
    if key is None:
        return None
    plan = plans.get(key)
    if plan is None:
        existing = lookups.partners.get(key)
        if existing is None:
            for column in NEW_PARTNER_NEEDS:
                if column not in values and not (column == "country" and key[1]):
                    row.error(column, _needed_by_new_partner(column, repr(name)))
        plan = plans[key] = _PartnerPlan(existing.name if existing else name, row.number, values, country=key[1])
        plan.id = existing.id if existing else None
    else:
        for column, value in values.items():
            if plan.values.setdefault(column, value) != value:
                row.error(
                    column,
                    lazy_text(
                        "%(value)s differs from row %(row)s for the same partner %(name)s",
                        value=str(value),
                        row=plan.row,
                        name=repr(name),
                    ),
                )
    return plan


NEW_PARTNER_NEEDS = ("tier", "type", "country")


def _needed_by_new_partner(column: str, name: str) -> LazyText:
    """What an empty column of a new partner is told (a whole sentence each, for the translators)."""
    if column == "tier":
        return lazy_text("is empty; %(name)s is a new partner and needs a tier", name=name)
    if column == "type":
        return lazy_text("is empty; %(name)s is a new partner and needs a type", name=name)
    return lazy_text("is empty; %(name)s is a new partner and needs a country", name=name)


def _check_number(row: ImportRow, column: str, low: int, high: int, default: int, names: tuple[str, ...] = ()) -> int:
    raw = row.get(column).lower()
    if not raw:
        return default
    if raw in names:
        return names.index(raw)
    if raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    value, low_, high_ = repr(row.get(column)), lazy_number(low), lazy_number(high)
    if names:
        row.error(
            column,
            lazy_text(
                "%(value)s is not a number from %(low)s to %(high)s or a day name (%(names)s)",
                value=value,
                low=low_,
                high=high_,
                names=", ".join(names),
            ),
        )
    else:
        row.error(
            column, lazy_text("%(value)s is not a number from %(low)s to %(high)s", value=value, low=low_, high=high_)
        )
    return default


# A contact's columns as the values they set (what a row leaves out keeps its value, with only_given).
CONTACT_COLUMNS = {
    "name": "name", "job_role": "job_role", "locale": "locale", "timezone": "timezone", "frequency": "frequency",
    "preferred_weekday": "weekday", "preferred_hour": "hour",
}  # fmt: skip


def check_contact(row: ImportRow, lookups: Lookups, country: str, *, only_given: bool = False) -> dict[str, object]:
    """The contact's values; with `only_given`, only those of the columns the row has (an update
    through the API changes what it names, where a file's row is the whole contact)."""
    values = _contact_values(row, lookups, country)
    if only_given:
        return {name: value for name, value in values.items() if CONTACT_COLUMNS[name] in row.positions}
    return values


def _contact_values(row: ImportRow, lookups: Lookups, country: str) -> dict[str, object]:
    locale_default, zone_default = COUNTRY_DEFAULTS.get(country, ("en", "UTC"))
    locale = row.get("locale").lower() or locale_default
    if locale not in LOCALES:
        row.error(
            "locale",
            lazy_text(
                "%(value)s is not a language we write in; use one of: %(choices)s",
                value=repr(row.get("locale")),
                choices=", ".join(LOCALES),
            ),
        )
    zone = row.get("timezone") or zone_default
    if zone not in lookups.zones:
        row.error("timezone", lazy_text("%(value)s is not an IANA time zone (e.g. Europe/Amsterdam)", value=repr(zone)))
    frequency = row.get("frequency").lower() or Frequency.MONTHLY.value
    if frequency not in {f.value for f in Frequency}:
        row.error(
            "frequency",
            lazy_text(
                "%(value)s is not one of: %(choices)s",
                value=repr(row.get("frequency")),
                choices=", ".join(f.value for f in Frequency),
            ),
        )
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


def check_interests(row: ImportRow, areas: dict[str, int]) -> frozenset[int] | None:
    if "interests" not in row.positions:
        return None
    slugs = [slug.strip().lower() for slug in row.get("interests").replace(",", "|").split("|") if slug.strip()]
    unknown = [slug for slug in slugs if slug not in areas]
    if unknown:
        row.error(
            "interests",
            lazy_plural(
                "unknown interest area %(values)s; use: %(choices)s",
                "unknown interest areas %(values)s; use: %(choices)s",
                len(unknown),
                values=", ".join(map(repr, unknown)),
                choices=", ".join(areas),
            ),
        )
    return frozenset(areas[slug] for slug in slugs if slug in areas)


@dataclass
class _ContactPlan:
    row: int
    email: str
    partner: _PartnerPlan
    values: dict[str, object]
    interests: frozenset[int] | None


def _check_rows(
    positions: dict[str, int], rows: Iterator[list[str]], lookups: Lookups, report: ImportReport
) -> tuple[dict[PartnerKey, _PartnerPlan], list[_ContactPlan]]:
    plans: dict[PartnerKey, _PartnerPlan] = {}
    contacts: list[_ContactPlan] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        row = ImportRow(number, cells, positions, report.issues)
        email = check_email(row)
        partner = _check_partner(row, lookups, plans)
        values = check_contact(row, lookups, partner.country if partner else "")
        interests = check_interests(row, lookups.areas)
        if email and email in first_row_of:
            row.error(
                "email", lazy_text("%(email)s appears twice: also in row %(row)s", email=email, row=first_row_of[email])
            )
        elif email and partner:
            first_row_of[email] = number
            contacts.append(_ContactPlan(number, email, partner, values, interests))
        if len(report.issues) >= MAX_ISSUES:
            report.issues.append(too_many_issues(number))
            break
    return plans, contacts


# ---------------------------------------------------------------- writing


def load_lookups(session: Session, tiers: tuple[str, ...], *, with_partners: bool = True) -> Lookups:
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
    partners = (
        {(partner.name.lower(), partner.country): partner for partner in session.scalars(select(Partner))}
        if with_partners
        else {}
    )
    return Lookups(tiers=tiers, areas=areas, managers=managers, teams=teams, partners=partners)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def stored_contacts(session: Session, ids: list[int]) -> dict[int, dict[str, object]]:
    """The stored values (and interest ids) of these contacts, by id."""
    columns = [Contact.id, Contact.email, Contact.external_id, *(getattr(Contact, name) for name in CONTACT_FIELDS)]
    by_id: dict[int, dict[str, object]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in session.execute(select(*columns).where(Contact.id.in_(ids[start : start + CHUNK]))):
            by_id[row.id] = {**row._mapping, "interests": set()}
    found = list(by_id)
    for start in range(0, len(found), CHUNK):
        statement = select(contact_interests.c.contact_id, contact_interests.c.interest_area_id).where(
            contact_interests.c.contact_id.in_(found[start : start + CHUNK])
        )
        for contact_id, area_id in session.execute(statement):
            interests = by_id[contact_id]["interests"]
            assert isinstance(interests, set)
            interests.add(area_id)
    return by_id


def contact_ids_by_email(session: Session, emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(emails):
        found.update(session.execute(select(Contact.email, Contact.id).where(Contact.email.in_(chunk))).tuples().all())
    return found


def suppressions_of(session: Session, emails: list[str]) -> dict[str, SuppressionReason]:
    by_hash = {email_hash(email): email for email in emails}
    found: dict[str, SuppressionReason] = {}
    for chunk in _chunks(list(by_hash)):
        statement = select(Suppression.email_hash, Suppression.reason).where(Suppression.email_hash.in_(chunk))
        for key, reason in session.execute(statement):
            found[by_hash[key]] = reason
    return found


def _partner_changes(plan: _PartnerPlan, existing: Partner) -> dict[str, object]:
    return {name: value for name, value in plan.values.items() if getattr(existing, name) != value}


def _count_partners(plans: dict[PartnerKey, _PartnerPlan], lookups: Lookups, report: ImportReport) -> None:
    for key, plan in plans.items():
        existing = lookups.partners.get(key)
        if existing is None:
            report.partners_created += 1
        elif _partner_changes(plan, existing):
            report.partners_updated += 1


def _write_partners(
    session: Session, plans: dict[PartnerKey, _PartnerPlan], lookups: Lookups, rules: TierRules, file_name: str
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


@dataclass(frozen=True)
class ConsentNote:
    """How the consent log names a batch of writes: source, words, and the API token that made them."""

    source: ConsentSource
    added: str  # the detail of a new contact's "subscribed"
    changed: str  # the detail of a changed contact's "preferences"
    api_token_id: int | None = None


def _consent_rows(contact_ids: list[int], action: str, detail: str, note: ConsentNote) -> list[dict[str, object]]:
    now = utc_now()
    return [
        {
            "contact_id": contact_id,
            "action": action,
            "source": note.source,
            "detail": detail,
            "api_token_id": note.api_token_id,
            "created_at": now,
        }
        for contact_id in contact_ids
    ]


def _insert_batches(session: Session, statement: object, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(statement, rows[start : start + BATCH])  # type: ignore[call-overload]


@dataclass
class ContactTarget:
    """A contact as a row wants it: new (`contact_id` None) or an existing one; `values` are columns to set."""

    email: str
    values: dict[str, object]
    interests: frozenset[int] | None  # None: leave the interests as they are
    contact_id: int | None = None


@dataclass
class ContactWrites:
    """What writing a batch of targets will do; nothing is written until `write_contacts`."""

    new_rows: list[dict[str, object]] = field(default_factory=list)
    new_interests: dict[str, frozenset[int]] = field(default_factory=dict)
    updates: list[dict[str, object]] = field(default_factory=list)
    interest_changes: dict[int, frozenset[int]] = field(default_factory=dict)
    changed_ids: set[int] = field(default_factory=set)
    skipped_erased: int = 0
    unchanged: int = 0


def plan_contact_writes(session: Session, targets: list[ContactTarget]) -> ContactWrites:
    """Compare each target with what is stored: a row that changes nothing is left out entirely."""
    stored = stored_contacts(session, [target.contact_id for target in targets if target.contact_id is not None])
    suppressed = suppressions_of(session, [target.email for target in targets if target.contact_id is None])
    writes, now = ContactWrites(), utc_now()
    for target in targets:
        current = stored.get(target.contact_id) if target.contact_id is not None else None
        if current is None:
            reason = suppressed.get(target.email)
            if reason is SuppressionReason.ERASED:
                writes.skipped_erased += 1
                continue
            status = STATUS_FOR_SUPPRESSION.get(reason, ContactStatus.ACTIVE) if reason else ContactStatus.ACTIVE
            writes.new_rows.append(
                {**target.values, "email": target.email, "status": status, "link_version": 1, "created_at": now}
            )
            writes.new_interests[target.email] = target.interests or frozenset()
            continue
        contact_id = int(str(current["id"]))
        changed = {name: value for name, value in target.values.items() if current[name] != value}
        if target.interests is not None and target.interests != current["interests"]:
            writes.interest_changes[contact_id] = target.interests
        if changed:
            writes.updates.append({"contact_id": contact_id, **changed})
        if changed or contact_id in writes.interest_changes:
            writes.changed_ids.add(contact_id)
        else:
            writes.unchanged += 1
    return writes


def _apply(session: Session, contacts: list[_ContactPlan], report: ImportReport) -> None:
    ids = contact_ids_by_email(session, [plan.email for plan in contacts])
    targets = [
        ContactTarget(plan.email, {**plan.values, "partner_id": plan.partner.id}, plan.interests, ids.get(plan.email))
        for plan in contacts
    ]
    writes = plan_contact_writes(session, targets)
    report.contacts_created, report.contacts_updated = len(writes.new_rows), len(writes.changed_ids)
    report.contacts_unchanged, report.skipped_erased = writes.unchanged, writes.skipped_erased
    if report.dry_run:
        return
    note = ConsentNote(
        ConsentSource.IMPORT, f"imported from {report.file_name}", f"updated by import of {report.file_name}"
    )
    write_contacts(session, writes, note)


def write_contacts(session: Session, writes: ContactWrites, note: ConsentNote) -> dict[str, int]:
    """Insert, update and log a planned batch (executemany, flushed); returns the new contacts' ids by address."""
    table = CONTACTS
    ids: dict[str, int] = {}
    statement = insert(table).returning(table.c.id, table.c.email)
    for start in range(0, len(writes.new_rows), BATCH):
        for contact_id, email in session.execute(statement, writes.new_rows[start : start + BATCH]):
            ids[email] = contact_id
    links: list[dict[str, object]] = [
        {"contact_id": ids[email], "interest_area_id": area_id}
        for email, areas in writes.new_interests.items()
        for area_id in areas
    ]
    for contact_id, areas in writes.interest_changes.items():
        session.execute(contact_interests.delete().where(contact_interests.c.contact_id == contact_id))
        links.extend({"contact_id": contact_id, "interest_area_id": area_id} for area_id in areas)
    _insert_batches(session, insert(contact_interests), links)
    for start in range(0, len(writes.updates), BATCH):
        batch = writes.updates[start : start + BATCH]
        for columns in {tuple(sorted(row)) for row in batch}:
            same_shape = [row for row in batch if tuple(sorted(row)) == columns]
            values: dict[str, object] = {name: bindparam(name) for name in columns if name != "contact_id"}
            session.execute(
                update(table).where(table.c.id == bindparam("contact_id")).values(**values, updated_at=utc_now()),
                same_shape,
            )
    # Hook (h12-api): one webhook event per new contact, queued with the batch's transaction.
    partner_of = {str(row["email"]): row["partner_id"] for row in writes.new_rows}
    emit_many(
        session,
        CONTACT_CREATED,
        (
            {"contact_id": contact_id, "email": email, "partner_id": partner_of.get(email), "source": note.source.value}
            for email, contact_id in ids.items()
        ),
    )
    consent = _consent_rows(list(ids.values()), "subscribed", note.added, note)
    consent += _consent_rows(sorted(writes.changed_ids), "preferences", note.changed, note)
    _insert_batches(session, insert(CONSENT_RECORDS), consent)
    session.expire_all()
    return ids


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
    lookups = load_lookups(session, tiers)
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
