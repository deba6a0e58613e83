from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.auth.models import User
from core.csv_export import csv_text, safe_cell
from subscribers.importer import ImportRefused, ImportReport, import_contacts
from subscribers.models import ConsentRecord, ConsentSource, Contact, ContactStatus, Partner, SuppressionReason
from subscribers.schedule import Frequency
from subscribers.suppression import forget_address, suppress
from tests.conftest import refreshed
from tests.subscribers.factories import DistributorTeamFactory

TIERS = ("registered", "silver", "gold", "platinum")
HEADER = "Email,Partner,Tier,Type,Country,Name,Interests,Frequency,Weekday,Hour,Timezone,Locale"
GOOD = [
    "jan@acme.example,Acme IT,gold,solution,NL,Jan Jansen,storage|cloud,weekly,tuesday,9,Europe/Amsterdam,nl",
    "eva@acme.example,Acme IT,gold,solution,NL,Eva Smit,security,monthly,0,8,,",
    "lars@nordic.example,Nordic Data,silver,sales,SE,Lars Berg,,quarterly,,,,",
]


def run(
    session: Session,
    text: str | bytes,
    *,
    dry_run: bool = False,
    name: str = "contacts.csv",
    delimiter: str | None = None,
) -> ImportReport:
    data = text.encode() if isinstance(text, str) else text
    return import_contacts(session, data, file_name=name, tiers=TIERS, dry_run=dry_run, delimiter=delimiter)


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_good_file_creates_partners_and_contacts_with_their_choices(
    session: Session, areas: list[InterestArea]
) -> None:
    report = run(session, csv(*GOOD))
    assert report.ok
    assert report.written
    assert (report.partners_created, report.contacts_created) == (2, 3)
    jan = session.scalar(select(Contact).where(Contact.email == "jan@acme.example"))
    assert jan is not None
    assert (jan.partner.name, jan.partner.tier, jan.locale, jan.frequency) == (
        "Acme IT",
        "gold",
        "nl",
        Frequency.WEEKLY,
    )
    assert (jan.preferred_weekday, jan.preferred_hour) == (1, 9)
    assert [area.slug for area in jan.interests] == ["storage", "cloud"]
    lars = session.scalar(select(Contact).where(Contact.email == "lars@nordic.example"))
    assert lars is not None
    assert (lars.locale, lars.timezone) == ("sv", "Europe/Stockholm")  # from the partner's country


def test_imported_consent_names_the_source_and_the_file(session: Session, areas: list[InterestArea]) -> None:
    run(session, csv(*GOOD), name="fair-2026.csv")
    records = session.scalars(select(ConsentRecord)).all()
    assert len(records) == 3
    assert {(r.source, r.action, r.detail) for r in records} == {
        (ConsentSource.IMPORT, "subscribed", "imported from fair-2026.csv")
    }


def test_reimporting_the_same_file_changes_nothing(session: Session, areas: list[InterestArea]) -> None:
    run(session, csv(*GOOD))
    before = (count(session, Partner), count(session, Contact), count(session, ConsentRecord))
    again = run(session, csv(*GOOD))
    assert (again.contacts_created, again.contacts_updated, again.contacts_unchanged) == (0, 0, 3)
    assert (again.partners_created, again.partners_updated) == (0, 0)
    assert (count(session, Partner), count(session, Contact), count(session, ConsentRecord)) == before


def test_a_changed_row_updates_the_contact_and_logs_it(session: Session, areas: list[InterestArea]) -> None:
    run(session, csv(*GOOD))
    changed = GOOD[0].replace("storage|cloud,weekly", "security,monthly")
    report = run(session, csv(changed, *GOOD[1:]))
    assert (report.contacts_updated, report.contacts_unchanged) == (1, 2)
    jan = session.scalar(select(Contact).where(Contact.email == "jan@acme.example"))
    assert jan is not None
    assert jan.frequency is Frequency.MONTHLY
    assert [area.slug for area in jan.interests] == ["security"]
    assert jan.consent_records[-1].detail == "updated by import of contacts.csv"


def test_utf8_with_a_bom_semicolons_and_any_header_case(session: Session, areas: list[InterestArea]) -> None:
    text = "EMAIL;partner;TIER;Type;country;NAME\nzoë@bäcker.example;Bäcker GmbH;silver;service;DE;Zoë Müller\n"
    report = run(session, "\ufeff" + text)
    assert report.ok, report.issues
    contact = session.scalar(select(Contact))
    assert contact is not None
    assert (contact.email, contact.name, contact.partner.name) == ("zoë@bäcker.example", "Zoë Müller", "Bäcker GmbH")


