"""`flask --app wsgi contacts ...`: import, support links, export and erasure."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core.config import LOCALES
from core.db import current_db
from core.mail.addresses import normalise_email
from subscribers.audit import record_contact
from subscribers.importer import ImportRefused, import_contacts, read_file
from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import Contact, Partner, PartnerUser
from subscribers.portal import create_partner_user, deactivate_partner_user
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
            session,
            data,
            file_name=file.name,
            tiers=settings.partner_tiers,
            delimiter=delimiter,
            dry_run=dry_run,
            notice_days=settings.tier_downgrade_notice_days,
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
    record_contact(current_db().session, "contact.links_shown", contact)
    current_db().session.commit()
    click.echo(f"{contact.name or contact.email} ({contact.partner.name}), status: {contact.status.value}")
    click.echo(f"Preferences: {preference_url(contact)}")
    click.echo(f"Unsubscribe: {unsubscribe_url(contact)}")


@contacts_cli.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print everything held on the contact as JSON (data subject access request)."""
    contact = _contact_or_fail(email)
    document = export_contact(current_db().session, contact, current_app)
    current_db().session.commit()  # the export's audit entry
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


portal_cli = AppGroup("portal-users", help="Partner marketers who sign in to the partner portal.")


@portal_cli.command("add")
@click.option("--partner", "partner_id", type=int, required=True, help="The partner's id.")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--locale", type=click.Choice(LOCALES), default=None, help="Default: the partner's language.")
def add_portal_user(partner_id: int, email: str, name: str, locale: str | None) -> None:
    """Let a partner marketer sign in to the portal (with a magic link sent to EMAIL)."""
    session = current_db().session
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise click.ClickException(f"No partner with id {partner_id}.")
    if session.scalar(select(PartnerUser.id).where(PartnerUser.email == normalise_email(email))) is not None:
        raise click.ClickException(f"{email} is already a portal user.")
    user = create_partner_user(session, partner, email, name=name, locale=locale or "")
    session.commit()
    click.echo(f"{user.email} can now sign in at /portal/sign-in for {partner.name}.")


@portal_cli.command("deactivate")
@click.argument("email")
def deactivate_portal_user(email: str) -> None:
    """Stop a partner marketer signing in (their current session ends at once)."""
    session = current_db().session
    user = session.scalar(select(PartnerUser).where(PartnerUser.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No portal user with the address {email}.")
    deactivate_partner_user(session, user)
    session.commit()
    click.echo(f"{user.email} can no longer sign in.")
