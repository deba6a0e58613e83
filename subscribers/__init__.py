"""subscribers: see DESIGN.md for what this slice owns."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
