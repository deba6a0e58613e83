"""campaigns: planning, newsletters (digests), the delivery outbox and its workers, kits."""

from flask import Flask

from campaigns import delivery, digests, kits, planning, portal
from campaigns.kits import models as kit_models  # noqa: F401  (registers the kit tables)


def init_app(app: Flask) -> None:
    """Register every campaigns sub-package."""
    planning.init_app(app)
    digests.init_app(app)
    delivery.init_app(app)
    kits.init_app(app)
    portal.init_app(app)
