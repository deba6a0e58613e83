"""Vendor marketing writes kit pieces per language; the server checks them as a kit build would."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from campaigns.kits.pieces import pieces_of
from campaigns.planning.models import Campaign
from core.auth.models import User
from tests.campaigns.portal.conftest import draft
from tests.conftest import csrf_token_from, sign_in


def form_data(client: FlaskClient, path: str, **changes: str) -> dict[str, object]:
    piece = draft("de", [])
    data: dict[str, object] = {
        "csrf_token": csrf_token_from(client, path),
        **{f"subject_{n}": line for n, line in enumerate(piece.subject_lines, start=1)},
        "preheader": "Ein Vorspann",
        "short_copy": piece.short_copy,
        "medium_copy": piece.medium_copy,
        "long_copy": piece.long_copy,
        **{f"social_{network}": post for network, post in piece.social_posts.items()},
        "cta_label": "Angebot anfordern",
        "cta_url": "https://vendor.example/de/tausch",
        "flyer_title": "Tauschen Sie alten Speicher",
        "flyer_text": piece.flyer_text,
    }
    data.update(changes)
    return data


def test_a_marketer_adds_german_pieces_and_the_campaign_version_moves(
    app: Flask, client: FlaskClient, session: Session, marketer: User, live_campaign: Campaign
) -> None:
    sign_in(client, marketer)
    path = f"/campaigns/{live_campaign.id}/kit/de"
    version = live_campaign.version
    response = client.post(path, data=form_data(client, path))
    assert response.status_code == 302
    session.expire_all()
    assert pieces_of(session, live_campaign)["de"].preheader == "Ein Vorspann"
    assert live_campaign.version == version + 1
    overview = client.get(f"/campaigns/{live_campaign.id}/kit").get_data(as_text=True)
    assert "Locked" in overview
    assert "Partner-filled" in overview


def test_an_x_post_over_280_is_refused_naming_the_counts(
    client: FlaskClient, marketer: User, live_campaign: Campaign
) -> None:
    sign_in(client, marketer)
    path = f"/campaigns/{live_campaign.id}/kit/de"
    response = client.post(path, data=form_data(client, path, social_x="Speicher " * 40))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The X post is 359 characters as X counts them; the limit is 280 (79 too many)." in page
    assert "359 / 280 characters: 79 too many" in page


def test_two_subject_lines_are_not_enough_and_long_ones_are_flagged(
    client: FlaskClient, marketer: User, live_campaign: Campaign
) -> None:
    sign_in(client, marketer)
    path = f"/campaigns/{live_campaign.id}/kit/de"
    response = client.post(path, data=form_data(client, path, subject_3="", subject_1="x" * 70))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "give 3 to 5 subject lines, not 2" in page.lower()
    assert "70 / 60 characters (longer than the guideline)" in page


def test_viewers_read_but_cannot_change_kit_pieces(client: FlaskClient, viewer: User, live_campaign: Campaign) -> None:
    sign_in(client, viewer)
    assert client.get(f"/campaigns/{live_campaign.id}/kit").status_code == 200
    assert client.get(f"/campaigns/{live_campaign.id}/kit/de").status_code == 403


@pytest.mark.parametrize(
    ("reads", "changes", "refusal"),
    [
        (
            "de",
            {"social_x": "Speicher " * 40},
            "Der X-Beitrag hat 359 Zeichen, so wie X sie zählt; die Grenze ist 280 (79 zu viel).",
        ),
        ("nl", {"flyer_text": "Tausch " * 300}, "Is 2.099 tekens lang; maximaal 300."),  # Dutch digits too
    ],
)
def test_a_marketer_reads_the_refusal_in_their_own_language(
    session: Session, client: FlaskClient, marketer: User, live_campaign: Campaign, reads: str,
    changes: dict[str, str], refusal: str,
) -> None:  # fmt: skip
    marketer.locale = reads  # the German pieces, edited by someone who reads the admin in `reads`
    session.flush()
    sign_in(client, marketer)
    path = f"/campaigns/{live_campaign.id}/kit/de"
    response = client.post(path, data=form_data(client, path, **changes))
    assert response.status_code == 400
    assert refusal in response.get_data(as_text=True)


def test_a_kit_pieces_save_reads_with_the_editors_field_labels(
    client: FlaskClient, marketer: User, admin: User, live_campaign: Campaign
) -> None:
    sign_in(client, marketer)
    path = f"/campaigns/{live_campaign.id}/kit/de"
    assert client.post(path, data=form_data(client, path, cta_label="Jetzt tauschen")).status_code == 302

    sign_in(client, admin)
    for page in (client.get(f"/campaigns/{live_campaign.id}"), client.get("/admin/audit/")):
        text = page.get_data(as_text=True)
        assert '<span class="changes__field">Call to action: button label</span>' in text
        assert "Flyer call to action: a sentence or two beside the QR code" in text
        assert "cta label" not in text
        assert "flyer text" not in text


def test_a_piece_with_images_opens_and_its_pictures_read_by_name_in_the_history(
    client: FlaskClient, session: Session, marketer: User, live_campaign: Campaign
) -> None:
    sign_in(client, marketer)
    path = f"/campaigns/{live_campaign.id}/kit/en"
    page = client.get(path)
    assert page.status_code == 200
    assert "Across (%)" in page.get_data(as_text=True)
    first, *others = pieces_of(session, live_campaign)["en"].image_ids
    focal = {f"focal_x-{first}": "20", f"focal_y-{first}": "30"}
    data = form_data(client, path, picture_banner=str(first), **focal)
    data["image_ids"] = [str(ident) for ident in (first, *others)]
    assert client.post(path, data=data).status_code == 302

    history = client.get(f"/campaigns/{live_campaign.id}").get_data(as_text=True)
    assert "Banner picture: photo-1.jpg" in history
    assert "photo-1.jpg (20%, 30%)" in history
