"""`flask --app wsgi worker [--concurrency N] [--drain]`: the processes that empty the outbox."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import time
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from campaigns.delivery.worker import Worker, WorkerOptions, WorkerStats
from core.config import Settings
from core.db import Database
from core.mail.transports import transport_from_settings
from core.webhooks import SenderThread, send_options


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_worker(app: Flask, *, drain: bool) -> WorkerStats:
    """One worker in this process until SIGTERM/SIGINT (after its current batch) or, with drain, until done."""
    settings: Settings = app.config["CHANNELCAST"]
    database: Database = app.extensions["channelcast.db"]
    started = time.perf_counter()
    with app.app_context():
        session = database.new_session()
        worker = Worker(session, transport_from_settings(settings), WorkerOptions.from_settings(settings))

        def stop(_signum: int, _frame: FrameType | None) -> None:
            worker.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # Hook (h12-api): outbound webhooks go out from a thread of each worker, on their own queue,
        # so a slow receiver never holds up mail (core/webhooks/sender.py).
        webhooks = SenderThread(database, send_options(app), f"{worker.owner}:webhooks")
        webhooks.start()
        try:
            stats = worker.run(drain=drain)
        finally:
            webhooks.stop()
            session.close()
    seconds = time.perf_counter() - started
    click.echo(f"worker {worker.owner}: {stats.summary()}; {seconds:.1f} s; peak RSS {_peak_rss_mb()} MB", err=True)
    return stats


def _child(app: Flask, drain: bool) -> None:
    # A forked child must not reuse the parent's pooled connections.
    app.extensions["channelcast.db"].engine.dispose(close=False)
    run_worker(app, drain=drain)


def _run_many(app: Flask, count: int, drain: bool) -> int:
    app.extensions["channelcast.db"].engine.dispose()
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_child, args=(app, drain), name=f"worker-{n}") for n in range(count)]
    for child in children:
        child.start()

    def forward(signum: int, _frame: FrameType | None) -> None:
        """Each child finishes its batch and stops."""
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)


@click.command("worker")
@with_appcontext
@click.option(
    "--concurrency", default=1, show_default=True, help="Worker processes to run (PostgreSQL only for more than 1)."
)
@click.option("--drain", is_flag=True, help="Exit once nothing is queued or in flight (waits for scheduled retries).")
def worker_command(concurrency: int, drain: bool) -> None:
    """Send the outbox: claim due messages in batches, send them, record what happened."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.config["CHANNELCAST"]
    if concurrency < 1:
        raise click.BadParameter("use 1 or more", param_hint="--concurrency")
    if concurrency > 1 and not settings.database_url.startswith("postgresql"):
        raise click.ClickException("SQLite allows one worker at a time; use PostgreSQL for --concurrency above 1.")
    click.echo(f"delivery: {concurrency} worker(s), transport {settings.mail_transport}", err=True)
    if concurrency == 1:
        run_worker(app, drain=drain)
        return
    sys.exit(_run_many(app, concurrency, drain))
