"""How the trail's content-item and interest-area changes read on a page: the editors' names, names for codes."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from content.forms import AreaForm, ItemForm, VariantForm
from content.languages import language_name
from content.models import ContentKind, ContentStatus
from core.audit import YES_NO, each, form_labels, register_change_labels, stored_moment
from core.config import LOCALES

KIND_NAMES = {kind.value: kind.lazy_label for kind in ContentKind}


def status_name(stored: str) -> str | None:
    """A move records the status's English name ("In review"); pages show the reader's."""
    found = next((status for status in ContentStatus if status.label == stored), None)
    return found.display_name if found is not None else None


def _variant_fields() -> dict[str, object]:
    """title_nl -> "Title (Nederlands)": each language's texts under the editor's names."""
    labels = form_labels(VariantForm, {name: name for name in ("title", "summary", "body", "cta_label", "cta_url")})
    return {
        f"{name}_{locale}": _l("%(field)s (%(language)s)", field=label, language=language_name(locale))
        for name, label in labels.items()
        for locale in LOCALES
    }


def init_change_labels(app: Flask) -> None:
    item_fields = form_labels(ItemForm, {
        "kind": "kind", "default_locale": "default_locale", "publish_at": "publish_at", "expires_at": "expires_at",
        "starts_at": "starts_at", "ends_at": "ends_at", "priority": "priority", "cta_url": "cta_url",
        "allowed_tiers": "allowed_tiers", "required competency": "required_competency_id",
        "interest_areas": "interest_areas", "hero_image": "image",
    })  # fmt: skip
    moments = dict.fromkeys(("publish_at", "expires_at", "starts_at", "ends_at"), stored_moment)
    register_change_labels(
        app, "content_item", fields={**item_fields, **_variant_fields(), "status": _l("Status")},
        values={"kind": KIND_NAMES, "allowed_tiers": each(str.capitalize), "default_locale": language_name,
                "status": status_name, **moments},
    )  # fmt: skip
    texts = [f"{kind}_{locale}" for kind in ("name", "description") for locale in LOCALES]
    area_fields = form_labels(AreaForm, {"slug": "slug", **{name: name for name in texts}})
    register_change_labels(
        app, "interest_area", fields={**area_fields, "active": _l("Active")}, values={"active": YES_NO}
    )
