"""Opens and clicks of newsletters: what the email carries, what each request gets, what is recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bench.fake_sendgrid import FakeSendGrid
from campaigns.delivery.events import record_sendgrid_events
from campaigns.delivery.models import BodyLink, Event, EventKind
from core.config import Settings
from subscribers.rights import erase_contact
from tests.campaigns.delivery.conftest import START, FakeClock, sendgrid_transport
from tests.campaigns.tracking.conftest import (
    CLOUD_ITEM,
    CLOUD_URL,
    LATER,
    STORAGE_ITEM,
    STORAGE_URL,
    path_of,
    recorded,
    send_newsletters,
)
from tests.subscribers.factories import ContactFactory

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def test_a_newsletter_carries_a_pixel_and_tracked_links_but_its_footer_links_stay_as_they_are(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)

    assert STORAGE_URL.replace("&", "&amp;") not in sent.html
    assert CLOUD_URL not in sent.html
    assert len(sent.links()) == 3  # image and button of the storage card share link 1
    assert sent.links()[0] == sent.links()[1] != sent.links()[2]
    assert sent.pixel.endswith(".gif")
    assert 'href="https://partners.example/p/token-0"' in sent.html
    assert 'href="https://partners.example/u/token-0"' in sent.html
    assert "Storage: https://news.vendor.example/t/c/" in sent.text
    assert "Unsubscribe: https://partners.example/u/token-0" in sent.text
    links = session.query(BodyLink).order_by(BodyLink.position).all()
    assert [(link.url, link.content_item_id) for link in links] == [
        (STORAGE_URL, STORAGE_ITEM),
        (CLOUD_URL, CLOUD_ITEM),
    ]


def test_each_recipient_gets_their_own_links(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    first, second = send_newsletters(session, settings, clock, tmp_path, 2)
    assert set(first.links()).isdisjoint(second.links())
    assert first.pixel != second.pixel


def test_mail_to_staff_and_sign_in_links_are_never_tracked(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path, category="proof")
    assert "/t/" not in sent.html
    assert STORAGE_URL.replace("&", "&amp;") in sent.html


def test_with_tracking_off_the_newsletter_links_go_straight_to_their_pages(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, replace(settings, tracking="off"), clock, tmp_path)
    assert "/t/" not in sent.html
    assert CLOUD_URL in sent.html


def test_with_clicks_only_there_is_no_pixel(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(
        session, settings.__class__(**{**settings.__dict__, "tracking": "clicks"}), clock, tmp_path
    )
    assert "/t/o/" not in sent.html
    assert len(sent.links()) == 3


def test_a_click_goes_to_the_recorded_page_and_counts_once_as_a_human_click_on_its_item(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    with time_machine.travel(LATER, tick=False):
        response = client.get(path_of(sent.links()[2]), headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert response.headers["Location"] == CLOUD_URL
    assert "no-store" in response.headers["Cache-Control"]
    (event,) = recorded(app, session)
    assert (event.kind, event.automated, event.content_item_id) == (EventKind.CLICK, False, CLOUD_ITEM)
    assert (event.delivery_id, event.contact_id, event.occurred_at) == (sent.delivery.id, 0, LATER)
    assert event.detail == {"source": "tracking", "link": 2, "url": CLOUD_URL}


def test_the_pixel_answers_with_an_image_and_records_a_human_open(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    with time_machine.travel(LATER, tick=False):
        response = client.get(path_of(sent.pixel), headers={"User-Agent": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "image/gif"
    assert response.data.startswith(b"GIF89a")
    (event,) = recorded(app, session)
    assert (event.kind, event.automated, event.delivery_id) == (EventKind.OPEN, False, sent.delivery.id)


def test_a_tampered_foreign_or_unknown_click_token_gets_404_and_records_nothing(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    good = path_of(sent.links()[0])
    prefix, body_hex, token = good.rsplit("/", 2)
    ref, link, issued, signature = token.split(".")
    other_body = f"{int(body_hex, 16) + 1:x}"
    tampered = [
        f"{prefix}/{body_hex}/{ref}.{link}.{issued}.{signature[:-2]}AA",  # a changed signature
        f"{prefix}/{body_hex}/{int(ref, 16) + 1:x}.{link}.{issued}.{signature}",  # another message
        f"{prefix}/{body_hex}/{ref}.2.{issued}.{signature}",  # another link of the same body
        f"{prefix}/{body_hex}/{ref}.9.{issued}.{signature}",  # a link the body does not have
        f"{prefix}/{other_body}/{token}",  # another body
        f"{prefix}/zz/{token}",
        "/t/c/1/nonsense",
        "/t/o/nonsense.gif",
    ]
    # The link is recorded as another URL than the token was made for: 404 too.
    session.execute(update(BodyLink).where(BodyLink.position == 1).values(url="https://elsewhere.example/"))
    with time_machine.travel(LATER, tick=False):
        answers = [client.get(path) for path in [good, *tampered]]
    assert [answer.status_code for answer in answers] == [404] * (1 + len(tampered))
    assert all("Location" not in answer.headers for answer in answers)
    assert recorded(app, session) == []


def test_an_expired_link_gets_404(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    with time_machine.travel(START + dt.timedelta(days=401), tick=False):
        assert client.get(path_of(sent.links()[0])).status_code == 404
        assert client.get(path_of(sent.pixel)).status_code == 404
    assert recorded(app, session) == []


def test_a_pixel_for_an_erased_contact_still_answers_but_records_nothing(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    contact = ContactFactory.create(email="contact0@partner.example")
    sent.delivery.contact_id = contact.id
    session.flush()
    erase_contact(session, contact, app, source="cli")
    with time_machine.travel(LATER, tick=False):
        response = client.get(path_of(sent.pixel), headers={"User-Agent": BROWSER})
    assert response.status_code == 200
    assert response.data.startswith(b"GIF89a")
    assert recorded(app, session) == []


def test_machine_opens_are_kept_but_flagged(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    pixel = path_of(sent.pixel)
    with time_machine.travel(START + dt.timedelta(seconds=3), tick=False):
        client.get(pixel, headers={"User-Agent": BROWSER})  # prefetched seconds after sending
    with time_machine.travel(LATER, tick=False):
        client.get(pixel, headers={"User-Agent": "Mozilla/5.0"})  # Apple's privacy proxy
        client.get(pixel, headers={"User-Agent": "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy"})
        client.head(pixel, headers={"User-Agent": BROWSER})
        client.get(pixel, headers={"User-Agent": BROWSER})
    events = recorded(app, session)
    assert [(event.automated, event.detail.get("machine")) for event in events] == [
        (True, "soon"), (True, "agent"), (True, "agent"), (True, "head"), (False, None),
    ]  # fmt: skip


def test_scanner_clicks_are_kept_but_flagged(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    first, second = send_newsletters(session, settings, clock, tmp_path, 2)
    with time_machine.travel(START + dt.timedelta(seconds=2), tick=False):
        assert client.get(path_of(first.links()[0]), headers={"User-Agent": BROWSER}).status_code == 302
    with time_machine.travel(LATER, tick=False):
        assert client.head(path_of(first.links()[2]), headers={"User-Agent": BROWSER}).status_code == 302
        client.get(path_of(first.links()[2]), headers={"User-Agent": "python-requests/2.32"})
    with time_machine.travel(LATER, tick=True):  # every link of the second message within a second
        client.get(path_of(second.links()[0]), headers={"User-Agent": BROWSER})
        client.get(path_of(second.links()[2]), headers={"User-Agent": BROWSER})
    events = recorded(app, session)
    assert [(event.delivery_id, event.automated, event.detail["machine"]) for event in events] == [
        (first.delivery.id, True, "soon"),
        (first.delivery.id, True, "head"),
        (first.delivery.id, True, "agent"),
        (second.delivery.id, True, "burst"),
        (second.delivery.id, True, "burst"),
    ]


def test_one_human_click_among_several_is_not_a_burst(
    app: Flask, client: FlaskClient, session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, settings, clock, tmp_path)
    with time_machine.travel(LATER, tick=False):
        client.get(path_of(sent.links()[0]), headers={"User-Agent": BROWSER})
    with time_machine.travel(LATER + dt.timedelta(minutes=2), tick=False):
        client.get(path_of(sent.links()[2]), headers={"User-Agent": BROWSER})
    assert [event.automated for event in recorded(app, session)] == [False, False]


def test_sendgrid_carries_our_links_as_substitutions_and_its_own_tracking_is_off(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path, fake_sendgrid: FakeSendGrid
) -> None:
    transport = sendgrid_transport(fake_sendgrid)
    transport.own_tracking = True
    send_newsletters(session, settings, clock, tmp_path, 2, transport=transport)
    (payload,) = fake_sendgrid.payloads
    assert fake_sendgrid.rejections == []
    assert payload["tracking_settings"] == {
        "click_tracking": {"enable": False, "enable_text": False}, "open_tracking": {"enable": False},
    }  # fmt: skip
    html = next(part["value"] for part in payload["content"] if part["type"] == "text/html")
    assert "%%track_link_1.html%%" in html
    assert "%%track_open.html%%" in html
    first, second = (p["substitutions"] for p in payload["personalizations"])
    assert first["%%track_link_1%%"].startswith("https://news.vendor.example/t/c/")
    assert first["%%track_link_1%%"] != second["%%track_link_1%%"]


def test_sendgrids_machine_opens_are_flagged_and_its_clicks_name_their_item(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    (sent,) = send_newsletters(session, replace(settings, tracking="off"), clock, tmp_path)
    ref = str(sent.delivery.id)
    items = [
        {"event": "open", "sg_event_id": "sg-1", "delivery_id": ref, "sg_machine_open": True, "timestamp": 1772442000},
        {"event": "open", "sg_event_id": "sg-2", "delivery_id": ref, "sg_machine_open": False, "timestamp": 1772442600},
        {"event": "click", "sg_event_id": "sg-3", "delivery_id": ref, "url": CLOUD_URL, "timestamp": 1772442700},
        {"event": "click", "sg_event_id": "sg-3", "delivery_id": ref, "url": CLOUD_URL, "timestamp": 1772442700},
    ]
    outcome = record_sendgrid_events(session, items, now=LATER)
    assert (outcome.recorded, outcome.duplicates) == (3, 1)
    events = session.scalars(select(Event).where(Event.kind.in_(["open", "click"])).order_by(Event.id)).all()
    assert [(event.kind, event.automated, event.content_item_id) for event in events] == [
        (EventKind.OPEN, True, None), (EventKind.OPEN, False, None), (EventKind.CLICK, False, CLOUD_ITEM),
    ]  # fmt: skip
