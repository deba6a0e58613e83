"""Forms of the preference centre (partner-facing, translated) and of the vendor admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from babel.dates import get_day_names
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from content.models import InterestArea
from core.config import LOCALE_NAMES
from subscribers.models import SuppressionReason

FREQUENCY_LABELS = {
    "weekly": _l("Every week"),
    "fortnightly": _l("Every two weeks"),
    "monthly": _l("Once a month"),
    "quarterly": _l("Once a quarter"),
}
CONTACT_STATUS_LABELS = {
    "active": _l("Receives mail"),
    "paused": _l("Paused"),
    "unsubscribed": _l("Unsubscribed"),
    "bounced": _l("Address bounced"),
    "complained": _l("Marked us as spam"),
}
SUPPRESSION_REASON_LABELS = {
    SuppressionReason.MANUAL: _l("Added by hand"),
    SuppressionReason.UNSUBSCRIBED: _l("Unsubscribed"),
    SuppressionReason.BOUNCED: _l("Bounced"),
    SuppressionReason.COMPLAINED: _l("Spam complaint"),
    SuppressionReason.ERASED: _l("Erased on request"),
}
CONSENT_SOURCE_LABELS = {
    "form": _l("By the contact"),
    "import": _l("Import"),
    "api": _l("API"),
    "admin": _l("Staff"),
    "provider": _l("Mail provider"),
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
    """The upload of a CSV import (contacts; certifications)."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    delimiter = SelectField(
        _l("Separator"), choices=options({"": _l("Detect"), ",": _l("Comma (,)"), ";": _l("Semicolon (;)")}), default=""
    )
    dry_run = BooleanField(_l("Check only (dry run): show errors, change nothing"), default=True)


class EraseForm(FlaskForm):
    confirm_email = StringField("Type the contact's email address to confirm", validators=[InputRequired()])


# ------------------------------------------------------------------------------------------- vendor admin


def optional_id(value: object) -> int | None:
    """A select's value as an id; the empty option ("nobody", "none") as None."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isdigit() else -1  # -1: a made-up value, refused by the service by name


class PartnerForm(FlaskForm):
    """The partner's own fields; `subscribers.partner_editing` checks them (field errors name the rule)."""

    name = StringField(_l("Name"), validators=[Length(max=300)])
    tier = SelectField(_l("Tier"), validate_choice=False)
    tier_reason = StringField(_l("Reason for a change of tier"), validators=[Length(max=600)])
    tier_effective_on = DateField(_l("A downgrade takes effect on"), validators=[Optional()])
    type = SelectField(_l("Partner type"), validate_choice=False)
    subcategory = StringField(_l("Subcategory"), validators=[Length(max=200)])
    country = SelectField(_l("Country"), validate_choice=False)
    default_locale = SelectField(_l("Default language"), validate_choice=False)
    account_manager_id = SelectField(_l("Account manager"), coerce=optional_id, validate_choice=False)
    backup_manager_id = SelectField(_l("Stand-in (while the account manager is away)"), coerce=optional_id,
                                    validate_choice=False)  # fmt: skip
    distributor_team_id = SelectField(_l("Distributor team (instead of an account manager)"), coerce=optional_id,
                                      validate_choice=False)  # fmt: skip


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[Length(max=300)])
    email = StringField(_l("Email"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=60)])
    countries = StringField(_l("Countries served"), validators=[Length(max=800)])

    def country_codes(self) -> tuple[str, ...]:
        text = (self.countries.data or "").replace(";", ",")
        return tuple(code.strip().upper() for code in text.split(",") if code.strip())


class ContactForm(PreferenceForm):
    """Everything the preference centre offers, plus what only staff set (address, name, job role, partner)."""

    email = StringField(_l("Email"), validators=[Length(max=300)])
    name = StringField(_l("Name"), validators=[Length(max=300)])
    job_role = StringField(_l("Job role"), validators=[Length(max=200)])
    timezone = StringField(_l("Time zone"), validators=[Length(max=64)], render_kw={"list": "timezones"})
    paused_until = DateField(_l("Newsletters paused until"), validators=[Optional()])


class MoveForm(FlaskForm):
    partner_id = SelectField(_l("Move to partner"), coerce=optional_id, validate_choice=False)
    confirmed = HiddenField()


class PauseByStaffForm(FlaskForm):
    until = DateField(_l("Pause newsletters until"), validators=[InputRequired()])


class BulkForm(FlaskForm):
    """The partners list's bulk bar: which partners (ticked rows), what to change, and to what."""

    partner_ids = SelectMultipleField(coerce=int, validate_choice=False)
    action = SelectField(_l("Change"), validate_choice=False)
    manager_id = SelectField(_l("New account manager"), validate_choice=False)
    tier = SelectField(_l("New tier"), validate_choice=False)
    confirmed = HiddenField()


class TierBadgeForm(FlaskForm):
    """An admin's upload of a tier's badge; the choices are the configured tiers and the languages."""

    tier = SelectField(_l("Tier"), validate_choice=False)
    locale = SelectField(_l("Language"), validate_choice=False)
    file = FileField(_l("Badge (PNG)"), validators=[FileRequired(_l("Choose a PNG file."))])

    def setup(self, tiers: tuple[str, ...]) -> TierBadgeForm:
        self.tier.choices = [(tier, tier.capitalize()) for tier in tiers]
        self.locale.choices = [("", str(_l("Every language"))), *LOCALE_NAMES.items()]
        return self
