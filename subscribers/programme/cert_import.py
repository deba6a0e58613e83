"""CSV import of certifications: the contacts importer's reader and its all-or-nothing rules.

One row per certificate: the person's email (a contact already imported), the competency (its
short name or English name), the certificate's name, the day earned and, optionally, the day it
expires (YYYY-MM-DD). Every row is checked first; any problem is reported with its row (the
header is row 1), column and reason, and then nothing is written. Re-importing the same file
changes nothing; a row that only moves an existing certificate's expiry day updates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from content.models import Competency
from core.audit import record
from core.display import LazyText, lazy_number, lazy_plural, lazy_text
from core.mail.addresses import normalise_email
from subscribers.importer import MAX_ISSUES, CsvReport, ImportRow, check_utf8, read_rows, too_many_issues
from subscribers.models import Contact
from subscribers.programme.certifications import NAME_MAX
from subscribers.programme.models import Certification

COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address"),
    "competency": ("competency", "competency area"),
    "certification": ("certification", "certificate", "certification name", "certificate name"),
    "earned_on": ("earned on", "earned", "date earned", "issued on"),
    "expires_on": ("expires on", "expires", "expiry date", "valid until"),
}
REQUIRED = ("email", "competency", "certification", "earned_on")
CertKey = tuple[int, int, str, dt.date]  # contact, competency, certificate name, earned on


@dataclass
class CertificationImportReport(CsvReport):
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count_lines(self) -> list[LazyText]:
        return [
            lazy_plural(
                "%(count)s row read: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                "%(count)s rows read: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                self.rows,
                count=lazy_number(self.rows),
                created=lazy_number(self.created),
                updated=lazy_number(self.updated),
                unchanged=lazy_number(self.unchanged),
            )
        ]


@dataclass(frozen=True)
class _Planned:
    key: CertKey
    expires_on: dt.date | None


def _date(row: ImportRow, column: str, *, required: bool) -> dt.date | None:
    text = row.get(column)
    if not text:
        if required:
            row.error(column, lazy_text("is empty; give the day as YYYY-MM-DD"))
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        row.error(
            column, lazy_text("%(value)s is not a date; write it as YYYY-MM-DD (e.g. 2026-03-31)", value=repr(text))
        )
        return None


def _check_row(
    row: ImportRow, contacts: dict[str, int], competencies: dict[str, int], today: dt.date
) -> _Planned | None:
    email = normalise_email(row.get("email"))
    contact_id = contacts.get(email) if email else None
    if not email:
        row.error("email", lazy_text("is empty; every certificate belongs to a contact's address"))
    elif contact_id is None:
        row.error("email", lazy_text("%(email)s is no contact here; import or add the contact first", email=email))
    competency_id = competencies.get(row.get("competency").lower())
    if competency_id is None:
        names = ", ".join(sorted(competencies)[:20])
        row.error(
            "competency",
            lazy_text(
                "%(value)s is not a competency; use one of: %(choices)s",
                value=repr(row.get("competency")),
                choices=names,
            ),
        )
    name = " ".join(row.get("certification").split())
    if not name:
        row.error("certification", lazy_text("is empty; give the certificate's name"))
    elif len(name) > NAME_MAX:
        row.error(
            "certification",
            lazy_text(
                "is %(length)s characters long; at most %(limit)s",
                length=lazy_number(len(name)),
                limit=lazy_number(NAME_MAX),
            ),
        )
    earned_on = _date(row, "earned_on", required=True)
    expires_on = _date(row, "expires_on", required=False)
    if earned_on is not None and earned_on > today:
        row.error("earned_on", lazy_text("%(day)s is in the future", day=earned_on.isoformat()))
    if earned_on is not None and expires_on is not None and expires_on < earned_on:
        row.error(
            "expires_on",
            lazy_text(
                "%(day)s is before the day it was earned (%(earned)s)",
                day=expires_on.isoformat(),
                earned=earned_on.isoformat(),
            ),
        )
    if contact_id is None or competency_id is None or not name or earned_on is None:
        return None
    return _Planned((contact_id, competency_id, name, earned_on), expires_on)


def _lookups(session: Session) -> dict[str, int]:
    competencies: dict[str, int] = {}
    for competency in session.scalars(select(Competency)):
        competencies[competency.slug.lower()] = competency.id
        competencies.setdefault(competency.name("en").lower(), competency.id)
    return competencies


def _contacts(session: Session, emails: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        rows = session.execute(select(Contact.email, Contact.id).where(Contact.email.in_(chunk)))
        found.update(dict(rows.tuples().all()))
    return found


def _check_rows(
    session: Session,
    positions: dict[str, int],
    rows: Iterator[list[str]],
    report: CertificationImportReport,
    today: dt.date,
) -> list[_Planned]:
    records = [(number, cells) for number, cells in enumerate(rows, start=2) if any(cell.strip() for cell in cells)]
    email_at = positions["email"]
    contacts = _contacts(session, {normalise_email(c[email_at]) for _n, c in records if email_at < len(c)} - {""})
    competencies = _lookups(session)
    planned: list[_Planned] = []
    first_row_of: dict[CertKey, int] = {}
    for number, cells in records:
        report.rows += 1
        row = ImportRow(number, cells, positions, report.issues)
        plan = _check_row(row, contacts, competencies, today)
        if plan is not None and plan.key in first_row_of:
            row.error(
                "certification",
                lazy_text("the same certificate appears twice: also in row %(row)s", row=first_row_of[plan.key]),
            )
        elif plan is not None:
            first_row_of[plan.key] = number
            planned.append(plan)
        if len(report.issues) >= MAX_ISSUES:
            report.issues.append(too_many_issues(number))
            break
    return planned


def _existing(session: Session, planned: list[_Planned]) -> dict[CertKey, Certification]:
    keys = [plan.key for plan in planned]
    found: dict[CertKey, Certification] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        columns = tuple_(
            Certification.contact_id, Certification.competency_id, Certification.name, Certification.earned_on
        )
        for certification in session.scalars(select(Certification).where(columns.in_(chunk))):
            found[(certification.contact_id, certification.competency_id, certification.name,
                   certification.earned_on)] = certification  # fmt: skip
    return found


def import_certifications(
    session: Session,
    data: bytes,
    *,
    file_name: str,
    today: dt.date,
    delimiter: str | None = None,
    dry_run: bool = False,
) -> CertificationImportReport:
    """Check every row; unless it is a dry run and if nothing is wrong, write everything (flushed).

    Raises `subscribers.importer.ImportRefused` for a file that cannot be read at all.
    """
    report = CertificationImportReport(file_name=file_name, dry_run=dry_run)
    check_utf8(data)
    empty = lazy_text("The file is empty: it needs a header row and at least one certificate.")
    positions, rows = read_rows(data, delimiter, columns=COLUMNS, required=REQUIRED, empty=empty)
    planned = _check_rows(session, positions, rows, report, today)
    if report.issues:
        return report
    existing = _existing(session, planned)
    for plan in planned:
        known = existing.get(plan.key)
        if known is None:
            report.created += 1
        elif known.expires_on != plan.expires_on:
            report.updated += 1
        else:
            report.unchanged += 1
        if dry_run:
            continue
        if known is None:
            contact_id, competency_id, name, earned_on = plan.key
            session.add(Certification(contact_id=contact_id, competency_id=competency_id, name=name,
                                      earned_on=earned_on, expires_on=plan.expires_on))  # fmt: skip
        else:
            known.expires_on = plan.expires_on
    if not dry_run:
        session.flush()
        report.written = True
        record(
            session, "certifications.import", object_type="import", object_id=None, object_label=file_name,
            detail=f"{report.rows:,} rows; {report.created:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged",
        )  # fmt: skip
    return report
