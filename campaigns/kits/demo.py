"""Demo kits: pieces in English, Dutch and German for the live demo campaigns, partner marketers for
three demo partners, and those partners' kits built at once (the first tick builds everybody else's).

Deterministic: the same partners, addresses and texts every time; running it again changes nothing.
"""

from __future__ import annotations

import random
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.kits.builds import build_due_kits
from campaigns.kits.inputs import PICTURE_ROLES
from campaigns.kits.models import KitPiece
from campaigns.kits.pieces import PieceDraft, save_piece
from campaigns.planning.models import Campaign, CampaignStatus
from content.models import ContentItem, content_item_areas
from core.db import utc_now
from core.storage import storage_for
from subscribers.models import Partner, PartnerUser
from subscribers.portal import create_partner_user

# country -> the demo marketer's address; each signs in to the portal with a magic link.
DEMO_PORTAL_USERS = {
    "NL": ("marketing@portal-nl.demo.channelcast.example", "Sanne Visser", "nl"),
    "DE": ("marketing@portal-de.demo.channelcast.example", "Lukas Becker", "de"),
    "GB": ("marketing@portal-gb.demo.channelcast.example", "Olivia Hughes", "en"),
}
DEMO_TIERS = ("gold", "platinum")  # so the tier-limited demo campaign reaches them too

TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "subjects": ["{topic}: what it means for your customers", "Your customers are asking about {topic}",
                     "{topic}, ready to send"],
        "preheader": "Ready-made texts and images for your own mailing.",
        "short": "**{topic}** is here. Help your customers plan the next step with ready-made offers and support "
                 "from our partner team.",
        "medium": "Your customers want to know what changes and what it costs. This campaign gives "
                  "you everything to start the conversation: a clear offer, proof points and a partner team "
                  "that helps with the first quotes.\n\n- Concrete offers for existing customers\n- Fast quotes "
                  "with partner pricing\n- Workshops you can run yourself\n\nTalk to us about your first deals.",
        "cta": "Read more", "flyer": "{topic}: talk to us",
        "flyer_text": "Ask us how {topic} helps your business. Scan the code for the details.",
        "social": "{topic}: find out what it means for you. https://vendor.example/campaigns",
    },
    "nl": {
        "subjects": ["{topic}: wat het betekent voor uw klanten", "Uw klanten vragen naar {topic}",
                     "{topic}, klaar om te versturen"],
        "preheader": "Kant-en-klare teksten en beelden voor uw eigen mailing.",
        "short": "**{topic}** is er. Help uw klanten de volgende stap te plannen met kant-en-klare aanbiedingen "
                 "en steun van ons partnerteam.",
        "medium": "Uw klanten willen weten wat er verandert en wat het kost. Deze campagne geeft u "
                  "alles om het gesprek te beginnen: een helder aanbod, bewijs en een partnerteam dat helpt bij "
                  "de eerste offertes.\n\n- Concrete aanbiedingen voor bestaande klanten\n- Snelle offertes met "
                  "partnerprijzen\n- Workshops die u zelf kunt geven\n\nPraat met ons over uw eerste deals.",
        "cta": "Lees meer", "flyer": "{topic}: praat met ons",
        "flyer_text": "Vraag ons hoe {topic} uw bedrijf helpt. Scan de code voor de details.",
        "social": "{topic}: ontdek wat het voor u betekent. https://vendor.example/campagnes",
    },
    "de": {
        "subjects": ["{topic}: was es für Ihre Kunden bedeutet", "Ihre Kunden fragen nach {topic}",
                     "{topic}, versandfertig"],
        "preheader": "Fertige Texte und Bilder für Ihr eigenes Mailing.",
        "short": "**{topic}** ist da. Helfen Sie Ihren Kunden, den nächsten Schritt zu planen, mit fertigen "
                 "Angeboten und Unterstützung durch unser Partnerteam.",
        "medium": "Ihre Kunden wollen wissen, was sich ändert und was es kostet. Diese Kampagne "
                  "gibt Ihnen alles für das Gespräch: ein klares Angebot, Belege und ein Partnerteam, das bei "
                  "den ersten Angeboten hilft.\n\n- Konkrete Angebote für Bestandskunden\n- Schnelle Angebote "
                  "mit Partnerpreisen\n- Workshops, die Sie selbst halten können\n\nSprechen Sie mit uns über "
                  "Ihre ersten Abschlüsse.",
        "cta": "Mehr erfahren", "flyer": "{topic}: sprechen Sie mit uns",
        "flyer_text": "Fragen Sie uns, wie {topic} Ihrem Unternehmen hilft. Scannen Sie den Code für Details.",
        "social": "{topic}: erfahren Sie, was es für Sie bedeutet. https://vendor.example/kampagnen",
    },
}  # fmt: skip