def test_an_explicit_delimiter_wins_over_sniffing(session: Session, areas: list[InterestArea]) -> None:
    text = "email;partner;tier;type;country\na@b.example;X;gold;sales;NL\n"
    with pytest.raises(ImportRefused) as refused:
        run(session, text, delimiter=",")
    assert "no column for email, partner" in str(refused.value)
    assert run(session, text, delimiter=";").ok


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_lands(
    session: Session, areas: list[InterestArea]
) -> None:
    retired = InterestArea(slug="legacy", names={"en": "Legacy"}, is_active=False)
    session.add(retired)
    rows = [
        GOOD[0],
        "not-an-email,Acme IT,gold,solution,NL,Bad,,,,,,",
        "kim@acme.example,Acme IT,gold,solution,NL,Kim,storage|quantum,,,,,",
        "ola@new.example,New Co,diamond,solution,NL,Ola,,,,,,",
        "JAN@acme.example,Acme IT,gold,solution,NL,Jan again,,,,,,",
        "ria@acme.example,Acme IT,gold,solution,NL,Ria,legacy,,,25,Mars/Olympus,xx",
    ]
    report = run(session, csv(*rows))
    found = {(issue.row, issue.column) for issue in report.issues}
    assert found == {
        (3, "email"),
        (4, "interests"),
        (5, "tier"),
        (6, "email"),
        (7, "interests"),
        (7, "hour"),
        (7, "timezone"),
        (7, "locale"),
    }
    reasons = {(issue.row, issue.column): issue.reason for issue in report.issues}
    assert "'quantum'" in reasons[(4, "interests")]
    assert "'diamond' is not a tier" in reasons[(5, "tier")]
    assert "appears twice: also in row 2" in reasons[(6, "email")]
    assert "nothing was imported" in report.summary()
    assert not report.written
    assert count(session, Contact) == count(session, Partner) == 0


def test_a_new_partner_needs_its_tier_type_and_country(session: Session, areas: list[InterestArea]) -> None:
    report = run(session, csv("a@b.example,Fresh BV", header="email,partner"))
    assert {issue.column for issue in report.issues} == {"tier", "type", "country"}


def test_a_dry_run_reports_what_would_happen_and_changes_nothing(session: Session, areas: list[InterestArea]) -> None:
    report = run(session, csv(*GOOD), dry_run=True)
    assert report.ok
    assert not report.written
    assert report.contacts_created == 3
    assert "Dry run: nothing was changed." in report.summary()
    assert count(session, Contact) == 0


def test_formula_cells_are_stored_as_text_and_escaped_in_exports(session: Session, areas: list[InterestArea]) -> None:
    names = ['=HYPERLINK("http://evil.example")', "+31 20 555", "-2+3", "@SUM(A1)"]
    rows = [
        f'f{n}@acme.example,Acme IT,gold,solution,NL,"{name.replace(chr(34), chr(34) * 2)}",,,,,,'
        for n, name in enumerate(names)
    ]
    assert run(session, csv(*rows)).ok
    stored = sorted(session.scalars(select(Contact.name)))
    assert stored == sorted(names)
    exported = csv_text(["name"], [[name] for name in stored])
    assert all(line.startswith(("'", "\"'")) for line in exported.splitlines()[1:])
    assert safe_cell("plain") == "plain"


def test_a_latin1_file_is_refused_with_where_it_stops_being_utf8(session: Session, areas: list[InterestArea]) -> None:
    data = csv("rene@acme.example,Acme IT,gold,solution,FR,René Lefèvre,,,,,,").encode("latin-1")
    with pytest.raises(ImportRefused) as refused:
        run(session, data)
    offset = data.index("é".encode("latin-1"))
    assert f"not UTF-8, at byte {offset} (line 2)" in str(refused.value)


def test_a_quoted_line_break_stays_in_its_cell_and_later_rows_keep_their_numbers(
    session: Session, areas: list[InterestArea]
) -> None:
    # Excel's "CSV UTF-8": rows end in CRLF, a line break typed in a cell is a bare LF inside quotes.
    jan = 'jan@acme.example,Acme IT,gold,solution,NL,"Jan Jansen\nSales, Benelux",,,,,,'
    eva = "eva@acme.example,Acme IT,gold,solution,NL,Eva Smit,,,,,,"
    bad = "not-an-email,Acme IT,gold,solution,NL,Bad,,,,,,"
    report = run(session, "\r\n".join([HEADER, jan, eva, bad, ""]))
    assert [(issue.row, issue.column) for issue in report.issues] == [(4, "email")]  # the spreadsheet's row 4
    report = run(session, "\r\n".join([HEADER, jan, eva, ""]))
    assert report.ok, report.issues
    assert (report.rows, report.contacts_created) == (2, 2)
    assert (
        session.scalar(select(Contact.name).where(Contact.email == "jan@acme.example")) == "Jan Jansen\nSales, Benelux"
    )


