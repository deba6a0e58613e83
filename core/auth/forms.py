from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.auth.passwords import MAX_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=512)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class TimezoneForm(FlaskForm):
    timezone = SelectField(_l("Your time zone"), validators=[DataRequired()])


class ProfileForm(FlaskForm):
    """The account page: how colleagues see you, and the language and zone the admin pages use."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=255)])
    locale = SelectField(_l("Language of these pages"), validators=[DataRequired()])
    timezone = SelectField(_l("Your time zone"), validators=[DataRequired()])


def _new_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=512)])
    new_password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class SetPasswordForm(FlaskForm):
    """Choosing a password from an invitation or a password-reset link."""

    password = _new_password(_l("Password"))
    confirm = PasswordField(
        _l("Password again"), validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    name = StringField(_l("Name"), validators=[Length(max=255)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    locale = SelectField(_l("Language of the admin pages"), validators=[DataRequired()])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""
