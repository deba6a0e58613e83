from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from campaigns.kits.inputs import SUBJECT_LINES
from campaigns.kits.social import NETWORK_NAMES, SOCIAL_LIMITS
from campaigns.planning.forms import CheckboxListField

SUBJECT_FIELDS = tuple(f"subject_{n}" for n in range(1, SUBJECT_LINES[1] + 1))


class KitPieceForm(FlaskForm):
    """One language's kit pieces; `pieces.save_piece` checks them as a kit build would."""

    subject_1 = StringField("Subject line 1", validators=[Length(max=200)])
    subject_2 = StringField("Subject line 2", validators=[Length(max=200)])
    subject_3 = StringField("Subject line 3", validators=[Length(max=200)])
    subject_4 = StringField("Subject line 4 (optional)", validators=[Optional(), Length(max=200)])
    subject_5 = StringField("Subject line 5 (optional)", validators=[Optional(), Length(max=200)])
    preheader = StringField("Preheader", validators=[Length(max=200)])
    short_copy = TextAreaField("Short copy (about 50 words, Markdown)", validators=[Length(max=20_000)])
    medium_copy = TextAreaField(
        "Medium copy (about 150 words, Markdown; the co-branded email's locked text)", validators=[Length(max=20_000)]
    )
    long_copy = TextAreaField("Long copy (about 400 words, Markdown)", validators=[Length(max=20_000)])
    social_linkedin = TextAreaField(f"{NETWORK_NAMES['linkedin']} post", validators=[Length(max=100_000)])
    social_x = TextAreaField(f"{NETWORK_NAMES['x']} post", validators=[Length(max=100_000)])
    social_facebook = TextAreaField(f"{NETWORK_NAMES['facebook']} post", validators=[Length(max=100_000)])
    image_ids = CheckboxListField("Images from the content library", coerce=int, validators=[Optional()])
    cta_label = StringField("Call to action: button label", validators=[Length(max=80)])
    cta_url = StringField(
        "Call to action: link (https://...; the flyer's QR code opens it too)", validators=[Length(max=500)]
    )
    flyer_title = StringField("Flyer title", validators=[Length(max=120)])
    flyer_text = TextAreaField("Flyer text (Markdown)", validators=[Length(max=20_000)])

    def subject_lines(self) -> list[str]:
        return [getattr(self, name).data or "" for name in SUBJECT_FIELDS]

    def social_posts(self) -> dict[str, str]:
        return {network: (getattr(self, f"social_{network}").data or "").strip() for network in SOCIAL_LIMITS}


class KitProofForm(FlaskForm):
    """A test of the kit's co-branded email to oneself: in which language, with whose brand."""

    locale = SelectField(_l("Language"), validate_choice=False)
    partner_id = SelectField(_l("With the brand of"), validate_choice=False)