def _draft(locale: str, topic: str, image_ids: list[int]) -> PieceDraft:
    words = TEXTS[locale]
    bullets = [line[2:] for line in words["medium"].splitlines() if line.startswith("- ")]
    medium = words["medium"].format(topic=topic)
    return PieceDraft(
        subject_lines=[line.format(topic=topic) for line in words["subjects"]],
        preheader=words["preheader"],
        short_copy=words["short"].format(topic=topic),
        medium_copy=medium,
        long_copy="\n\n".join([medium, words["short"].format(topic=topic), medium.split("\n\n", 1)[1]]),
        social_posts={network: words["social"].format(topic=topic) for network in ("linkedin", "x", "facebook")},
        image_ids=image_ids,
        cta_label=words["cta"],
        cta_url=f"https://vendor.example/{locale}/campaigns",
        flyer_title=words["flyer"].format(topic=topic)[:120],
        flyer_text=words["flyer_text"].format(topic=topic),
        bullets=bullets,
        # The campaign's own first picture in every piece; a campaign without one gets plain headers.
        pictures=dict.fromkeys(PICTURE_ROLES, image_ids[0]) if image_ids else {},
    )


def campaign_pictures(session: Session, campaign: Campaign, limit: int = 3) -> list[int]:
    """Pictures of the campaign's own content: its items' images, else those of items in its
    interest areas; never a picture from an unrelated item."""
    own = [item.hero_image_id for item in campaign.content_items if item.hero_image_id]
    if own:
        return own[:limit]
    area_ids = [area.id for area in campaign.interest_areas]
    query = (
        select(ContentItem.hero_image_id)
        .join(content_item_areas, content_item_areas.c.item_id == ContentItem.id)
        .where(content_item_areas.c.area_id.in_(area_ids), ContentItem.hero_image_id.is_not(None))
        .order_by(ContentItem.id)
    )
    return [image_id for image_id in dict.fromkeys(session.scalars(query)) if image_id is not None][:limit]


def _portal_partners(session: Session) -> list[tuple[Partner, tuple[str, str, str]]]:
    chosen = []
    for country, person in DEMO_PORTAL_USERS.items():
        partner = session.scalar(
            select(Partner)
            .where(Partner.country == country, Partner.tier.in_(DEMO_TIERS))
            .order_by(Partner.name)
            .limit(1)
        ) or session.scalar(select(Partner).where(Partner.country == country).order_by(Partner.name).limit(1))
        if partner is not None:
            chosen.append((partner, person))
    return chosen


def demo_kits(session: Session, _rng: random.Random) -> str:
    users = 0
    for partner, (email, name, locale) in _portal_partners(session):
        if session.scalar(select(PartnerUser.id).where(PartnerUser.email == email)) is None:
            create_partner_user(session, partner, email, name=name, locale=locale)
            users += 1
        if not partner.brand_contact_name:
            partner.brand_contact_name = name  # the person their customers ask for, on the flyer
    live = session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.LIVE).order_by(Campaign.id))
    pieces = 0
    for campaign in live:
        have = set(session.scalars(select(KitPiece.locale).where(KitPiece.campaign_id == campaign.id)))
        images = campaign_pictures(session, campaign)
        for locale in TEXTS:
            if locale not in have:
                save_piece(session, campaign, locale, _draft(locale, campaign.name, images))
                pieces += 1
    partner_ids = [partner.id for partner, _person in _portal_partners(session)]
    summary = build_due_kits(
        session,
        storage=storage_for(),
        settings=current_app.config["CHANNELCAST"],
        now=utc_now(),
        partner_ids=partner_ids or [-1],
        processes=1,
    )
    return f"{users} portal users, {pieces} kit pieces, {summary}"
