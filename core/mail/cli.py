"""`flask --app wsgi mail ...`: what an operator needs to set up sending mail."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from core.config import Settings
from core.mail.dkim import DkimSigner

mail_cli = AppGroup("mail", help="Mail set-up: DNS records to publish.")


@mail_cli.command("dkim-record")
def dkim_record() -> None:
    """Print the DNS TXT record that publishes the DKIM public key."""
    settings: Settings = current_app.config["CHANNELCAST"]
    signer = DkimSigner.from_settings(settings.dkim)
    if signer is None:
        raise click.ClickException(
            "DKIM is not set up: set DKIM_SELECTOR, DKIM_DOMAIN and DKIM_PRIVATE_KEY_FILE (see the README)."
        )
    click.echo(f"Publish this TXT record in the DNS zone of {signer.domain}:\n")
    click.echo(f"  name:  {signer.record_name()}")
    click.echo(f"  value: {signer.record_value()}\n")
    click.echo("As a zone-file line (the value split into strings of at most 255 characters):\n")
    click.echo(signer.zone_line())
