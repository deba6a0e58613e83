"""A kit is addressed by the hash of its inputs: built once, rebuilt only when an input changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench import kit_samples
from campaigns.kits import TEMPLATE_VERSION, KitImage, PartsCache, build_kit, kit_inputs_hash
from tests.campaigns.kits.conftest import BUILT_AT


def inputs_hash(**brand_changes: object) -> str:
    return kit_inputs_hash(
        kit_samples.kit_copy(), kit_samples.brand(**brand_changes), kit_samples.images(), kit_samples.vendor(),
        template_version=TEMPLATE_VERSION,
    )  # fmt: skip


def test_unchanged_inputs_give_the_same_hash() -> None:
    assert inputs_hash() == inputs_hash()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("partner_name", "Acme IT Solutions B.V."),
        ("primary_colour", "#0b5cae"),
        ("accent_colour", "#000000"),
        ("logo", kit_samples.logo(colour="#d00001")),
        ("logo", None),
        ("website", "https://acme-it.example/"),
        ("phone", "+31 20 555 0102"),
        ("email", "sales@acme-it.example"),
        ("postal_address", "Herengracht 14\n1015 BZ Amsterdam"),
        ("tagline", "Your storage people since 2000"),
        ("brand_hash", "b2"),
    ],
)
def test_any_change_to_the_brand_changes_the_hash(field: str, value: object) -> None:
    assert inputs_hash(**{field: value}) != inputs_hash()


def test_copy_images_vendor_and_template_version_are_part_of_the_hash() -> None:
    copy, brand, images, vendor = (
        kit_samples.kit_copy(),
        kit_samples.brand(),
        kit_samples.images(),
        kit_samples.vendor(),
    )
    base = kit_inputs_hash(copy, brand, images, vendor, template_version="1")
    changed = [
        kit_inputs_hash(dataclasses.replace(copy, preheader="New"), brand, images, vendor, template_version="1"),
        kit_inputs_hash(kit_samples.kit_copy("pl"), brand, images, vendor, template_version="1"),
        kit_inputs_hash(copy, brand, images[:2], vendor, template_version="1"),
        kit_inputs_hash(
            copy, brand, (*images[:2], KitImage("Chart", images[2].data, "Other alt")), vendor, template_version="1"
        ),
        kit_inputs_hash(
            copy, brand, images, dataclasses.replace(vendor, postal_address="Elsewhere 2"), template_version="1"
        ),
        kit_inputs_hash(copy, brand, images, vendor, template_version="2"),
    ]
    assert base not in changed
    assert len(set(changed)) == len(changed)


def test_the_built_kit_carries_its_inputs_hash_and_the_same_inputs_build_the_same_zip() -> None:
    copy, brand, images, vendor = (
        kit_samples.kit_copy(),
        kit_samples.brand(),
        kit_samples.images(),
        kit_samples.vendor(),
    )
    first = build_kit(copy, brand, images, vendor, template_version=TEMPLATE_VERSION, built_at=BUILT_AT)
    cache = PartsCache()
    parts = cache.parts(copy, images, template_version=TEMPLATE_VERSION)
    second = build_kit(copy, brand, images, vendor, template_version=TEMPLATE_VERSION, built_at=BUILT_AT, parts=parts)
    assert (
        first.inputs_hash
        == second.inputs_hash
        == kit_inputs_hash(copy, brand, images, vendor, template_version=TEMPLATE_VERSION)
    )
    assert first.sha256 == second.sha256, "a kit is reproducible: cached parts change nothing"


def test_parts_prepared_for_another_campaign_are_refused() -> None:
    cache = PartsCache()
    parts = cache.parts(kit_samples.kit_copy("pl"), kit_samples.images(), template_version=TEMPLATE_VERSION)
    with pytest.raises(ValueError, match="prepared for other copy"):
        build_kit(
            kit_samples.kit_copy("en"), kit_samples.brand(), kit_samples.images(), kit_samples.vendor(),
            template_version=TEMPLATE_VERSION, built_at=BUILT_AT, parts=parts,
        )  # fmt: skip


def test_a_kit_can_be_written_to_a_path(tmp_path: Path) -> None:
    path = tmp_path / "kits" / "kit.zip"
    kit = build_kit(
        kit_samples.kit_copy(), kit_samples.brand(), (), kit_samples.vendor(),
        template_version=TEMPLATE_VERSION, built_at=BUILT_AT, path=path,
    )  # fmt: skip
    assert kit.data is None
    assert path.read_bytes()[:2] == b"PK"
    assert path.stat().st_size == kit.size
    assert list(path.parent.iterdir()) == [path], "no temporary file is left behind"


def test_built_at_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_kit(
            kit_samples.kit_copy(), kit_samples.brand(), (), kit_samples.vendor(),
            template_version=TEMPLATE_VERSION, built_at=BUILT_AT.replace(tzinfo=None),
        )  # fmt: skip
