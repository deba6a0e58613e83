"""Composition root: `create_app()` builds Channelcast; `app` is what gunicorn and `flask` run.

    gunicorn 'wsgi:app'            flask --app wsgi <command>

Packages are wired bottom-up along the one-way dependency line:
wsgi -> campaigns -> subscribers -> content -> core.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask

import campaigns
import content
import core
import subscribers
from core.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(
        __name__,
        instance_path=str(settings.instance_dir),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    core.init_app(app, settings)
    content.init_app(app)
    subscribers.init_app(app)
    campaigns.init_app(app)
    return app


def _app_or_exit() -> Flask:
    """A configuration mistake ends the process with its one-line message, not a traceback."""
    try:
        return create_app()
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


app = _app_or_exit()
