"""`flask --app wsgi engagement count`: count new events into the roll-ups and scores now (the minute
job does the same; two at once are safe)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from campaigns.engagement.rollups import decay_partner_scores, refresh_baselines, roll_up
from core.db import Database, utc_now


@click.group("engagement")
def engagement_cli() -> None:
    """Engagement roll-ups and scores."""


@engagement_cli.command("count")
@with_appcontext
def count_command() -> None:
    """Count every event not counted yet, then carry partner scores to now."""
    database: Database = current_app.extensions["channelcast.db"]
    now = utc_now()
    with database.unit_of_work() as session:
        run = roll_up(session, now)
        decay_partner_scores(session, now)
        refresh_baselines(session, now.date())
    click.echo(str(run))
