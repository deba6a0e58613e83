from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from campaigns.kits.inputs import FLYER_TEXT_MAX, MAX_BULLETS, MEDIUM_COPY_MAX, PICTURE_ROLES, SUBJECT_LINES
from campaigns.kits.social import NETWORK_NAMES, SOCIAL_LIMITS
from campaigns.planning.forms import CheckboxListField
from core.audit import form_labels
from core.display import number

SUBJECT_FIELDS = tuple(f"subject_{n}" for n in range(1, SUBJECT_LINES[1] + 1))
BULLET_FIELDS = tuple(f"bullet_{n}" for n in range(1, MAX_BULLETS + 1))
PICTURE_FIELDS = {role: f"picture_{role}" for role in PICTURE_ROLES}
PICTURE_LABELS = {"banner": _l("Banner picture"), "flyer": _l("Flyer picture"), "email": _l("Email header picture")}
# The editor's headings for the pieces edited as a group; the audit trail names their changes the same way.
PIECE_GROUPS = {
    "subject_lines": _l("Subject lines (3 to 5)"),
    "bullets": _l("Key points on the flyer (up to 5, at most 100 characters each)"),
    "pictures": _l("Pictures in this kit"),
    "focal_points": _l("Focal points"),
}


class KitPieceForm(FlaskForm):
    """One language's kit pieces; `pieces.save_piece` checks them as a kit build would."""

    subject_1 = StringField(_l("Subject line 1"), validators=[Length(max=200)])
    subject_2 = StringField(_l("Subject line 2"), validators=[Length(max=200)])
    subject_3 = StringField(_l("Subject line 3"), validators=[Length(max=200)])
    subject_4 = StringField(_l("Subject line 4 (optional)"), validators=[Optional(), Length(max=200)])
    subject_5 = StringField(_l("Subject line 5 (optional)"), validators=[Optional(), Length(max=200)])
    preheader = StringField(_l("Preheader"), validators=[Length(max=200)])
    short_copy = TextAreaField(_l("Short copy (about 50 words, Markdown)"), validators=[Length(max=20_000)])
    medium_copy = TextAreaField(
        _l(
            "Medium copy (about 150 words, at most %(count)s characters, Markdown; the co-branded email's "
            "locked text and the flyer's)",
            count=LazyString(number, MEDIUM_COPY_MAX),  # in the reader's digits: 1,200 or 1.200
        ),
        validators=[Length(max=20_000)],
    )
    long_copy = TextAreaField(_l("Long copy (about 400 words, Markdown)"), validators=[Length(max=20_000)])
    social_linkedin = TextAreaField(
        _l("%(network)s post", network=NETWORK_NAMES["linkedin"]), validators=[Length(max=100_000)]
    )
    social_x = TextAreaField(_l("%(network)s post", network=NETWORK_NAMES["x"]), validators=[Length(max=100_000)])
    social_facebook = TextAreaField(
        _l("%(network)s post", network=NETWORK_NAMES["facebook"]), validators=[Length(max=100_000)]
    )
    image_ids = CheckboxListField(_l("Images from the content library"), coerce=int, validators=[Optional()])
    cta_label = StringField(_l("Call to action: button label"), validators=[Length(max=80)])
    cta_url = StringField(
        _l("Call to action: link (https://...; the flyer's QR code opens it too)"), validators=[Length(max=500)]
    )
    flyer_title = StringField(_l("Flyer title"), validators=[Length(max=120)])
    flyer_text = TextAreaField(
        _l(
            "Flyer call to action: a sentence or two beside the QR code (at most %(count)s characters)",
            count=FLYER_TEXT_MAX,
        ),
        validators=[Length(max=20_000)],
    )
    bullet_1 = StringField(_l("Key point 1"), validators=[Length(max=200)])
    bullet_2 = StringField(_l("Key point 2"), validators=[Length(max=200)])
    bullet_3 = StringField(_l("Key point 3"), validators=[Length(max=200)])
    bullet_4 = StringField(_l("Key point 4"), validators=[Length(max=200)])
    bullet_5 = StringField(_l("Key point 5"), validators=[Length(max=200)])
    picture_banner = SelectField(PICTURE_LABELS["banner"], coerce=int, validate_choice=False)
    picture_flyer = SelectField(PICTURE_LABELS["flyer"], coerce=int, validate_choice=False)
    picture_email = SelectField(PICTURE_LABELS["email"], coerce=int, validate_choice=False)

    def subject_lines(self) -> list[str]:
        return [getattr(self, name).data or "" for name in SUBJECT_FIELDS]

    def bullets(self) -> list[str]:
        return [(getattr(self, name).data or "").strip() for name in BULLET_FIELDS]

    def pictures(self) -> dict[str, int]:
        return {role: getattr(self, name).data for role, name in PICTURE_FIELDS.items() if getattr(self, name).data}

    def social_posts(self) -> dict[str, str]:
        return {network: (getattr(self, f"social_{network}").data or "").strip() for network in SOCIAL_LIMITS}


class KitProofForm(FlaskForm):
    """A test of the kit's co-branded email to oneself: in which language, with whose brand."""

    locale = SelectField(_l("Language"), validate_choice=False)
    partner_id = SelectField(_l("With the brand of"), validate_choice=False)


def piece_change_labels() -> dict[str, object]:
    """{audit field: the editor's label} for a kit piece save (recorded on the campaign)."""
    singles = ("preheader", "short_copy", "medium_copy", "long_copy", "image_ids", "cta_label", "cta_url",
               "flyer_title", "flyer_text", *(f"social_{network}" for network in SOCIAL_LIMITS))  # fmt: skip
    return {**form_labels(KitPieceForm, {name: name for name in singles}), **PIECE_GROUPS}