@pytest.mark.parametrize("separator", ["\u2028", "\u0085"], ids=["line separator U+2028", "next line U+0085"])
def test_a_unicode_line_separator_in_a_cell_is_kept_and_does_not_split_the_row(
    session: Session, areas: list[InterestArea], separator: str
) -> None:
    name = f"Jan Jansen{separator}Acme IT"
    report = run(session, csv(f"jan@acme.example,Acme IT,gold,solution,NL,{name},,,,,,", *GOOD[1:]))
    assert report.ok, report.issues
    assert (report.rows, report.contacts_created) == (3, 3)
    assert session.scalar(select(Contact.name).where(Contact.email == "jan@acme.example")) == name


def test_a_file_that_ends_inside_a_quote_is_refused_with_its_line_and_nothing_lands(
    session: Session, areas: list[InterestArea]
) -> None:
    rows = [
        'jan@acme.example,Acme IT,gold,solution,NL,"Jan\nJansen",,,,,,',  # lines 2-3, closed
        GOOD[1],  # line 4
        'lars@nordic.example,"Nordic Data,silver,sales,SE,Lars Berg,,,,,,',  # line 5: never closed
        "ola@nordic.example,Nordic Data,silver,sales,SE,Ola,,,,,,",  # line 6, swallowed
    ]
    with pytest.raises(ImportRefused) as refused:
        run(session, csv(*rows))
    assert "A quoted cell opens on line 5 and is never closed: the file ends inside it (line 6)" in str(refused.value)
    assert count(session, Contact) == count(session, Partner) == 0


@pytest.mark.parametrize(
    ("last_row", "refused"),
    [
        ('eva@acme.example,Acme IT,gold,solution,NL,"Eva Smit', True),  # no line break after it
        ('eva@acme.example,Acme IT,gold,solution,NL,"Eva ""Evi""', True),  # "" is a quote, not the end
        ('eva@acme.example,Acme IT,gold,solution,NL,"', True),
        ('eva@acme.example,Acme IT,gold,solution,NL,"Eva Smit"', False),
        ('eva@acme.example,Acme IT,gold,solution,NL,Eva 5" Smit', False),  # a quote inside a cell is text
    ],
)
def test_only_a_quote_left_open_at_the_very_end_is_refused(
    session: Session, areas: list[InterestArea], last_row: str, refused: bool
) -> None:
    text = f"email,partner,tier,type,country,name\njan@acme.example,Acme IT,gold,solution,NL,Jan Jansen\n{last_row}"
    if refused:
        with pytest.raises(ImportRefused, match="opens on line 3 and is never closed"):
            run(session, text)
    else:
        assert run(session, text).ok


def test_quotes_inside_a_cell_are_text_and_a_doubled_quote_is_one(session: Session, areas: list[InterestArea]) -> None:
    rows = [
        'jan@acme.example,Acme IT,gold,solution,NL,Jan "JJ" Jansen,,,,,,',
        'eva@acme.example,Acme IT,gold,solution,NL,"Eva ""Evi"" Smit",,,,,,',
    ]
    assert run(session, csv(*rows)).ok
    assert sorted(session.scalars(select(Contact.name))) == ['Eva "Evi" Smit', 'Jan "JJ" Jansen']


def test_a_header_that_opens_a_quote_it_never_closes_is_refused_with_line_one(
    session: Session, areas: list[InterestArea]
) -> None:
    with pytest.raises(ImportRefused) as refused:
        run(session, csv(*GOOD, header='email,"partner,tier,type,country'))
    assert "opens on line 1 and is never closed: the file ends inside it (line 4)" in str(refused.value)


def test_a_suppressed_address_is_imported_but_stays_stopped_and_an_erased_one_is_skipped(
    session: Session, areas: list[InterestArea]
) -> None:
    suppress(session, "jan@acme.example", SuppressionReason.COMPLAINED, source="sendgrid")
    forget_address(session, "eva@acme.example", source="admin")
    report = run(session, csv(*GOOD))
    assert report.skipped_erased == 1
    jan = session.scalar(select(Contact).where(Contact.email == "jan@acme.example"))
    assert jan is not None
    assert jan.status is ContactStatus.COMPLAINED
    assert session.scalar(select(Contact).where(Contact.email == "eva@acme.example")) is None


