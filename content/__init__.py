"""content: interest areas, content items and their language variants, media."""

from flask import Flask

from content import models as models
from core.demo import register_demo_step


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
    from content.demo import demo_interest_areas

    register_demo_step(app, "interest areas", demo_interest_areas, order=10)
