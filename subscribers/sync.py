"""Partners and contacts upserted by an integration (a CRM, a PRM): one row, or up to 1,000 at once.

Rows are checked with the CSV importer's rules (`subscribers.importer`: tiers, types, countries,
account managers, distributor teams, addresses, languages, time zones, rhythms, interest areas),
and every problem comes back as the importer reports it: row, column, reason. If any row has one,
nothing is written. A row that changes nothing writes nothing: no consent record, no audit entry,
no new `updated_at`.

- A partner is known by its `external_id`; the first sync of a partner made earlier (by hand, by a
  CSV file) finds it by name and country, if it has no external id yet, and adopts it.
- A contact is known by its `external_id`, else by its address. An address names one contact:
  a row whose external id and address name two different contacts is refused.

Contacts are written in batches (the importer's writer, with source `api` and the calling token in
the consent log); partners through the ORM, one audit entry each. A batch of contacts that changed
something leaves one audit entry with its counts, as an import does.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import current_actor, record
from core.mail.addresses import normalise_email
from subscribers.audit import partner_scope, record_partner
from subscribers.importer import (
    COUNTRY_DEFAULTS,
    ConsentNote,
    ContactTarget,
    ImportIssue,
    ImportRow,
    Lookups,
    Message,
    check_contact,
    check_email,
    check_interests,
    load_lookups,
    partner_values,
    plan_contact_writes,
    suppressions_of,
    write_contacts,
)
from subscribers.models import ConsentSource, Contact, Partner, SuppressionReason

MAX_ROWS = 1_000
# The importer's column names where the API's fields are called otherwise.
API_FIELD = {"weekday": "preferred_weekday", "hour": "preferred_hour"}
PARTNER_COLUMNS = ("tier", "type", "subcategory", "country", "account_manager", "distributor_team")
CONTACT_COLUMNS = ("email", "name", "job_role", "locale", "timezone", "frequency", "weekday", "hour", "interests")


class RowOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class SyncResult:
    """Per row (in the order sent): what happened and the id of the resource; or the issues, nothing written."""

    outcomes: list[RowOutcome] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    def count(self, outcome: RowOutcome) -> int:
        return self.outcomes.count(outcome)


def _cells(row: Mapping[str, Any], columns: Sequence[str]) -> dict[str, str]:
    """A row's given values as the importer reads them: text, with a list of slugs as `a|b`."""
    source = {**row, "weekday": row.get("preferred_weekday"), "hour": row.get("preferred_hour")}
    cells: dict[str, str] = {}
    for column in columns:
        value = source.get(column)
        if value is None and (column not in row or column in ("weekday", "hour")):
            continue
        cells[column] = "|".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return cells


def _issue(row: int, column: str, reason: Message) -> ImportIssue:
    return ImportIssue(row, API_FIELD.get(column, column), reason)


def _api_issues(issues: list[ImportIssue]) -> list[ImportIssue]:
    return [_issue(issue.row, issue.column, issue.reason) for issue in issues]


def _first_rows(rows: Sequence[Mapping[str, Any]], key: str, issues: list[ImportIssue]) -> None:
    """A key (an external id, an address) given twice in one request: the later row is refused."""
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        value = row.get(key)
        if not value:
            continue
        value = normalise_email(value) if key == "email" else value
        if value in seen:
            issues.append(_issue(index, key, f"{value} appears twice: also in row {seen[value]}"))
        else:
            seen[value] = index


# ------------------------------------------------------------------------------------------- partners


@dataclass
class _PartnerRow:
    index: int
    partner: Partner | None
    values: dict[str, object]


def _partners_by_external_id(session: Session, ids: list[str]) -> dict[str, Partner]:
    found: dict[str, Partner] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            {
                p.external_id: p
                for p in session.scalars(select(Partner).where(Partner.external_id.in_(chunk)))
                if p.external_id
            }
        )
    return found


