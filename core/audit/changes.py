"""How a recorded change reads on a page: the field's name and its values, in the reader's language.

The trail stores each change as the field's code and the stored text (`trail.short_text`: enums by
value, dates in ISO, booleans as yes/no, lists joined by ", "), and the CSV export keeps exactly
that, for machines and auditors. Pages ask `change_lines`: the package that records an object type
registers at start-up the names of its fields and how a stored value reads, reusing the labels its
own pages show. A field or value nobody registered reads as before (the code with spaces, the
stored text), so an old entry or a new field never breaks a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from core.audit.models import AuditEntry
from core.display import localdate, localtime

# How a stored value reads: a mapping from the stored text (str-valued enums work as keys), or a
# function of it; either may not know a value (None), which then shows as stored.
ValueDisplay = Mapping[Any, object] | Callable[[str], object]
_CHANGES = "channelcast.audit.change_labels"
LIST_SEPARATOR = ", "


@dataclass
class _ObjectLabels:
    fields: dict[str, object] = field(default_factory=dict)
    values: dict[str, ValueDisplay] = field(default_factory=dict)


def register_change_labels(
    app: Flask,
    object_type: str,
    *,
    fields: Mapping[str, object] | None = None,
    values: Mapping[str, ValueDisplay] | None = None,
) -> None:
    """Names for the fields of `object_type`'s changes ({code: lazy label}) and how their values read.

    Several packages may register for one object type (a campaign's own fields, its kit pieces'):
    the registrations add up.
    """
    labels = app.extensions.setdefault(_CHANGES, {}).setdefault(object_type, _ObjectLabels())
    labels.fields.update(fields or {})
    labels.values.update(values or {})


def _labels(object_type: str) -> _ObjectLabels:
    registry: dict[str, _ObjectLabels] = current_app.extensions.get(_CHANGES, {})
    return registry.get(object_type) or _ObjectLabels()


def field_label(object_type: str, code: str) -> str:
    label = _labels(object_type).fields.get(code)
    return str(label) if label is not None else code.replace("_", " ")


def value_label(object_type: str, code: str, stored: str) -> str:
    display = _labels(object_type).values.get(code)
    if display is None or stored == "":
        return stored
    shown = display.get(stored) if isinstance(display, Mapping) else display(stored)
    return stored if shown is None else str(shown)


def change_lines(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, old, new) of each change of `entry`, as the reader reads them."""
    kind = entry.object_type
    return [
        (field_label(kind, code), value_label(kind, code, old), value_label(kind, code, new))
        for code, (old, new) in entry.changes.items()
    ]


# ---------------------------------------------------------------------------------------- ready-made displays

YES_NO = {"yes": _l("Yes"), "no": _l("No")}


def each(display: ValueDisplay) -> Callable[[str], str]:
    """For a list stored as "a, b": each item as `display` reads it (an unknown one as stored)."""

    def shown(stored: str) -> str:
        items = stored.split(LIST_SEPARATOR)
        if isinstance(display, Mapping):
            return LIST_SEPARATOR.join(str(display.get(item, item)) for item in items)
        return LIST_SEPARATOR.join(str(display(item) or item) for item in items)

    return shown


def stored_day(stored: str) -> str | None:
    """An ISO day ("2026-03-31") as the reader writes it ("31 mrt 2026")."""
    try:
        return localdate(dt.date.fromisoformat(stored))
    except ValueError:
        return None


def stored_moment(stored: str) -> str | None:
    """An ISO moment in UTC as the reader's wall-clock time, in their zone and language."""
    try:
        return localtime(dt.datetime.fromisoformat(stored))
    except ValueError:
        return None


def form_labels(form: type, names: Mapping[str, str]) -> dict[str, object]:
    """{change code: the label of the form field that edits it}: the trail reads as the form does.

    `names` maps each change code to the field's attribute on the (WTForms) form class.
    """
    labels: dict[str, object] = {}
    for code, attribute in names.items():
        unbound = getattr(form, attribute)
        labels[code] = unbound.kwargs.get("label", unbound.args[0] if unbound.args else attribute)
    return labels
