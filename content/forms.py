"""The editor's forms. Fields parse; `content.services.check_item_input` judges (one set of rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from content.models import TITLE_MAX, Competency, ContentItem, ContentKind, ContentStatus, InterestArea
from content.services import ContentError, ItemInput, VariantInput
from core.config import LOCALE_NAMES, LOCALES
from core.display import reader_locale
from core.timezones import LocalTimeError, local_to_utc, utc_to_local

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


KINDS = [(kind.value, kind.lazy_label) for kind in ContentKind]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset by the templates)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_id(value: object) -> int | None:
    """An id from a select, or None for its empty choice (a made-up value: -1, refused by the service)."""
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if text.isdigit() else -1


class VariantForm(Form):
    """One language's texts; a plain Form because the outer FlaskForm carries the CSRF token."""

    title = StringField(
        _l("Title"), validators=[Optional()], description=_l("Up to %(count)s characters.", count=TITLE_MAX)
    )
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    body = TextAreaField(_l("Body (Markdown)"), validators=[Optional(), Length(max=50_000)], render_kw={"rows": 10})
    cta_label = StringField(_l("Button label"), validators=[Optional(), Length(max=80)])
    cta_url = StringField(_l("Button link in this language"), validators=[Optional(), Length(max=2000)])


class ItemForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=options(KINDS))
    interest_areas = CheckboxesField(_l("Interest areas"), coerce=int)
    allowed_tiers = CheckboxesField(_l("Partner tiers (none ticked: every tier)"))
    required_competency_id = SelectField(_l("Requires the competency"), coerce=_optional_id, validate_choice=False)
    default_locale = SelectField(_l("Default language"), choices=options(LOCALE_NAMES.items()))
    publish_at = DateTimeLocalField(_l("Publish at"), format=DATETIME_FORMAT, validators=[Optional()])
    expires_at = DateTimeLocalField(_l("Expires at"), format=DATETIME_FORMAT, validators=[Optional()])
    starts_at = DateTimeLocalField(_l("Event or training starts"), format=DATETIME_FORMAT, validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Event or training ends"), format=DATETIME_FORMAT, validators=[Optional()])
    priority = IntegerField(_l("Priority (0 to 100)"), default=50, validators=[InputRequired(), NumberRange(0, 100)])
    cta_url = StringField(_l("Button link"), validators=[Optional(), Length(max=2000)])
    image = FileField(_l("Hero image (PNG, JPEG, WebP or GIF)"))
    remove_image = BooleanField(_l("Remove the current image"))

    # The editor's time zone: publish and expiry times are entered in it.
    zone = "UTC"

    def validate_publish_at(self, field: DateTimeLocalField) -> None:
        self._check_local_time(field)

    def validate_expires_at(self, field: DateTimeLocalField) -> None:
        self._check_local_time(field)

    def validate_starts_at(self, field: DateTimeLocalField) -> None:
        self._check_local_time(field)

    def validate_ends_at(self, field: DateTimeLocalField) -> None:
        self._check_local_time(field)

    def _check_local_time(self, field: DateTimeLocalField) -> None:
        """A wall-clock time skipped by a daylight-saving change is a field error, not a guess."""
        if field.data:
            try:
                local_to_utc(field.data, self.zone)
            except LocalTimeError as error:
                raise ValidationError(str(error)) from None

    # One FormField per language, added below: text_en, text_nl, ...
    def variant_form(self, locale: str) -> Any:
        return self[f"text_{locale}"]

    def setup(
        self, areas: Sequence[InterestArea], tiers: Sequence[str], competencies: Sequence[Competency] = ()
    ) -> ItemForm:
        """Offer the active areas, the configured tiers and the competencies, named in the reader's language."""
        self.interest_areas.choices = options((area.id, area.name(reader_locale())) for area in areas)
        self.allowed_tiers.choices = options((tier, tier.capitalize()) for tier in tiers)
        locale = reader_locale()
        self.required_competency_id.choices = options(
            [
                ("", _l("None: every partner")),
                *((competency.id, competency.name(locale)) for competency in competencies),
            ]
        )
        return self

    def fill_from(self, item: ContentItem, zone: str) -> None:
        """Show a saved item, with its times in the editor's zone."""
        self.kind.data = item.kind.value
        self.interest_areas.data = [area.id for area in item.interest_areas if area.is_active]
        self.allowed_tiers.data = item.allowed_tiers
        self.required_competency_id.data = item.required_competency_id
        self.default_locale.data = item.default_locale
        self.publish_at.data = utc_to_local(item.publish_at, zone) if item.publish_at else None
        self.expires_at.data = utc_to_local(item.expires_at, zone) if item.expires_at else None
        self.starts_at.data = utc_to_local(item.starts_at, zone) if item.starts_at else None
        self.ends_at.data = utc_to_local(item.ends_at, zone) if item.ends_at else None
        self.priority.data = item.priority
        self.cta_url.data = item.cta_url
        for variant in item.variants:
            sub = self.variant_form(variant.locale)
            sub.title.data, sub.summary.data, sub.body.data = variant.title, variant.summary, variant.body
            sub.cta_label.data, sub.cta_url.data = variant.cta_label, variant.cta_url

    def to_input(self, zone: str) -> ItemInput:
        return ItemInput(
            kind=ContentKind(self.kind.data),
            area_ids=list(self.interest_areas.data or []),
            allowed_tiers=list(self.allowed_tiers.data or []),
            default_locale=self.default_locale.data or "en",
            publish_at=local_to_utc(self.publish_at.data, zone) if self.publish_at.data else None,
            expires_at=local_to_utc(self.expires_at.data, zone) if self.expires_at.data else None,
            starts_at=local_to_utc(self.starts_at.data, zone) if self.starts_at.data else None,
            ends_at=local_to_utc(self.ends_at.data, zone) if self.ends_at.data else None,
            priority=self.priority.data if self.priority.data is not None else 50,
            cta_url=self.cta_url.data or "",
            variants={locale: self.variant_input(locale) for locale in LOCALES},
            required_competency_id=self.required_competency_id.data,
        )

    def variant_input(self, locale: str) -> VariantInput:
        sub = self.variant_form(locale)
        return VariantInput(
            sub.title.data or "",
            sub.summary.data or "",
            sub.body.data or "",
            sub.cta_label.data or "",
            sub.cta_url.data or "",
        )

    def add_errors(self, errors: Sequence[ContentError]) -> None:
        """Put each service error next to its field (or on the form, for the whole item)."""
        for error in errors:
            field = self.variant_form(error.locale)[error.field] if error.locale else self._fields.get(error.field)
            if field is None:
                self.form_errors.append(error.message)
            else:
                field.errors = [*field.errors, error.message]


for _locale in LOCALES:
    setattr(ItemForm, f"text_{_locale}", FormField(VariantForm, label=LOCALE_NAMES[_locale]))


class PreviewForm(FlaskForm):
    """What the live preview sends: one language's texts plus the card's shared fields."""

    kind = SelectField(choices=options(KINDS))
    title = StringField(validators=[Optional()])
    summary = TextAreaField(validators=[Optional()])
    body = TextAreaField(validators=[Optional()])
    cta_label = StringField(validators=[Optional()])
    cta_url = StringField(validators=[Optional()])
    image_sha = StringField(validators=[Optional(), Length(max=64)])


class AreaForm(FlaskForm):
    slug = StringField(_l("Code in imports"), validators=[Optional(), Length(max=50)])

    def names(self) -> dict[str, str]:
        return {locale: self[f"name_{locale}"].data or "" for locale in LOCALES}

    def descriptions(self) -> dict[str, str]:
        return {locale: self[f"description_{locale}"].data or "" for locale in LOCALES}

    def fill_from(self, area: InterestArea) -> None:
        self.slug.data = area.slug
        for locale in LOCALES:
            self[f"name_{locale}"].data = area.names.get(locale, "")
            self[f"description_{locale}"].data = area.descriptions.get(locale, "")


for _locale in LOCALES:
    setattr(
        AreaForm,
        f"name_{_locale}",
        StringField(_l("Name (%(language)s)", language=LOCALE_NAMES[_locale]), validators=[Optional(), Length(max=80)]),
    )
    setattr(
        AreaForm,
        f"description_{_locale}",
        StringField(
            _l("Description (%(language)s)", language=LOCALE_NAMES[_locale]), validators=[Optional(), Length(max=300)]
        ),
    )


class FilterForm(Form):
    """The library's filters, read from the query string (GET: nothing changes, no CSRF)."""

    q = StringField(_l("Search titles"), validators=[Optional(), Length(max=100)])
    area = SelectField(_l("Interest area"), coerce=str, validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=options([("", _l("Any kind")), *KINDS]))
    status = SelectField(
        _l("Status"), choices=options([("", _l("Any status")), *((s.value, s.lazy_name) for s in ContentStatus)])
    )
    missing = SelectField(_l("Missing translation"), choices=options([("", _l("Any")), *LOCALE_NAMES.items()]))
    tier = SelectField(_l("Visible to tier"), validators=[Optional()])

    def setup(self, areas: Sequence[InterestArea], tiers: Sequence[str]) -> FilterForm:
        self.area.choices = options([("", "Any area"), *((str(area.id), area.name()) for area in areas)])
        self.tier.choices = options([("", "Any tier"), *((tier, tier.capitalize()) for tier in tiers)])
        return self