def _check_partner_row(
    index: int, row: Mapping[str, Any], lookups: Lookups, known: dict[str, Partner], issues: list[ImportIssue]
) -> _PartnerRow:
    own: list[ImportIssue] = []
    cells = ImportRow.from_values(index, _cells(row, PARTNER_COLUMNS), own)
    values = partner_values(cells, lookups)
    partner = known.get(row["external_id"])
    name = " ".join(str(row.get("name") or "").split())
    country = str(row.get("country") or (partner.country if partner else "")).upper()
    if name:
        values["name"] = name
    if row.get("country"):
        values["country"] = country
    if row.get("default_locale"):
        values["default_locale"] = row["default_locale"]
    if partner is None:
        same_name = lookups.partners.get((name.lower(), country))
        if same_name is not None and same_name.external_id is None:
            partner = same_name  # made before the CRM synced: adopt it
        for column in ("name", "tier", "type", "country"):
            if partner is None and not row.get(column):
                own.append(
                    _issue(index, column, f"is empty; {row['external_id']!r} is a new partner and needs a {column}")
                )
    target_name = str(values.get("name", partner.name if partner else name))
    holder = lookups.partners.get((target_name.lower(), country))
    if holder is not None and holder is not partner and target_name:
        own.append(
            _issue(
                index,
                "name",
                f"there is already a partner {holder.name!r} in {country} "
                f"(id {holder.id}); a name is unique in its country",
            )
        )
    issues.extend(_api_issues(own))
    return _PartnerRow(index, partner, values)


def _partner_changes(partner: Partner, values: Mapping[str, object]) -> dict[str, tuple[object, object]]:
    return {name: (getattr(partner, name), value) for name, value in values.items() if getattr(partner, name) != value}


def _write_partner(session: Session, planned: _PartnerRow, external_id: str) -> tuple[Partner, RowOutcome]:
    if planned.partner is None:
        country = str(planned.values["country"])
        locale = planned.values.get("default_locale") or COUNTRY_DEFAULTS.get(country, ("en", ""))[0]
        partner = Partner(external_id=external_id, **{**planned.values, "default_locale": locale})
        session.add(partner)
        session.flush()
        record_partner(
            session,
            "partner.create",
            partner,
            changes={k: (None, v) for k, v in planned.values.items()},
            detail="through the API",
        )
        return partner, RowOutcome.CREATED
    partner = planned.partner
    changes = _partner_changes(partner, {**planned.values, "external_id": external_id})
    if not changes:
        return partner, RowOutcome.UNCHANGED
    for name, (_old, new) in changes.items():
        setattr(partner, name, new)
    session.flush()
    record_partner(session, "partner.update", partner, changes=changes, detail="through the API")
    return partner, RowOutcome.UPDATED


def upsert_partners(session: Session, rows: Sequence[Mapping[str, Any]], *, tiers: tuple[str, ...]) -> SyncResult:
    """Create or update each row's partner (by `external_id`); all of them, or none when a row is wrong."""
    result = SyncResult()
    _first_rows(rows, "external_id", result.issues)
    lookups = load_lookups(session, tiers)
    known = _partners_by_external_id(session, [str(row["external_id"]) for row in rows])
    planned = [_check_partner_row(index, row, lookups, known, result.issues) for index, row in enumerate(rows)]
    _same_name_twice(planned, result.issues)
    if result.issues:
        result.issues.sort(key=lambda issue: issue.row)
        return result
    for plan, row in zip(planned, rows, strict=True):
        partner, outcome = _write_partner(session, plan, str(row["external_id"]))
        result.outcomes.append(outcome)
        result.ids.append(partner.id)
    return result


