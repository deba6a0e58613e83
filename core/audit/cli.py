"""`flask --app wsgi audit ...`: check the trail's hash chain, and apply the retention period by hand."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from core.audit.actors import COMMAND_LINE
from core.audit.trail import purge_expired, verify_chain
from core.db import current_db, utc_now

audit_cli = AppGroup("audit", help="The audit trail: verify its hash chain, purge old entries.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check every entry against its hash and the one before; exit 1 naming the first that does not match."""
    report = verify_chain(current_db().session)
    if report.first_break is not None:
        click.echo(f"The audit trail does not verify: {report.first_break} ({report.checked} entries fine before it).")
        raise SystemExit(1)
    click.echo(f"The audit trail verifies: {report.checked} entries, each matching its hash and the one before.")


@audit_cli.command("purge")
def purge_command() -> None:
    """Remove entries older than AUDIT_RETENTION_DAYS now (the scheduler does this every day)."""
    session = current_db().session
    days: int = current_app.config["CHANNELCAST"].audit_retention_days
    removed = purge_expired(session, utc_now(), days, actor=COMMAND_LINE)
    session.commit()
    click.echo(f"{removed} entries older than {days} days removed." if removed else "Nothing to remove.")
