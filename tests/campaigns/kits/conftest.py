from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from bench import kit_samples
from campaigns.kits import TEMPLATE_VERSION, BrandKit, BuiltKit, KitCopy, KitImage, build_kit
from campaigns.kits.inputs import TierStatus
from campaigns.kits.words import kit_words, tier_line

BUILT_AT = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


def build(locale: str = "en", **brand_changes: object) -> BuiltKit:
    """The sample campaign's kit for the sample partner, with `brand_changes`."""
    return build_with(kit_samples.kit_copy(locale), kit_samples.brand(**brand_changes), kit_samples.images())


def build_with(
    copy: KitCopy, brand: BrandKit, images: tuple[KitImage, ...], *, status: TierStatus | None = None
) -> BuiltKit:
    return build_kit(
        copy, brand, images, kit_samples.vendor(), template_version=TEMPLATE_VERSION, built_at=BUILT_AT, status=status
    )


def gold_status(locale: str) -> TierStatus:
    """The sample badge with its line in `locale`, as kits of a gold partner carry it."""
    return TierStatus("gold", tier_line(kit_words(locale), "gold", kit_samples.vendor().name), kit_samples.badge())


def open_zip(kit: BuiltKit) -> zipfile.ZipFile:
    assert kit.data is not None
    return zipfile.ZipFile(io.BytesIO(kit.data))


@pytest.fixture(scope="module", params=["en", "pl"])
def built(request: pytest.FixtureRequest) -> BuiltKit:
    """One kit per language, built once per test module (a kit takes about a quarter second)."""
    return build(request.param)
