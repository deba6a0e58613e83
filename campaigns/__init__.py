"""campaigns: planning, newsletters (digests), the delivery outbox and its workers, kits."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from campaigns import delivery, digests, engagement, kits, planning, portal, tracking
from campaigns.digests import shards as digest_shards  # noqa: F401  (registers the shard table)
from campaigns.kits import models as kit_models  # noqa: F401  (registers the kit tables)
from campaigns.webhooks import EVENT_TYPES
from core.audit import register_action_labels
from core.webhooks import register_event_types


def init_app(app: Flask) -> None:
    """Register every campaigns sub-package."""
    planning.init_app(app)
    digests.init_app(app)
    delivery.init_app(app)
    kits.init_app(app)
    portal.init_app(app)
    tracking.init_app(app)
    engagement.init_app(app)
    register_action_labels(app, AUDIT_ACTIONS)
    register_event_types(app, EVENT_TYPES)


AUDIT_ACTIONS = {
    "campaign.create": _l("Campaign created"),
    "campaign.update": _l("Campaign edited"),
    "campaign.move": _l("Campaign moved"),
    "kit_piece.save": _l("Kit pieces saved"),
    "kit_piece.delete": _l("Kit pieces removed"),
    "delivery.retry": _l("Message sent again"),
    "delivery.mark_sent": _l("Message marked as sent"),
    "portal_user.sign_in_link_sent": _l("Portal sign-in link sent"),
    "contact.newsletter_test_sent": _l("Newsletter test sent to staff"),
    "campaign.kit_test_sent": _l("Kit email test sent to staff"),
}
