"""subscribers: partners, contacts, preferences, consent, suppression."""

from flask import Flask

from subscribers import models as models


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