def _same_name_twice(planned: list[_PartnerRow], issues: list[ImportIssue]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for plan in planned:
        name = str(plan.values.get("name", plan.partner.name if plan.partner else "")).lower()
        country = str(plan.values.get("country", plan.partner.country if plan.partner else ""))
        if not name:
            continue
        if (name, country) in seen:
            issues.append(_issue(plan.index, "name", f"the same name and country as row {seen[(name, country)]}"))
        else:
            seen[(name, country)] = plan.index


# ------------------------------------------------------------------------------------------- contacts


@dataclass
class _ContactRow:
    index: int
    target: ContactTarget | None


@dataclass(frozen=True)
class _Known:
    """A stored contact, as much as checking a row needs (plain columns: a bulk loads 1,000 of them)."""

    id: int
    email: str
    external_id: str | None
    country: str  # its partner's


KnownContacts = tuple[dict[str, _Known], dict[str, _Known]]


def _known_contacts(session: Session, rows: Sequence[Mapping[str, Any]]) -> KnownContacts:
    """The contacts the rows name, by external id and by (normalised) address."""
    external = [str(row["external_id"]) for row in rows if row.get("external_id")]
    emails = [normalise_email(str(row["email"])) for row in rows if row.get("email")]
    by_external: dict[str, _Known] = {}
    by_email: dict[str, _Known] = {}
    columns = select(Contact.id, Contact.email, Contact.external_id, Partner.country).join(Partner)
    for start in range(0, max(len(external), len(emails)), 500):
        statement = columns.where(
            Contact.external_id.in_(external[start : start + 500]) | Contact.email.in_(emails[start : start + 500])
        )
        for ident, email, external_id, country in session.execute(statement):
            known = _Known(ident, email, external_id, country)
            by_email[email] = known
            if external_id:
                by_external[external_id] = known
    return by_external, by_email


def _known_partners(session: Session, rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, str]]:
    """`id:<n>` and `ext:<external id>` -> (partner id, country), for the partners the rows name."""
    ids = {int(row["partner_id"]) for row in rows if row.get("partner_id")}
    external = {str(row["partner_external_id"]) for row in rows if row.get("partner_external_id")}
    statement = select(Partner.id, Partner.external_id, Partner.country).where(
        Partner.id.in_(ids) | Partner.external_id.in_(external)
    )
    found: dict[str, tuple[int, str]] = {}
    for ident, external_id, country in session.execute(statement):
        found[f"id:{ident}"] = (ident, country)
        if external_id:
            found[f"ext:{external_id}"] = (ident, country)
    return found


def _contact_of(
    index: int, row: Mapping[str, Any], email: str | None, known: KnownContacts
) -> tuple[_Known | None, list[ImportIssue]]:
    by_external, by_email = known
    external_id = row.get("external_id")
    contact = by_external.get(external_id) if external_id else None
    holder = by_email.get(email) if email else None
    if contact is not None and holder is not None and holder is not contact:
        return None, [
            _issue(
                index,
                "email",
                f"{email} is the address of another contact (id {holder.id}) than "
                f"external_id {external_id!r} (id {contact.id})",
            )
        ]
    if contact is not None and email and contact.email != email:
        return None, [
            _issue(
                index,
                "email",
                f"external_id {external_id!r} is the contact with address "
                f"{contact.email}; an address is changed in the admin",
            )
        ]
    if contact is None and holder is not None and external_id and holder.external_id not in (None, external_id):
        return None, [_issue(index, "external_id", f"{email} is the contact with external_id {holder.external_id!r}")]
    return contact or holder, []


def _partner_of(
    index: int, row: Mapping[str, Any], contact: _Known | None, partners: dict[str, tuple[int, str]]
) -> tuple[int | None, str, list[ImportIssue]]:
    """The partner id the row asks for (None: keep the contact's), the country for defaults, issues."""
    if row.get("partner_id"):
        found = partners.get(f"id:{row['partner_id']}")
        if found is None:
            return None, "", [_issue(index, "partner_id", f"there is no partner {row['partner_id']}")]
        return found[0], found[1], []
    if row.get("partner_external_id"):
        found = partners.get(f"ext:{row['partner_external_id']}")
        if found is None:
            return (
                None,
                "",
                [
                    _issue(
                        index,
                        "partner_external_id",
                        f"there is no partner with external_id {row['partner_external_id']!r}",
                    )
                ],
            )
        return found[0], found[1], []
    if contact is None:
        return (
            None,
            "",
            [_issue(index, "partner_id", "is empty; a new contact needs partner_id or partner_external_id")],
        )
    return None, contact.country, []


