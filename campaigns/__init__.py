"""campaigns: planning, newsletters (digests), the delivery outbox and its workers, kits."""

from flask import Flask

from campaigns import delivery, digests, planning


def init_app(app: Flask) -> None:
    """Register every campaigns sub-package."""
    planning.init_app(app)
    digests.init_app(app)
    delivery.init_app(app)
