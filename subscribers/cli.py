"""`flask --app wsgi contacts ...`: import, support links, export and erasure."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.db import current_db
from subscribers.importer import ImportRefused, import_contacts, read_file
from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import Contact
from subscribers.rights import erase_contact, export_contact
from subscribers.services import find_contact

contacts_cli = AppGroup("contacts", help="Partner contacts: import, support links, export and erasure.")


def _contact_or_fail(email: str) -> Contact:
    contact = find_contact(current_db().session, email)
    if contact is None:
        raise click.ClickException(f"No contact with the address {email}.")
    return contact


@contacts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; change nothing.")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=None, help="Default: detected from the header.")
def import_command(file: Path, dry_run: bool, delimiter: str | None) -> None:
    """Import partners and contacts from a UTF-8 CSV FILE: all rows, or none if any is wrong."""
    settings = current_app.config["CHANNELCAST"]
    session = current_db().session
    try:
        data = read_file(file, settings.import_max_mb)
        report = import_contacts(
            session, data, file_name=file.name, tiers=settings.partner_tiers, delimiter=delimiter, dry_run=dry_run
        )
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    for issue in report.issues:
        click.echo(str(issue), err=True)
    click.echo(report.summary())
    if not report.ok:
        session.rollback()
        raise SystemExit(1)
    if dry_run:
        session.rollback()
    else:
        session.commit()


@contacts_cli.command("link")
@click.argument("email")
def link_command(email: str) -> None:
    """Print the contact's current preference and unsubscribe links (for support by phone)."""
    contact = _contact_or_fail(email)
    click.echo(f"{contact.name or contact.email} ({contact.partner.name}), status: {contact.status.value}")
    click.echo(f"Preferences: {preference_url(contact)}")
    click.echo(f"Unsubscribe: {unsubscribe_url(contact)}")


@contacts_cli.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print everything held on the contact as JSON (data subject access request)."""
    contact = _contact_or_fail(email)
    document = export_contact(current_db().session, contact, current_app)
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@contacts_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email: str, yes: bool) -> None:
    """Delete the contact's personal data; keep only a hash so the address is never mailed again."""
    contact = _contact_or_fail(email)
    if not yes:
        click.confirm(f"Erase {contact.email} for good?", abort=True)
    session = current_db().session
    erase_contact(session, contact, current_app, source="cli")
    session.commit()
    click.echo(f"Erased {email}; the address stays on the suppression list as a hash.")
