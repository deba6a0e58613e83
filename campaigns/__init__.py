"""campaigns: campaigns and schedules, newsletters, the delivery outbox and its workers, kits."""

from flask import Flask

from campaigns import delivery


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
    delivery.init_app(app)
