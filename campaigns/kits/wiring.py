"""The kits' place in the app: admin pages, `flask kits build`, the build tick and the demo kits.

Kept apart from the engine's modules so process-pool workers never import Flask routes.
"""

from __future__ import annotations

import ast
import datetime as dt
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from campaigns.kits.builds import build_due_kits
from core.db import current_db, utc_now
from core.demo import register_demo_step
from core.display import percent
from core.scheduler import register_tick
from core.storage import storage_for

kits_cli = AppGroup("kits", help="Build marketing kits.")


@kits_cli.command("build")
@click.option("--campaign", "campaign_ids", type=int, multiple=True, help="Only this campaign (any state); repeatable.")
@click.option("--partner", "partner_ids", type=int, multiple=True, help="Only this partner; repeatable.")
@click.option("--processes", type=click.IntRange(1, 64), default=None, help="Pool size (default KIT_BUILD_PROCESSES).")
def build_command(campaign_ids: tuple[int, ...], partner_ids: tuple[int, ...], processes: int | None) -> None:
    """Build every kit whose inputs changed (live campaigns unless --campaign is given); unchanged ones are skipped."""
    database = current_db()
    settings = current_app.config["CHANNELCAST"]
    with click.progressbar(length=0, label="Building kits", show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        summary = build_due_kits(
            database.session,
            storage=storage_for(),
            settings=settings,
            now=utc_now(),
            campaign_ids=campaign_ids or None,
            partner_ids=partner_ids or None,
            processes=processes,
            on_progress=progress,
        )
    database.session.commit()
    click.echo(str(summary))
    if summary.storage_error:  # reported and left for the next run; the exit code tells a script
        raise SystemExit(1)


def build_kits_tick(session: Session, now: dt.datetime) -> str:
    """Every minute: kits of live campaigns whose inputs changed (a launch, an edit, a new brand)."""
    return str(build_due_kits(session, storage=storage_for(), settings=current_app.config["CHANNELCAST"], now=now))


def wire(app: Flask) -> None:
    from campaigns.kits.demo import demo_kits
    from campaigns.kits.forms import piece_change_labels
    from campaigns.kits.routes import bp
    from core.audit import each, register_change_labels

    app.register_blueprint(bp)
    app.cli.add_command(kits_cli)
    register_tick(app, "kits", build_kits_tick)
    register_demo_step(app, "kit pieces, portal users and kits", demo_kits, order=40)
    register_change_labels(
        app, "campaign", fields=piece_change_labels(),
        values={"image_ids": each(image_name), "pictures": pictures_named, "focal_points": focal_points_named},
    )  # fmt: skip


def image_name(stored: str) -> str | None:
    """A library image recorded by id, by the file name the library shows."""
    from content.models import MediaAsset

    asset = current_db().session.get(MediaAsset, int(stored)) if stored.isdigit() else None
    return (asset.original_filename or None) if asset is not None else None


def _recorded_mapping(stored: str) -> dict[str, Any] | None:
    """A piece's pictures or focal points, recorded as the mapping's text ("{'banner': 12}")."""
    try:
        parsed = ast.literal_eval(stored)
    except (ValueError, SyntaxError):  # cut to 200 characters in the trail, or not a mapping at all
        return None
    return {str(key): value for key, value in parsed.items()} if isinstance(parsed, dict) else None


def pictures_named(stored: str) -> str | None:
    """{'banner': 12} as "Banner picture: storage.jpg", in the editor's words."""
    from campaigns.kits.forms import PICTURE_LABELS

    pictures = _recorded_mapping(stored)
    if pictures is None:
        return None
    return "; ".join(f"{PICTURE_LABELS.get(role, role)}: {image_name(str(ident)) or ident}"
                     for role, ident in pictures.items())  # fmt: skip


def focal_points_named(stored: str) -> str | None:
    """{'12': [0.5, 0.3]} as "storage.jpg (50%, 30%)": across and down, as the editor asks for them."""
    points = _recorded_mapping(stored)
    if points is None or not all(isinstance(point, list) and len(point) == 2 for point in points.values()):
        return None
    return "; ".join(f"{image_name(ident) or ident} ({percent(x, 0)}, {percent(y, 0)})"
                     for ident, (x, y) in points.items())  # fmt: skip
