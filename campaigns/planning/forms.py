from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.timezones import all_timezones


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _known_timezone(_form: FlaskForm, field: StringField) -> None:
    if field.data not in all_timezones():
        raise ValidationError(
            _(
                "%(zone)s is not a known time zone; pick one from the list, e.g. Europe/Amsterdam.",
                zone=repr(field.data),
            )
        )


class LiveCampaignForm(FlaskForm):
    """What a live campaign still lets change: its end, its content, and targeting that narrows."""

    ends_at = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    interest_areas = CheckboxListField(_l("Interest areas"), coerce=int)
    content_items = CheckboxListField(_l("Content to boost while live"), coerce=int)
    tiers = CheckboxListField(_l("Partner tiers"))
    partner_types = CheckboxListField(_l("Partner types"))
    locales = CheckboxListField(_l("Languages"))
    countries = StringField(_l("Countries"), validators=[Optional(), Length(max=500)])

    def country_codes(self) -> list[str]:
        return [
            code.strip().upper() for code in (self.countries.data or "").replace(";", ",").split(",") if code.strip()
        ]


class CampaignForm(LiveCampaignForm):
    """Everything, for a draft or scheduled campaign."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    required_competency_id = SelectField(
        _l("Only for partners holding the competency"), coerce=lambda v: int(v) if str(v).isdigit() else None,
        validate_choice=False,
    )  # fmt: skip
    goal = TextAreaField(_l("Goal"), validators=[Optional(), Length(max=2000)])
    timezone = StringField(
        _l("Time zone"),
        default="Europe/Amsterdam",
        validators=[DataRequired(), _known_timezone],
        render_kw={"list": "timezones"},
    )
    launch_at = DateTimeLocalField(_l("Launch"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
