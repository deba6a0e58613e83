from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=512)])
    remember = BooleanField("Keep me signed in on this device")


class TimezoneForm(FlaskForm):
    timezone = SelectField("Your time zone", validators=[DataRequired()])
