"""Tailored newsletters (digests): when a contact is due, what they get, one render per edition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.db import current_db, utc_now
from core.scheduler import register_tick

digest_cli = AppGroup("digest", help="Newsletters: run an assembly tick by hand, preview a contact's next one.")


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return utc_now()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time, e.g. 2026-03-03T09:00+01:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-03-03T09:00Z or 2026-03-03T09:00+01:00")
    return moment.astimezone(dt.UTC)


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    """`K/N` (1 <= K <= N) as the 0-based (index, count) the assembly takes."""
    if not value:
        return None
    number, _, count = value.partition("/")
    if not (number.isdigit() and count.isdigit() and 1 <= int(number) <= int(count)):
        raise click.BadParameter(f"{value!r} is not K/N with 1 <= K <= N, e.g. 1/3", param_hint="--shard")
    return int(number) - 1, int(count)


@digest_cli.command("run")
@click.option("--now", "now_text", help="Assemble as if it were this moment (ISO 8601 with a zone).")
@click.option("--batch-size", default=1000, show_default=True, help="Contacts per batch (one commit each).")
@click.option(
    "--shard", "shard_text", help="Only part K of N (contacts by id modulo N), e.g. 2/3 on the second of 3 machines."
)
def run_command(now_text: str | None, batch_size: int, shard_text: str | None) -> None:
    """Queue every newsletter due now (what the scheduler does each minute), or one shard of them."""
    from campaigns.digests.assembly import AssemblyReport, assemble_digests
    from subscribers.models import Contact

    now = _parse_now(now_text)
    shard = _parse_shard(shard_text)
    session = current_db().session
    total = session.scalar(select(func.count(Contact.id))) or 0
    if shard is not None:
        total = session.scalar(select(func.count(Contact.id)).where(Contact.id % shard[1] == shard[0])) or 0
    with click.progressbar(length=total, label="Assembling newsletters") as bar:

        def advance(report: AssemblyReport) -> None:
            bar.update(report.contacts_seen - bar.pos)

        report = assemble_digests(
            session,
            now,
            app=current_app._get_current_object(),  # type: ignore[attr-defined]
            batch_size=batch_size,
            on_batch=advance,
            shard=shard,
        )
    click.echo(str(report))


@digest_cli.command("tick")
@click.option("--now", "now_text", help="Tick as if it were this moment (ISO 8601 with a zone).")
@click.option("--batch-size", default=1000, show_default=True, help="Contacts per batch (one commit each).")
def tick_command(now_text: str | None, batch_size: int) -> None:
    """The scheduler's newsletter tick: plan a run in DIGEST_SHARDS shards, work on shards until none is left."""
    from campaigns.digests.shards import run_newsletter_shards

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = run_newsletter_shards(current_db().session, app, _parse_now(now_text), batch_size=batch_size)
    click.echo(str(report))


@digest_cli.command("preview")
@click.argument("email")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
def preview_command(email: str, out: Path) -> None:
    """Write the contact's next newsletter as EMAIL.html and EMAIL.txt."""
    from campaigns.digests.preview import preview_next_digest
    from subscribers.services import find_contact

    session = current_db().session
    contact = find_contact(session, email)
    if contact is None:
        raise click.ClickException(f"No contact with the email {email}.")
    preview = preview_next_digest(session, current_app._get_current_object(), contact, utc_now())  # type: ignore[attr-defined]
    if preview.when is None:
        raise click.ClickException(f"{contact.email} gets no newsletters ({contact.status.value}).")
    if preview.is_empty:
        click.echo(f"Next newsletter {preview.when:%Y-%m-%d %H:%M} UTC: nothing new, so no email would be sent.")
        return
    out.mkdir(parents=True, exist_ok=True)
    stem = contact.email.replace("@", "_at_")
    (out / f"{stem}.html").write_text(preview.html)
    (out / f"{stem}.txt").write_text(preview.text)
    click.echo(f"Next newsletter {preview.when:%Y-%m-%d %H:%M} UTC, {len(preview.items)} items: {preview.subject}")
    click.echo(f"Wrote {out / stem}.html and .txt")


def init_app(app: Flask) -> None:
    from campaigns.digests.routes import bp
    from campaigns.digests.shards import newsletter_tick

    app.register_blueprint(bp)
    app.cli.add_command(digest_cli)
    register_tick(app, "newsletters", newsletter_tick)
