from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import InterestArea
from content.services import active_interest_areas, all_interest_areas
from core.auth import User
from tests.conftest import csrf_token_from, sign_in
from tests.content.factories import ContentItemFactory, InterestAreaFactory


def slugs(areas: list[InterestArea]) -> list[str]:
    return [area.slug for area in areas]


def test_an_admin_adds_an_area_with_names_in_several_languages(
    client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    token = csrf_token_from(client, "/content/areas/new")
    response = client.post(
        "/content/areas/new",
        data={
            "csrf_token": token,
            "slug": "edge",
            "name_en": "Edge computing",
            "name_de": "Edge-Computing",
            "description_en": "Small sites.",
        },
    )
    assert response.status_code == 302
    area = session.scalar(select(InterestArea).where(InterestArea.slug == "edge"))
    assert area is not None
    assert (area.name("de"), area.name("sv"), area.description()) == (
        "Edge-Computing",
        "Edge computing",
        "Small sites.",
    )


def test_an_area_needs_a_valid_unused_slug_and_an_english_name(
    client: FlaskClient, session: Session, admin: User
) -> None:
    InterestAreaFactory.create(slug="storage")
    sign_in(client, admin)
    token = csrf_token_from(client, "/content/areas/new")
    taken = client.post("/content/areas/new", data={"csrf_token": token, "slug": "storage", "name_en": "Storage"})
    assert taken.status_code == 400
    assert "exists already" in taken.get_data(as_text=True)
    bad = client.post("/content/areas/new", data={"csrf_token": token, "slug": "Big Data!", "name_en": "Big data"})
    assert "Use lowercase letters" in bad.get_data(as_text=True)
    nameless = client.post("/content/areas/new", data={"csrf_token": token, "slug": "iot", "name_nl": "IoT"})
    assert "English name" in nameless.get_data(as_text=True)


def test_an_admin_edits_an_areas_names(client: FlaskClient, session: Session, admin: User) -> None:
    area = InterestAreaFactory.create(slug="hci", names={"en": "HCI"})
    sign_in(client, admin)
    token = csrf_token_from(client, f"/content/areas/{area.id}")
    client.post(
        f"/content/areas/{area.id}",
        data={"csrf_token": token, "name_en": "Hyperconverged", "name_fr": "Hyperconvergence"},
    )
    session.refresh(area)
    assert area.names == {"en": "Hyperconverged", "fr": "Hyperconvergence"}
    assert area.slug == "hci"


def test_reordering_moves_an_area_one_place(client: FlaskClient, session: Session, admin: User) -> None:
    for slug in ("storage", "server", "cloud"):
        InterestAreaFactory.create(slug=slug)
    cloud = session.scalar(select(InterestArea).where(InterestArea.slug == "cloud"))
    assert cloud is not None
    sign_in(client, admin)
    token = csrf_token_from(client, "/content/areas/")
    client.post(f"/content/areas/{cloud.id}/move", data={"csrf_token": token, "direction": "up"})
    session.expire_all()
    assert slugs(all_interest_areas(session)) == ["storage", "cloud", "server"]
    client.post(f"/content/areas/{cloud.id}/move", data={"csrf_token": token, "direction": "up"})
    client.post(f"/content/areas/{cloud.id}/move", data={"csrf_token": token, "direction": "up"})  # already first
    session.expire_all()
    assert slugs(all_interest_areas(session)) == ["cloud", "storage", "server"]


def test_a_retired_area_leaves_the_choices_but_stays_on_old_items(
    client: FlaskClient, session: Session, admin: User, marketer: User
) -> None:
    old = InterestAreaFactory.create(slug="mainframe", names={"en": "Mainframe"})
    kept = InterestAreaFactory.create(slug="cloud", names={"en": "Cloud"})
    item = ContentItemFactory.create(interest_areas=[old, kept])
    sign_in(client, admin)
    token = csrf_token_from(client, "/content/areas/")
    client.post(f"/content/areas/{old.id}/retire", data={"csrf_token": token})
    session.expire_all()
    assert slugs(active_interest_areas(session)) == ["cloud"]
    assert old.retired_at is not None
    editor = sign_in(client, marketer).get(f"/content/{item.id}").get_data(as_text=True)
    assert ">Mainframe</label>" not in editor.replace(" ", "")
    assert "Mainframe" in editor.split("retired areas")[1].split("</p>")[0]
    # Saving the item keeps the retired area for history.
    form = {
        "csrf_token": csrf_token_from(client, f"/content/{item.id}"),
        "kind": "article",
        "interest_areas": [str(kept.id)],
        "default_locale": "en",
        "priority": "50",
        "text_en-title": "Still here",
    }
    assert client.post(f"/content/{item.id}", data=form).status_code == 302
    session.expire_all()
    assert slugs(item.interest_areas) == ["mainframe", "cloud"]


def test_a_restored_area_is_offered_again(client: FlaskClient, session: Session, admin: User) -> None:
    area = InterestAreaFactory.create(slug="edge", is_active=False)
    sign_in(client, admin)
    client.post(f"/content/areas/{area.id}/restore", data={"csrf_token": csrf_token_from(client, "/content/areas/")})
    session.expire_all()
    assert slugs(active_interest_areas(session)) == ["edge"]


def test_marketers_and_viewers_see_the_areas_but_only_admins_change_them(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    area = InterestAreaFactory.create(slug="security", names={"en": "Security"})
    sign_in(client, marketer)
    page = client.get("/content/areas/").get_data(as_text=True)
    assert "Security" in page
    assert "Retire" not in page
    token = csrf_token_from(client, "/content/areas/")
    assert client.post(f"/content/areas/{area.id}/retire", data={"csrf_token": token}).status_code == 403
    assert client.get("/content/areas/new").status_code == 403
    session.refresh(area)
    assert area.is_active
