"""Platform commands: `db` (migrations), `demo`, `scheduler`, `dev` (server + scheduler) and `mail`."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from core import migrate
from core.db import current_db
from core.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SEED, demo_steps, load_demo
from core.mail.cli import mail_cli
from core.scheduler import run_blocking, run_ticks, start_in_background

db_cli = AppGroup("db", help="Database migrations (Alembic).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    migrate.upgrade(current_db().engine, revision)
    click.echo(f"Database at {_current()}.")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Migrate down to REVISION (default: one step; `base` empties the database)."""
    migrate.downgrade(current_db().engine, revision)
    click.echo(f"Database at {_current()}.")


@db_cli.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one."""
    click.echo(f"current: {_current()}\nhead:    {migrate.head_revision()}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does, e.g. 'add contacts'.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.revision(current_db().engine, message)


def _current() -> str:
    with current_db().engine.connect() as connection:
        return migrate.current_revision(connection) or "base (empty)"


@click.command("demo")
@with_appcontext
@click.option("--seed", default=DEMO_SEED, show_default=True, help="Same seed, same data.")
@click.option("--force", is_flag=True, help="Allow loading demo data when APP_ENV=production.")
def demo_command(seed: int, force: bool) -> None:
    """Load demo data (idempotent: data already there is left alone)."""
    if current_app.config["CHANNELCAST"].is_production and not force:
        raise click.ClickException("APP_ENV is production; demo data would mix with real data (use --force).")
    database = current_db()
    for line in load_demo(database.session, demo_steps(current_app), seed=seed):
        click.echo(f"  {line}")
    database.session.commit()
    click.echo(f"Demo ready. Sign in as {DEMO_ADMIN_EMAIL} with the password {DEMO_PASSWORD}")


@click.command("scheduler")
@with_appcontext
@click.option("--once", is_flag=True, help="Run one tick and exit (for cron or a check).")
def scheduler_command(once: bool) -> None:
    """Run the scheduler: one process per installation, ticking every minute."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        outcomes = run_ticks(app)
        for name, outcome in outcomes.items():
            click.echo(f"{name}: {outcome}")
        click.echo(f"Tick done ({len(outcomes)} jobs); heartbeat written.")
        return
    run_blocking(app)


@click.command("dev")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--reload/--no-reload", default=False, help="Restart on code changes.")
def dev_command(host: str, port: int, reload: bool) -> None:
    """Development server with the scheduler running in the same process."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # With the reloader, the code runs in a child process; start the scheduler only there.
    if not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        start_in_background(app)
    click.echo(f"Channelcast on http://{host}:{port}  (scheduler ticking every minute; Ctrl+C stops)")
    # Flask refuses app.run() inside its own CLI; serve through Werkzeug directly.
    run_simple(host, port, app, use_reloader=reload, use_debugger=reload, threaded=True)


def init_app(app: Flask) -> None:
    for command in (db_cli, demo_command, scheduler_command, dev_command, mail_cli):
        app.cli.add_command(command)
