"""Kit pieces: what vendor marketing writes for a campaign's kits, per language.

Saving checks the pieces exactly as a kit build would (`KitCopy`), so a kit can always be built
from what was saved; an over-limit social post is refused with its network and counts. Every save
bumps the campaign's version: kits built from the old pieces are rebuilt by the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.kits.errors import KitInputError
from campaigns.kits.inputs import PICTURE_ROLES, KitCopy, check_focal
from campaigns.kits.models import KitPiece
from campaigns.kits.social import SOCIAL_LIMITS, check_social_posts
from campaigns.planning.models import Campaign, CampaignStatus
from content.models import MediaAsset
from core.audit import changes_between, record
from core.config import LOCALE_NAMES, LOCALES

CLOSED = (CampaignStatus.ENDED, CampaignStatus.CANCELLED)
CLOSED_REFUSALS = {
    CampaignStatus.ENDED: _l("This campaign has ended: its kit can no longer be changed."),
    CampaignStatus.CANCELLED: _l("This campaign is cancelled: its kit can no longer be changed."),
}
MAX_IMAGES = 6


@dataclass
class PieceDraft:
    """What the kit-pieces form submits for one language."""

    subject_lines: list[str]
    preheader: str = ""
    short_copy: str = ""
    medium_copy: str = ""
    long_copy: str = ""
    social_posts: dict[str, str] = field(default_factory=dict)
    image_ids: list[int] = field(default_factory=list)
    cta_label: str = ""
    cta_url: str = ""
    flyer_title: str = ""
    flyer_text: str = ""
    bullets: list[str] = field(default_factory=list)
    pictures: dict[str, int] = field(default_factory=dict)  # role -> MediaAsset id
    focal_points: dict[int, tuple[float, float]] = field(default_factory=dict)  # MediaAsset id -> (x, y)


def kit_copy(campaign: Campaign, piece: KitPiece | PieceDraft, locale: str) -> KitCopy:
    """The engine's input for one language; raises KitInputError naming the field to fix.

    The flyer's QR code opens the call to action's page: that is the campaign page partners share.
    """
    return KitCopy(
        locale=locale,
        campaign_name=campaign.name,
        subject_lines=tuple(line for line in piece.subject_lines if line.strip()),
        preheader=piece.preheader,
        short_copy=piece.short_copy,
        medium_copy=piece.medium_copy,
        long_copy=piece.long_copy,
        cta_label=piece.cta_label,
        cta_url=piece.cta_url,
        flyer_title=piece.flyer_title,
        flyer_text=piece.flyer_text,
        campaign_url=piece.cta_url,
        social_posts={network: post for network, post in piece.social_posts.items() if post.strip()},
        bullets=tuple(bullet for bullet in (piece.bullets or []) if bullet.strip()),
    )


def pieces_of(session: Session, campaign: Campaign) -> dict[str, KitPiece]:
    """The campaign's pieces by language, in the order of LOCALES."""
    found = {p.locale: p for p in session.scalars(select(KitPiece).where(KitPiece.campaign_id == campaign.id))}
    return {locale: found[locale] for locale in LOCALES if locale in found}


def piece_images(session: Session, piece: KitPiece) -> list[MediaAsset]:
    """The piece's images in its order; an image deleted from the library is left out."""
    assets = {a.id: a for a in session.scalars(select(MediaAsset).where(MediaAsset.id.in_(piece.image_ids or [])))}
    return [assets[i] for i in piece.image_ids if i in assets]


def save_piece(session: Session, campaign: Campaign, locale: str, draft: PieceDraft) -> KitPiece:
    """Check and store one language's pieces; raises KitInputError naming the field."""
    if campaign.status in CLOSED:
        raise KitInputError("", CLOSED_REFUSALS[campaign.status])
    if locale not in LOCALES:
        raise KitInputError(
            "locale", _l("%(locale)s is not one of %(locales)s.", locale=repr(locale), locales=", ".join(LOCALES))
        )
    unknown = sorted(set(draft.social_posts) - set(SOCIAL_LIMITS))
    if unknown:
        raise KitInputError("social", _l("Unknown networks: %(networks)s.", networks=", ".join(unknown)))
    copy = kit_copy(campaign, draft, locale)
    check_social_posts(copy.social_posts)
    pictures = _checked_pictures(draft.pictures)
    # A picture named for a piece is one of the kit's images, whether or not it was ticked too.
    image_ids = list(dict.fromkeys([*draft.image_ids, *pictures.values()]))
    if len(image_ids) > MAX_IMAGES:
        raise KitInputError("image_ids", _l("Choose at most %(limit)s images.", limit=MAX_IMAGES))
    known = set(session.scalars(select(MediaAsset.id).where(MediaAsset.id.in_(image_ids))))
    if set(image_ids) - known:
        raise KitInputError("image_ids", _l("An image you chose is no longer in the library."))
    focal_points = {
        str(image_id): list(check_focal(point, field=f"focal_{image_id}"))
        for image_id, point in draft.focal_points.items()
        if image_id in image_ids
    }
    piece = session.scalar(select(KitPiece).where(KitPiece.campaign_id == campaign.id, KitPiece.locale == locale))
    before = _piece_facts(piece) if piece is not None else {}
    if piece is None:
        piece = KitPiece(campaign=campaign, locale=locale)
        session.add(piece)
    piece.subject_lines = list(copy.subject_lines)
    piece.social_posts = dict(copy.social_posts)
    piece.image_ids = image_ids
    piece.bullets = list(copy.bullets)
    piece.pictures = pictures
    piece.focal_points = focal_points
    for name in ("preheader", "short_copy", "medium_copy", "long_copy", "cta_label", "cta_url", "flyer_title"):
        setattr(piece, name, getattr(copy, name))
    piece.flyer_text = copy.flyer_text
    campaign.version += 1
    session.flush()
    _record_piece(session, "kit_piece.save", campaign, locale, changes_between(before, _piece_facts(piece)))
    return piece


PIECE_FIELDS = ("subject_lines", "preheader", "short_copy", "medium_copy", "long_copy", "social_posts", "image_ids",
                "cta_label", "cta_url", "flyer_title", "flyer_text", "bullets", "pictures",
                "focal_points")  # fmt: skip


def _checked_pictures(pictures: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(pictures) - set(PICTURE_ROLES))
    if unknown:
        raise KitInputError("pictures", _l("Unknown pieces: %(pieces)s.", pieces=", ".join(unknown)))
    return {role: int(pictures[role]) for role in PICTURE_ROLES if pictures.get(role)}


def _piece_facts(piece: KitPiece) -> dict[str, object]:
    facts: dict[str, object] = {name: getattr(piece, name) for name in PIECE_FIELDS if name != "social_posts"}
    facts.update({f"social_{network}": post for network, post in (piece.social_posts or {}).items()})
    return facts


def _record_piece(
    session: Session, action: str, campaign: Campaign, locale: str, changes: dict[str, tuple[object, object]]
) -> None:
    record(
        session, action, object_type="campaign", object_id=campaign.id, object_label=campaign.name,
        changes=changes, detail=f"kit pieces in {LOCALE_NAMES.get(locale, locale)}",
    )  # fmt: skip


def delete_piece(session: Session, campaign: Campaign, piece: KitPiece) -> None:
    _record_piece(session, "kit_piece.delete", campaign, piece.locale, changes_between(_piece_facts(piece), {}))
    session.delete(piece)
    campaign.version += 1
    session.flush()
