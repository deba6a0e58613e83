"""Marketing kits: the build engine (pure inputs in, a ZIP out), kit pieces, stored kits and their builds.

Use `build_kit` for one kit, `build_kits` for many in a process pool, `kit_inputs_hash` to see
whether a stored kit is still current, and `social_counts` / `over_limit_posts` for live counts.
"""

from flask import Flask

from campaigns.kits.build import TEMPLATE_VERSION, BuiltKit, CampaignParts, PartsCache, build_kit, kit_inputs_hash
from campaigns.kits.errors import KitInputError
from campaigns.kits.inputs import BrandKit, KitCopy, KitImage, VendorInfo
from campaigns.kits.pool import KitJob, KitResult, build_kits
from campaigns.kits.social import SOCIAL_LIMITS, over_limit_posts, post_length, social_counts

__all__ = [
    "SOCIAL_LIMITS",
    "TEMPLATE_VERSION",
    "BrandKit",
    "BuiltKit",
    "CampaignParts",
    "KitCopy",
    "KitImage",
    "KitInputError",
    "KitJob",
    "KitResult",
    "PartsCache",
    "VendorInfo",
    "build_kit",
    "build_kits",
    "init_app",
    "kit_inputs_hash",
    "over_limit_posts",
    "post_length",
    "social_counts",
]


def init_app(app: Flask) -> None:
    """Kit pieces in the campaign admin, `flask kits build`, the build tick and the demo kits."""
    from campaigns.kits.wiring import wire

    wire(app)
