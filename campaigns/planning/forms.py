from __future__ import annotations

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
            f"{field.data!r} is not a known time zone; pick one from the list, e.g. Europe/Amsterdam."
        )


class LiveCampaignForm(FlaskForm):
    """What a live campaign still lets change: its end, its content, and targeting that narrows."""

    ends_at = DateTimeLocalField("End", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    interest_areas = CheckboxListField("Interest areas", coerce=int)
    content_items = CheckboxListField("Content to boost while live", coerce=int)
    tiers = CheckboxListField("Partner tiers")
    partner_types = CheckboxListField("Partner types")
    locales = CheckboxListField("Languages")
    countries = StringField("Countries", validators=[Optional(), Length(max=500)])

    def country_codes(self) -> list[str]:
        return [
            code.strip().upper() for code in (self.countries.data or "").replace(";", ",").split(",") if code.strip()
        ]


class CampaignForm(LiveCampaignForm):
    """Everything, for a draft or scheduled campaign."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    required_competency_id = SelectField(
        "Only for partners holding the competency", coerce=lambda v: int(v) if str(v).isdigit() else None,
        validate_choice=False,
    )  # fmt: skip
    goal = TextAreaField("Goal", validators=[Optional(), Length(max=2000)])
    timezone = StringField(
        "Time zone",
        default="Europe/Amsterdam",
        validators=[DataRequired(), _known_timezone],
        render_kw={"list": "timezones"},
    )
    launch_at = DateTimeLocalField("Launch", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
