"""The programme's admin forms (CSRF on every one); the services check the values and name the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.config import LOCALE_NAMES, LOCALES
from subscribers.forms import optional_id


class CompetencyForm(FlaskForm):
    slug = StringField(_l("Short name for imports"), validators=[Length(max=100)])
    area_ids = SelectMultipleField(
        _l("Interest areas it covers"), coerce=int, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )  # fmt: skip

    def names(self) -> dict[str, str]:
        return {locale: self[f"name_{locale}"].data or "" for locale in LOCALES}


for _locale in LOCALES:
    setattr(
        CompetencyForm,
        f"name_{_locale}",
        StringField(_l("Name in %(language)s", language=LOCALE_NAMES[_locale]), validators=[Length(max=200)]),
    )


class CertificationForm(FlaskForm):
    contact_id = SelectField(_l("Person"), coerce=optional_id, validate_choice=False)
    competency_id = SelectField(_l("Competency"), coerce=optional_id, validate_choice=False)
    name = StringField(_l("Certificate"), validators=[Length(max=300)])
    earned_on = DateField(_l("Earned on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on (empty: does not expire)"), validators=[Optional()])


class RequirementsForm(FlaskForm):
    """The requirements table: its cells are read by name (`people-<tier>-<competency id>`)."""


class KeepTierForm(FlaskForm):
    """Cancel a scheduled downgrade: the partner keeps its tier."""

    reason = StringField(_l("Reason"), validators=[Length(max=600)])
