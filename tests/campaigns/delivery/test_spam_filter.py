"""Every kind of mail we send, scored by a spam filter: SpamAssassin's local rules must give 0 points.

A newsletter, a partner's kit email, a portal sign-in mail and a preference-link mail are built
the way they are sent, then scored by Debian's `spamassassin` with its local rules only (no DNS
or network tests, no Bayes). Any rule that scores points fails the test and is named.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from campaigns.digests.render import DigestEdition, DigestItem, render_digest
from campaigns.portal.mail import send_now, send_preference_link, send_sign_in_link
from content.cards import build_card
from content.models import ContentKind
from core.mail.transports import MessageBody, OutgoingMessage, message_bytes
from subscribers.portal import create_partner_user
from tests.campaigns.delivery.conftest import POSTAL, SENDER
from tests.campaigns.kits.conftest import build, open_zip
from tests.subscribers.factories import ContactFactory, PartnerFactory

SPAMASSASSIN = shutil.which("spamassassin")
RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SPAMASSASSIN is None,
        reason="spamassassin is not installed (run `make mailtools` as root, or apt-get install spamassassin)",
    ),
]


def scores(messages: dict[str, bytes], home: Path) -> dict[str, list[tuple[float, str, str]]]:
    """Each message's rule hits (points, rule, description), all four scored at once."""
    assert SPAMASSASSIN is not None
    env = {**os.environ, "HOME": str(home)}
    command = [SPAMASSASSIN, "-L", "-t", "--cf=use_bayes 0", "-p", str(home / "user_prefs")]
    running = {
        name: subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for name in messages
    }
    hits = {}
    for name, process in running.items():
        out, err = process.communicate(messages[name], timeout=120)
        report = out.decode(errors="replace")
        assert "Content analysis details" in report, f"spamassassin gave no report for {name}: {err.decode()[-500:]}"
        details = report.split("Content analysis details", 1)[1]
        hits[name] = [
            (float(m.group(1)), m.group(2), m.group(3).strip())
            for line in details.splitlines()
            if (m := RULE.match(line))
        ]
    return hits


def newsletter(app: Flask) -> bytes:
    items = (
        DigestItem(1, build_card(kind=ContentKind.OFFER, title="Storage trade-in: up to 30% back",
                                 summary="Swap ageing arrays for credit towards the new all-flash range.", body="",
                                 cta_label="Read more", cta_url="https://vendor.example/news/1",
                                 image_url="https://cdn.vendor.example/1.png"), ("Storage",)),
        DigestItem(2, build_card(kind=ContentKind.EVENT, title="Partner summit in Utrecht",
                                 summary="Two days of roadmaps, labs and the partner awards.", body="",
                                 cta_label="Register", cta_url="https://vendor.example/news/2"), ("Networking",)),
    )  # fmt: skip
    rendered = render_digest(
        app,
        DigestEdition(
            locale="en",
            items=items,
            vendor_name="Northwind Systems",
            postal_address=POSTAL,
            intro="Here is what is new in the areas you follow.",
        ),
    )
    values = {
        "first_name": "Jan", "contact_name": "Anna de Vries", "contact_details": "+31 20 555 0102",
        "reason": "You follow Storage at Acme IT.", "preferences_url": "https://partners.vendor.example/p/tok",
        "unsubscribe_url": "https://partners.vendor.example/u/tok",
    }  # fmt: skip
    message = OutgoingMessage(
        ref=1, to_email="jan@acme-it.example", to_name="Jan Jansen",
        body=MessageBody("k", rendered.subject, rendered.html, rendered.text), values=values,
        message_id="<1.0123456789ab@channelcast.example>", list_unsubscribe_url=values["unsubscribe_url"],
        category="digest",
    )  # fmt: skip
    return message_bytes(message, SENDER)


def kit_email() -> bytes:
    """The co-branded email from a kit, addressed as the partner sends it from their own mail program."""
    built = build("en")
    raw = next(open_zip(built).read(name) for name in open_zip(built).namelist() if name.endswith(".eml"))
    eml = message_from_bytes(raw, policy=policy.SMTP)
    del eml["X-Unsent"]
    eml["To"] = "Customer <buyer@customer.example>"
    return eml.as_bytes()


def portal_mails(app: Flask, session: Session) -> tuple[bytes, bytes]:
    partner = PartnerFactory.create(name="Acme IT")
    user = create_partner_user(session, partner, "sanne@acme-it.example", name="Sanne Visser", locale="en")
    contact = ContactFactory.create(partner=partner, email="jan@acme-it.example", name="Jan Jansen", locale="en")
    with app.test_request_context():
        sign_in = send_sign_in_link(session, user, "https://partners.vendor.example/portal/sign-in/abc.def")
        preference = send_preference_link(session, contact, sent_by=user)
        session.commit()
        for delivery_id in (sign_in, preference):
            send_now(session, delivery_id)
    outbox = Path(app.config["CHANNELCAST"].outbox_dir)
    return (outbox / f"message-{sign_in}.eml").read_bytes(), (outbox / f"message-{preference}.eml").read_bytes()


def test_spamassassin_gives_every_kind_of_mail_zero_points(app: Flask, session: Session, tmp_path: Path) -> None:
    sign_in, preference = portal_mails(app, session)
    messages = {
        "newsletter": newsletter(app),
        "kit email": kit_email(),
        "sign-in": sign_in,
        "preference link": preference,
    }

    hits = scores(messages, tmp_path)

    scored = {name: [f"{rule} ({points:+}): {why}" for points, rule, why in found if points > 0]
              for name, found in hits.items()}  # fmt: skip
    assert scored == {key: [] for key in messages}, scored