def test_the_cli_imports_and_a_failing_file_exits_non_zero(
    app: Flask, session: Session, areas: list[InterestArea], tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(csv(*GOOD))
    bad.write_text(csv("nope,Acme IT,gold,solution,NL,,,,,,,"))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["contacts", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Contacts: 3 new" in dry.output
    assert "Dry run" in dry.output
    assert count(session, Contact) == 0
    failed = runner.invoke(args=["contacts", "import", str(bad)])
    assert failed.exit_code == 1
    assert "row 2, column email: 'nope' is not a valid email address" in failed.output
    done = runner.invoke(args=["contacts", "import", str(good), "--delimiter", ","])
    assert done.exit_code == 0, done.output
    assert count(session, Contact) == 3


def test_the_cli_refuses_a_file_that_ends_inside_a_quote(
    app: Flask, session: Session, areas: list[InterestArea], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(csv(GOOD[0], GOOD[1].replace("Eva Smit", '"Eva Smit'), GOOD[2]))
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(broken)])
    assert result.exit_code != 0
    assert "A quoted cell opens on line 3 and is never closed: the file ends inside it (line 4)" in result.output
    assert count(session, Contact) == 0


def test_the_cli_refuses_a_200_mb_file_before_reading_it(app: Flask, tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: no disk used, but 200 MB to stat()
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(huge)])
    assert result.exit_code != 0
    assert "The file is 200 MB; imports take at most 100 MB" in result.output


# ------------------------------------------------------------------------------------------- partner identity


def test_a_partner_is_known_by_name_and_country_so_one_name_may_live_in_two_countries(
    session: Session, areas: list[InterestArea]
) -> None:
    report = run(session, csv(
        "jan@acme.example,Acme IT,gold,solution,NL,Jan,,,,,,",
        "jonas@acme.example,Acme IT,silver,sales,DE,Jonas,,,,,,",
        "eva@acme.example,acme it,,,nl,Eva,,,,,,",
    ))  # fmt: skip
    assert report.ok, report.issues
    assert sorted(session.execute(select(Partner.country, Partner.tier)).tuples()) == [("DE", "silver"), ("NL", "gold")]
    eva = session.scalars(select(Contact).where(Contact.email == "eva@acme.example")).one()
    assert (eva.partner.country, eva.locale) == ("NL", "nl")
    again = run(session, csv("piet@acme.example,Acme IT,gold,solution,NL,Piet,,,,,,"))
    assert (again.partners_created, again.partners_updated) == (0, 0)


def test_a_row_without_a_country_for_a_name_in_two_countries_is_an_error(
    session: Session, areas: list[InterestArea]
) -> None:
    run(session, csv("jan@acme.example,Acme IT,gold,solution,NL,Jan,,,,,,",
                     "jonas@acme.example,Acme IT,silver,sales,DE,Jonas,,,,,,"))  # fmt: skip
    report = run(session, "email,partner\npiet@acme.example,Acme IT\n")
    assert [str(issue) for issue in report.issues] == [
        "row 2, column country: is empty, and there is a partner 'Acme IT' in DE, NL: say which country"
    ]
    single = run(session, "email,partner\nlars@nordic.example,Nordic\n")
    assert [issue.column for issue in single.issues] == ["tier", "type", "country"]


def test_a_distributor_team_column_names_the_team_and_never_together_with_an_account_manager(
    session: Session, areas: list[InterestArea], account_manager: User
) -> None:
    team = DistributorTeamFactory.create(name="Techdata Benelux channel team")
    header = "email,partner,tier,type,country,account manager,distributor team"
    good = run(session, csv("jan@small.example,Small IT,registered,sales,NL,,techdata benelux channel team",
                            header=header))  # fmt: skip
    assert good.ok, good.issues
    small = session.scalars(select(Partner).where(Partner.name == "Small IT")).one()
    assert (small.distributor_team_id, small.account_manager_id) == (team.id, None)
    bad = run(session, csv(
        f"eva@big.example,Big IT,gold,sales,NL,{account_manager.email},Techdata Benelux channel team",
        "lars@other.example,Other IT,gold,sales,NL,,No such team",
        header=header,
    ))  # fmt: skip
    assert [(issue.row, issue.column) for issue in bad.issues] == [(2, "distributor_team"), (3, "distributor_team")]
    assert "not both" in bad.issues[0].reason
    assert "add it on the Distributor teams page first" in bad.issues[1].reason
    switched = run(session, csv(f"jan@small.example,Small IT,,,NL,{account_manager.email},", header=header))
    assert switched.ok, switched.issues
    small = refreshed(session, small)
    assert (small.distributor_team_id, small.account_manager_id) == (None, account_manager.id)