def _check_contact_row(
    index: int,
    row: Mapping[str, Any],
    lookups: Lookups,
    known: KnownContacts,
    partners: dict[str, tuple[int, str]],
    issues: list[ImportIssue],
) -> _ContactRow:
    own: list[ImportIssue] = []
    cells = ImportRow.from_values(index, _cells(row, CONTACT_COLUMNS), own)
    email = _checked_email(cells, row, known)
    contact, problems = _contact_of(index, row, email, known)
    partner_id, country, more = _partner_of(index, row, contact, partners)
    values = check_contact(cells, lookups, country, only_given=contact is not None)
    interests = check_interests(cells, lookups.areas)
    if contact is None and not row.get("email"):
        own.append(ImportIssue(index, "email", "is empty; a new contact needs an email address"))
    issues.extend(_api_issues(own) + problems + more)
    if own or problems or more:
        return _ContactRow(index, None)
    if partner_id is not None:
        values["partner_id"] = partner_id
    if row.get("external_id"):
        values["external_id"] = row["external_id"]
    address = contact.email if contact is not None else str(email)
    return _ContactRow(index, ContactTarget(address, values, interests, contact.id if contact else None))


def _checked_email(cells: ImportRow, row: Mapping[str, Any], known: KnownContacts) -> str | None:
    """The row's address, normalised and checked by the importer's rule; one that is, exactly, a stored
    contact's address passed that rule when it was stored (a repeat sync skips the check)."""
    if "email" not in cells.positions:
        return None
    raw = str(row["email"])
    return raw if raw in known[1] else check_email(cells)


def _refuse_erased(planned: list[_ContactRow], session: Session, issues: list[ImportIssue]) -> None:
    new = [plan for plan in planned if plan.target is not None and plan.target.contact_id is None]
    reasons = suppressions_of(session, [plan.target.email for plan in new if plan.target is not None])
    for plan in new:
        if plan.target is not None and reasons.get(plan.target.email) is SuppressionReason.ERASED:
            issues.append(
                _issue(plan.index, "email", "this address was erased at the person's request; it cannot be added again")
            )


def upsert_contacts(
    session: Session, rows: Sequence[Mapping[str, Any]], *, tiers: tuple[str, ...], token_label: str
) -> SyncResult:
    """Create or update each row's contact; all of them, or none when a row is wrong. Flushed, not committed."""
    result = SyncResult()
    _first_rows(rows, "external_id", result.issues)
    _first_rows(rows, "email", result.issues)
    lookups = load_lookups(session, tiers, with_partners=False)
    known, partners = _known_contacts(session, rows), _known_partners(session, rows)
    planned = [_check_contact_row(i, row, lookups, known, partners, result.issues) for i, row in enumerate(rows)]
    _refuse_erased(planned, session, result.issues)
    if result.issues:
        result.issues.sort(key=lambda issue: issue.row)
        return result
    targets = [plan.target for plan in planned if plan.target is not None]
    writes = plan_contact_writes(session, targets)
    actor = current_actor()
    note = ConsentNote(
        ConsentSource.API,
        f"added through the API by {token_label}",
        f"changed through the API by {token_label}",
        actor.id if actor.kind == "api_token" else None,
    )
    new_ids = write_contacts(session, writes, note)
    for target in targets:
        if target.contact_id is None:
            result.outcomes.append(RowOutcome.CREATED)
            result.ids.append(new_ids[target.email])
        else:
            changed = target.contact_id in writes.changed_ids
            result.outcomes.append(RowOutcome.UPDATED if changed else RowOutcome.UNCHANGED)
            result.ids.append(target.contact_id)
    _record_batch(session, result, targets)
    return result


def _record_batch(session: Session, result: SyncResult, targets: list[ContactTarget]) -> None:
    """One audit entry for the batch, as an import leaves one; none when nothing changed."""
    created, updated = result.count(RowOutcome.CREATED), result.count(RowOutcome.UPDATED)
    if not created and not updated:
        return
    counts = (
        f"{len(targets):,} rows; {created:,} new, {updated:,} updated, {result.count(RowOutcome.UNCHANGED):,} unchanged"
    )
    if len(targets) == 1:
        partner_id = session.scalar(select(Contact.partner_id).where(Contact.id == result.ids[0]))
        action = "contact.create" if created else "contact.update"
        record(
            session,
            action,
            object_type="contact",
            object_id=result.ids[0],
            detail=f"through the API: {counts}",
            scope=partner_scope(partner_id) if partner_id else None,
        )
        return
    record(
        session,
        "contacts.api_upsert",
        object_type="import",
        object_id=None,
        object_label="API bulk upsert",
        detail=counts,
    )
