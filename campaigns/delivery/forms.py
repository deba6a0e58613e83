from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class SuppressionForm(FlaskForm):
    """An address staff add to the suppression list by hand; `subscribers.services.suppress_by_hand` checks it."""

    email = StringField(_l("Address"), validators=[Length(max=300)])
    reason = StringField(_l("Why"), validators=[Length(max=300)])
