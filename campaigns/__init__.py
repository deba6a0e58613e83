"""campaigns: planning, newsletters (digests), delivery and kits."""

from flask import Flask

from campaigns import planning


def init_app(app: Flask) -> None:
    """Register every campaigns sub-package."""
    planning.init_app(app)
