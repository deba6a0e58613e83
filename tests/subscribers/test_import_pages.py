"""The two CSV import pages speak the admin's language: the heading, the summary and every row's
problem, with counts written the way that language writes them; the CLI and the API keep English."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.auth.models import User
from tests.api_helpers import call, make_token
from tests.conftest import csrf_token_from, sign_in
from tests.content.factories import CompetencyFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory

CONTACTS_PAGE = "/admin/contacts/import"
CERTIFICATIONS_PAGE = "/admin/programme/certifications/import"
CONTACTS_HEADER = "email,partner,tier,type,country"
# 1,200 good rows, then a new partner with a tier that does not exist: the spreadsheet's row 1202.
CONTACT_ROWS = [f"person{n}@acme.example,Acme IT,gold,solution,NL" for n in range(1_200)]
BAD_TIER = "eva@globex.example,Globex,diamond,solution,DE"


def contacts_file(*rows: str) -> str:
    return "\n".join([CONTACTS_HEADER, *rows]) + "\n"


def upload(client: FlaskClient, page: str, text: str, name: str) -> tuple[int, str]:
    """Post the file as the page's form does; the status and the page's text (entities decoded)."""
    form = {"csrf_token": csrf_token_from(client, page), "file": (io.BytesIO(text.encode()), name), "delimiter": ""}
    response = client.post(page, data=form, content_type="multipart/form-data")
    return response.status_code, html.unescape(response.get_data(as_text=True))


Speaking = Callable[[str], User]


@pytest.fixture
def admin_speaking(session: Session, marketer: User, client: FlaskClient) -> Speaking:
    """The marketer, signed in, with their own language set (as on their account page)."""

    def speaking(locale: str) -> User:
        marketer.locale = locale
        session.flush()
        sign_in(client, marketer)
        return marketer

    return speaking


def test_a_german_admin_reads_a_failed_contacts_import_in_german_with_german_numbers(
    client: FlaskClient, admin_speaking: Speaking, areas: list[InterestArea]
) -> None:
    admin_speaking("de")
    status, page = upload(client, CONTACTS_PAGE, contacts_file(*CONTACT_ROWS, BAD_TIER), "liste.csv")
    assert status == 400
    assert '<h2 id="report-title">Fehler: nichts importiert</h2>' in page
    assert "1.201 Zeilen aus liste.csv gelesen." in page
    assert "Kontakte: 0 neu, 0 aktualisiert, 0 unverändert (würde gespeichert)." in page
    assert "1 Fehler: Es wurde nichts importiert. Beheben Sie ihn und starten Sie den Import erneut." in page
    assert "<td>1202</td><td>tier</td><td>'diamond' ist keine Stufe; verwenden Sie eine von: " in page
    assert '<th scope="col">Zeile</th><th scope="col">Spalte</th><th scope="col">Problem</th>' in page
    assert "rows read" not in page
    assert "is not a tier" not in page


def test_a_dutch_admin_reads_a_failed_certifications_import_in_dutch_with_dutch_numbers(
    client: FlaskClient, session: Session, admin_speaking: Speaking
) -> None:
    CompetencyFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})
    ContactFactory.create(partner=PartnerFactory.create(name="Acme IT"), email="ines@acme.example")
    admin_speaking("nl")
    rows = [f"ines@acme.example,storage,Storage Specialist {n},2025-06-01," for n in range(1_200)]
    rows.append("ines@acme.example,storage,Storage Expert,2025-06-01,2025-01-01")
    text = "Email,Competency,Certification,Earned on,Expires on\n" + "\n".join(rows) + "\n"
    status, page = upload(client, CERTIFICATIONS_PAGE, text, "certificaten.csv")
    assert status == 400
    assert '<h2 id="report-title">Fouten: niets geïmporteerd</h2>' in page
    assert "1.201 rijen gelezen: 0 nieuw, 0 bijgewerkt, 0 ongewijzigd." in page
    assert "1 fout: er is niets geïmporteerd. Herstel die en start de import opnieuw." in page
    problem = "2025-01-01 ligt vóór de dag waarop het is behaald (2025-06-01)"
    assert f"<td>1202</td><td>expires_on</td><td>{problem}</td>" in page
    assert "is before the day" not in page


def test_a_file_the_pages_cannot_read_is_refused_in_the_admins_language(
    client: FlaskClient, admin_speaking: Speaking, areas: list[InterestArea]
) -> None:
    admin_speaking("nl")
    status, page = upload(client, CONTACTS_PAGE, "email,name\njan@acme.example,Jan\n", "contacten.csv")
    assert status == 400
    assert "De kopregel heeft geen kolom voor partner (gevonden: email, name)." in page
    status, page = upload(client, CERTIFICATIONS_PAGE, "", "leeg.csv")
    assert status == 400
    assert "Het bestand is leeg: het heeft een kopregel en minstens één certificaat nodig." in page


def test_a_cell_with_markup_is_shown_as_text_in_its_problem(
    client: FlaskClient, admin_speaking: Speaking, areas: list[InterestArea]
) -> None:
    admin_speaking("de")
    form: dict[str, Any] = {"csrf_token": csrf_token_from(client, CONTACTS_PAGE), "delimiter": ""}
    form["file"] = (io.BytesIO(contacts_file("<b>boss</b>,Acme IT,gold,solution,NL").encode()), "<i>x</i>.csv")
    page = client.post(CONTACTS_PAGE, data=form, content_type="multipart/form-data").get_data(as_text=True)
    assert "&#39;&lt;b&gt;boss&lt;/b&gt;&#39; ist keine gültige E-Mail-Adresse" in page
    assert "1 Zeile aus &lt;i&gt;x&lt;/i&gt;.csv gelesen." in page
    assert "<b>boss</b>" not in page
    assert "<i>x</i>" not in page


def test_the_cli_prints_the_same_report_in_english_with_english_numbers(
    app: Flask, session: Session, areas: list[InterestArea], tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    big.write_text(contacts_file(*CONTACT_ROWS, BAD_TIER))
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(big)])
    assert result.exit_code == 1
    assert "row 1202, column tier: 'diamond' is not a tier; use one of: " in result.output
    assert "1,201 rows read from big.csv." in result.output
    assert "1 error: nothing was imported. Fix it and run the import again." in result.output


def test_the_api_names_bad_rows_in_english_whatever_language_the_caller_asks_for(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    partner = PartnerFactory.create()
    rows = [{"email": "tz@p.example", "partner_id": partner.id, "timezone": "Mars/Olympus"}]
    refused = call(client, "POST", "/api/v1/contacts/bulk", make_token(app, session), json={"rows": rows},
                   headers={"Accept-Language": "de"})  # fmt: skip
    assert refused.status_code == 422
    problem = "'Mars/Olympus' is not an IANA time zone (e.g. Europe/Amsterdam)"
    assert refused.get_json()["errors"][0]["detail"] == problem
