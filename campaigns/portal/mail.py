"""Transactional mail: portal sign-in links, preference links and vendor account links, through the outbox.

Both go through the outbox like every message (stored body with the postal address, a unique
idempotency key, suppression check, retries), and are then sent at once from the request by
claiming just that message: someone waiting for a sign-in link should not wait for the next tick.
If sending fails now, the message stays queued and the outbox tick or a worker sends it later.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery import NewDelivery, enqueue, store_body
from campaigns.delivery.models import Delivery
from campaigns.delivery.worker import send_one_now
from campaigns.kits.models import Kit
from core.auth.mail import AccountMail
from core.config import Settings
from core.mail.placeholders import placeholder
from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import Contact, PartnerUser
from subscribers.partners import contact_person
from subscribers.programme.models import TierChange

SIGN_IN_CATEGORY = "portal-sign-in"
PREFERENCE_LINK_CATEGORY = "preference-link"


def _settings() -> Settings:
    settings: Settings = current_app.config["CHANNELCAST"]
    return settings


@dataclass(frozen=True)
class Mail:
    """One transactional message before its body is rendered."""

    folder: str  # templates/email/<folder>/{subject.txt, body.html, body.txt}
    locale: str
    idempotency_key: str
    to_email: str
    to_name: str
    fields: dict[str, str]
    category: str
    contact_id: int | None = None


def _enqueue_one(session: Session, mail: Mail, **context: object) -> int:
    """Render the mail once per language with placeholders, enqueue it, and return its outbox id."""
    settings = _settings()
    values = {"vendor": settings.vendor_name, "postal_address": settings.postal_address, "locale": mail.locale}
    with force_locale(mail.locale):
        subject = render_template(f"email/{mail.folder}/subject.txt", **values, **context).strip()
        html = render_template(f"email/{mail.folder}/body.html", placeholder=placeholder, **values, **context)
        text = render_template(f"email/{mail.folder}/body.txt", placeholder=placeholder, **values, **context)
    body = store_body(session, subject, html, text)
    message = NewDelivery(
        idempotency_key=mail.idempotency_key,
        body=body,
        recipient_email=mail.to_email,
        recipient_name=mail.to_name,
        fields=mail.fields,
        contact_id=mail.contact_id,
        category=mail.category,
    )
    enqueue(session, [message])
    delivery_id: int = session.scalars(
        select(Delivery.id).where(Delivery.idempotency_key == mail.idempotency_key)
    ).one()
    return delivery_id


def send_sign_in_link(session: Session, user: PartnerUser, link: str) -> int:
    """Queue the magic link for `user`. Its unsubscribe and preferences fields point at the sign-in
    page: a transactional mail the person asked for has no list to leave."""
    sign_in_page = _settings().public_base_url + url_for("portal.sign_in")
    mail = Mail(
        folder="portal_sign_in",
        locale=user.locale,
        idempotency_key=f"portal-sign-in:{user.id}:{secrets.token_hex(8)}",
        to_email=user.email,
        to_name=user.name,
        fields={"sign_in_url": link, "name": user.name or user.email, "unsubscribe_url": sign_in_page,
                "preferences_url": sign_in_page},
        category=SIGN_IN_CATEGORY,
    )  # fmt: skip
    return _enqueue_one(session, mail)


def send_preference_link(session: Session, contact: Contact, *, sent_by: PartnerUser) -> int:
    """Queue a contact's own preference-centre link, asked for by their partner's marketer."""
    mail = Mail(
        folder="preference_link",
        locale=contact.locale,
        idempotency_key=f"preference-link:{contact.id}:{secrets.token_hex(8)}",
        to_email=contact.email,
        to_name=contact.name,
        fields={"name": contact.name or contact.email, "preferences_url": preference_url(contact),
                "unsubscribe_url": unsubscribe_url(contact)},
        category=PREFERENCE_LINK_CATEGORY,
        contact_id=contact.id,
    )  # fmt: skip
    return _enqueue_one(session, mail, partner=sent_by.partner.name)


def queue_account_mail(session: Session, account: AccountMail) -> int:
    """A vendor user's invitation or password-reset link (core says what; the outbox sends it)."""
    mail = Mail(
        folder=account.folder,
        locale=account.locale,
        idempotency_key=f"{account.folder}:{account.user_id}:{secrets.token_hex(8)}",
        to_email=account.to_email,
        to_name=account.to_name,
        fields={"link": account.link, "name": account.to_name, "unsubscribe_url": account.sign_in_url,
                "preferences_url": account.sign_in_url},
        category=account.folder.replace("_", "-"),
    )  # fmt: skip
    return _enqueue_one(session, mail, invited_by=account.invited_by)


TIER_DOWNGRADE_CATEGORY = "tier-downgrade"


def queue_tier_downgrade_notice(session: Session, change: TierChange) -> int | None:
    """Tell the partner's account manager (or its stand-in, or distributor team) of a scheduled
    downgrade, before it takes effect. None when nobody looks after the partner."""
    partner = change.partner
    manager = partner.account_manager if partner.account_manager and partner.account_manager.is_active else None
    person = contact_person(partner)
    if person is None or not person.email:
        return None
    settings = _settings()
    page = settings.public_base_url + url_for("subscribers_admin.partner", partner_id=partner.id)
    mail = Mail(
        folder="tier_downgrade",
        locale=manager.locale if manager is not None else partner.default_locale,
        idempotency_key=f"tier-downgrade:{change.id}",
        to_email=person.email,
        to_name=person.name,
        fields={"name": person.name, "unsubscribe_url": page, "preferences_url": page},
        category=TIER_DOWNGRADE_CATEGORY,
    )
    return _enqueue_one(session, mail, change=change, partner=partner, partner_url=page)


def notify_tier_downgrade(session: Session, change: TierChange) -> None:
    queue_tier_downgrade_notice(session, change)


def send_now(session: Session, delivery_id: int) -> None:
    """Hand one queued message to the transport now (after the caller committed it)."""
    send_one_now(session, _settings(), delivery_id)


KIT_TEST_CATEGORY = "kit-test"
KIT_EMAIL_IMAGES = ("logo.png", "hero.jpg", "badge.png")  # the files beside email.html that the email shows


def send_kit_test(session: Session, kit: Kit, user: PartnerUser, html: str, text: str, subject: str) -> int:
    """Queue the kit's co-branded email to the marketer who asked, as their customers would get it.

    Its pictures point at `portal.kit_mail_image` (public, named by the ZIP's sha256: mail clients
    fetch them without signing in). Its unsubscribe and preferences fields point at the sign-in page:
    a test the person asked for has no list to leave."""
    settings = _settings()
    for name in KIT_EMAIL_IMAGES:
        url = settings.public_base_url + url_for("portal.kit_mail_image", sha=kit.sha256, name=name)
        html = html.replace(f'src="{name}"', f'src="{url}"')
    with force_locale(user.locale):
        subject = gettext("Test: %(subject)s", subject=subject)
    sign_in_page = settings.public_base_url + url_for("portal.sign_in")
    body = store_body(session, subject, html, text)
    key = f"kit-test:{kit.id}:{user.id}:{secrets.token_hex(8)}"
    message = NewDelivery(
        idempotency_key=key, body=body, recipient_email=user.email, recipient_name=user.name,
        fields={"unsubscribe_url": sign_in_page, "preferences_url": sign_in_page}, category=KIT_TEST_CATEGORY,
    )  # fmt: skip
    enqueue(session, [message])
    delivery_id: int = session.scalars(select(Delivery.id).where(Delivery.idempotency_key == key)).one()
    return delivery_id
