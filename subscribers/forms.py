"""Forms of the preference centre (partner-facing, translated) and of the vendor admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from babel.dates import get_day_names
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from content.models import InterestArea
from core.config import LOCALE_NAMES

FREQUENCY_LABELS = {
    "weekly": _l("Every week"),
    "fortnightly": _l("Every two weeks"),
    "monthly": _l("Once a month"),
    "quarterly": _l("Once a quarter"),
}
PAUSE_CHOICES = {
    "2w": _l("2 weeks"),
    "1m": _l("1 month"),
    "3m": _l("3 months"),
    "date": _l("Until a date"),
}


def options(pairs: Mapping[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs.items()]


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes; a value that is not among the choices is a field error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferenceForm(FlaskForm):
    interests = CheckboxesField(_l("Topics"), coerce=int)
    frequency = RadioField(_l("How often"), choices=options(FREQUENCY_LABELS), validators=[InputRequired()])
    preferred_weekday = SelectField(_l("On which day"), coerce=int, validators=[InputRequired()])
    preferred_hour = SelectField(_l("At what time"), coerce=int, validators=[InputRequired()])
    locale = SelectField(_l("Newsletter language"), choices=options(LOCALE_NAMES), validators=[InputRequired()])

    def offer(self, areas: list[InterestArea], locale: str) -> None:
        """Fill the choices: only active topics, weekdays and hours named in the page's language."""
        self.interests.choices = options({area.id: area.name(locale) for area in areas})
        days = get_day_names("wide", locale=locale)
        self.preferred_weekday.choices = options({number: days[number] for number in range(7)})
        self.preferred_hour.choices = options({hour: f"{hour:02d}:00" for hour in range(24)})


class PauseForm(FlaskForm):
    length = RadioField(_l("Pause for"), choices=options(PAUSE_CHOICES), validators=[InputRequired()])
    until = DateField(_l("Pause until"), validators=[Optional()])

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_until(self, field: DateField) -> None:
        if self.length.data != "date":
            return
        if field.data is None:
            raise ValidationError(_l("Choose the date the newsletters should start again."))
        if field.data <= self.today:
            raise ValidationError(_l("Choose a date in the future."))

    def resume_on(self) -> dt.date:
        if self.length.data == "2w":
            return self.today + dt.timedelta(days=14)
        if self.length.data in ("1m", "3m"):
            months = 1 if self.length.data == "1m" else 3
            return _add_months(self.today, months)
        until: dt.date = self.until.data
        return until


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):  # 31 January + 1 month = 28 February
        try:
            return dt.date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class ResubscribeForm(FlaskForm):
    opt_in = BooleanField(_l("Yes, I want to receive the newsletter again"))


class ConfirmForm(FlaskForm):
    """A button with its CSRF token and nothing else."""


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    delimiter = SelectField(
        "Separator", choices=options({"": "Detect", ",": "Comma (,)", ";": "Semicolon (;)"}), default=""
    )
    dry_run = BooleanField("Check only (dry run): show errors, change nothing", default=True)


class EraseForm(FlaskForm):
    confirm_email = StringField("Type the contact's email address to confirm", validators=[InputRequired()])
