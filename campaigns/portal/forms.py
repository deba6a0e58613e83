from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Your work email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class ConfirmForm(FlaskForm):
    """A button that POSTs (spending a link, sending a mail): CSRF only."""


class BrandForm(FlaskForm):
    """The brand editor's fields; `subscribers.brand_editor.check_brand` does the real checking."""

    logo = FileField(_l("Logo (PNG, JPEG or WebP)"))
    primary_color = StringField(_l("Primary colour"), validators=[Length(max=20)])
    accent_color = StringField(_l("Accent colour"), validators=[Length(max=20)])
    website = StringField(_l("Website"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=60)])
    email = StringField(_l("Email"), validators=[Length(max=300)])
    postal_address = TextAreaField(_l("Postal address"), validators=[Length(max=600)])
    tagline = StringField(_l("Tagline"), validators=[Length(max=250)])
    contact_name = StringField(_l("Person to ask for"), validators=[Length(max=250)])
