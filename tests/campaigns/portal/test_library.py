"""The community library in the portal: what the partner may see, in their language, searchable."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from content.models import ContentItem, ContentKind, ContentStatus, InterestArea
from core.auth.models import User
from subscribers.models import Partner, PartnerUser
from subscribers.portal import create_partner_user
from tests.campaigns.portal.conftest import portal_client
from tests.content.factories import NOW, CompetencyFactory, ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import CertificationFactory, ContactFactory


def item(area: InterestArea, texts: dict[str, tuple[str, str]], **fields: object) -> ContentItem:
    """A published item with a title and body per language."""
    made = ContentItemFactory.create(interest_areas=[area], locales=tuple(texts), default_locale=next(iter(texts)),
                                     **fields)  # fmt: skip
    for variant in made.variants:
        variant.title, variant.body = texts[variant.locale]
    return made


@pytest.fixture
def library(session: Session) -> dict[str, ContentItem]:
    storage = InterestAreaFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag", "pl": "Pamięć"})
    cloud = InterestAreaFactory.create(slug="cloud", names={"en": "Cloud", "nl": "Cloud", "pl": "Chmura"})
    items = {
        "dutch": item(storage, {"nl": ("Nieuwe opslagservers voor het mkb", "Bespaar energie met snellere opslag.")}),
        "polish": item(cloud, {"pl": ("Szkolenie z bezpieczeństwa chmury", "Zapisz się na szkolenie online.")},
                       kind=ContentKind.TRAINING, starts_at=NOW + dt.timedelta(days=9),
                       ends_at=NOW + dt.timedelta(days=9, hours=2)),
        "english": item(cloud, {"en": ("Cloud backup offer", "Back up every laptop to the cloud.")},
                        kind=ContentKind.OFFER),
        "platinum": item(storage, {"nl": ("Geheime opslagdeal", "Alleen voor platinum."), "en": ("Secret", "")},
                         allowed_tiers=["platinum"]),
        "draft": item(storage, {"nl": ("Opslag in concept", "Nog niet klaar.")}, status=ContentStatus.DRAFT),
    }  # fmt: skip
    session.flush()
    return items


@pytest.fixture
def polish_marketer(session: Session, acme: Partner) -> PartnerUser:
    return create_partner_user(session, acme, "ola@acme-it.example", name="Ola Nowak", locale="pl")


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def listing(client: FlaskClient, **args: str) -> str:
    response = client.get("/portal/library", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_library_lists_what_the_partners_tier_may_see_in_their_language_with_fallbacks_marked(
    client: FlaskClient, library: dict[str, ContentItem], marketer_at_acme: PartnerUser
) -> None:
    page = listing(portal_client(client, marketer_at_acme))
    assert "Nieuwe opslagservers voor het mkb" in page
    assert "Cloud backup offer" in page  # English only: shown in English, marked
    assert "not yet translated" in page or "nog niet vertaald" in page
    assert "Geheime opslagdeal" not in page  # platinum only; acme is gold
    assert "Opslag in concept" not in page  # a draft


def test_the_search_finds_items_in_dutch_and_in_polish(
    client: FlaskClient,
    library: dict[str, ContentItem],
    marketer_at_acme: PartnerUser,
    polish_marketer: PartnerUser,
) -> None:
    portal_client(client, marketer_at_acme)
    found = listing(client, q="opslagservers")
    assert "Nieuwe opslagservers voor het mkb" in found
    assert "Cloud backup offer" not in found
    assert "Nieuwe opslagservers" in listing(client, q="energie")
    # One server, many servers: Dutch stemming on PostgreSQL, a prefix on SQLite.
    assert "Nieuwe opslagservers" in listing(client, q="opslagserver")
    assert "Geheime opslagdeal" not in listing(client, q="geheime")  # the rule still decides

    portal_client(client, polish_marketer)
    found = listing(client, q="szkolenie")
    assert "Szkolenie z bezpieczeństwa chmury" in found
    assert "Nieuwe opslagservers" not in found
    assert "Szkolenie z bezpieczeństwa" in listing(client, q="bezpieczeństwa chmury")


@pytest.mark.parametrize(
    "query",
    ['"', 'opslag" OR "x', "opslag AND NEAR(a b", "%", "opslag*", "-opslag", "a & b | !c:*",
     "'; DROP TABLE content_items; --", "x" * 2000, "ö" * 2000],
)  # fmt: skip
def test_any_search_text_is_treated_as_text_never_an_error_page(
    client: FlaskClient, library: dict[str, ContentItem], marketer_at_acme: PartnerUser, query: str
) -> None:
    page = listing(portal_client(client, marketer_at_acme), q=query)
    assert "Library" in page or "Bibliotheek" in page


def test_filters_narrow_the_library_by_kind_and_area(
    client: FlaskClient, library: dict[str, ContentItem], marketer_at_acme: PartnerUser
) -> None:
    portal_client(client, marketer_at_acme)
    offers = listing(client, kind="offer")
    assert "Cloud backup offer" in offers
    assert "Nieuwe opslagservers" not in offers
    area_id = library["dutch"].interest_areas[0].id
    storage = listing(client, area=str(area_id))
    assert "Nieuwe opslagservers" in storage
    assert "Cloud backup offer" not in storage
    assert "Nieuwe opslagservers" in listing(client, kind="nonsense", area="drop table")  # unknown: ignored


def test_an_items_page_offers_its_texts_and_an_event_its_dates_in_the_partners_zone_and_a_calendar_file(
    client: FlaskClient,
    session: Session,
    library: dict[str, ContentItem],
    polish_marketer: PartnerUser,
    account_manager: User,
) -> None:
    polish_marketer.partner.account_manager = account_manager
    session.flush()
    portal_client(client, polish_marketer)
    training = library["polish"]
    page = client.get(f"/portal/library/{training.id}").get_data(as_text=True)
    assert "Zapisz się na szkolenie online." in page
    assert 'data-copy="text-title"' in page
    assert "10:00" in page  # 09:00 UTC in the partner's zone: acme is Dutch, Amsterdam is UTC+1 in March
    assert "11 marca 2026" in page  # in the reader's language
    assert account_manager.name in page
    ics = client.get(f"/portal/library/{training.id}/calendar.ics")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    event = next(iter(Calendar.from_ical(ics.data).walk("VEVENT")))
    assert event.decoded("dtstart") == NOW + dt.timedelta(days=9)
    assert str(event.get("summary")) == "Szkolenie z bezpieczeństwa chmury"


def test_an_item_the_partner_may_not_see_is_not_found(
    client: FlaskClient, library: dict[str, ContentItem], marketer_at_acme: PartnerUser
) -> None:
    portal_client(client, marketer_at_acme)
    for name in ("platinum", "draft"):
        assert client.get(f"/portal/library/{library[name].id}").status_code == 404
    assert client.get(f"/portal/library/{library['english'].id}/calendar.ics").status_code == 404  # no dates


def test_the_library_needs_a_signed_in_partner(client: FlaskClient, library: dict[str, ContentItem]) -> None:
    response = client.get("/portal/library")
    assert response.status_code in (302, 303)
    assert "/portal/sign-in" in response.headers["Location"]


def test_an_item_requiring_a_competency_is_in_the_library_only_of_partners_that_hold_it(
    client: FlaskClient,
    session: Session,
    library: dict[str, ContentItem],
    marketer_at_acme: PartnerUser,
    marketer_at_globex: PartnerUser,
) -> None:
    competency = CompetencyFactory.create(slug="storage-expert", names={"en": "Storage expert", "nl": "Opslagexpert"})
    CertificationFactory.create(contact=ContactFactory.create(partner=marketer_at_acme.partner), competency=competency)
    gated = library["dutch"]
    assert "Nieuwe opslagservers voor het mkb" in listing(portal_client(client, marketer_at_globex))
    gated.required_competency_id = competency.id
    session.flush()
    holder = portal_client(client, marketer_at_acme)
    assert "Nieuwe opslagservers voor het mkb" in listing(holder, competency=str(competency.id))
    assert "Cloud backup offer" not in listing(holder, competency=str(competency.id))  # requires none
    assert holder.get(f"/portal/library/{gated.id}").status_code == 200
    other = portal_client(client, marketer_at_globex)
    assert "Nieuwe opslagservers voor het mkb" not in listing(other)
    assert other.get(f"/portal/library/{gated.id}").status_code == 404
