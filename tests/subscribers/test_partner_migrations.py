"""Migrations 0020 and 0021 with data in them: teams out of the partner columns and back, names per country."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection, text

from core import migrate
from core.db import make_engine
from tests.conftest import fresh_database_url


def add_partner(connection: Connection, ident: int, name: str, country: str, team: tuple[str, str, str]) -> None:
    connection.execute(
        text(
            "INSERT INTO partners (id, name, tier, type, subcategory, country, default_locale, distributor_team_name,"
            " distributor_team_email, distributor_team_phone, logo_path, brand_primary_color, brand_accent_color,"
            " brand_website, brand_phone, brand_email, brand_postal_address, brand_tagline, brand_version, created_at,"
            " updated_at) VALUES (:id, :name, 'registered', 'sales', '', :country, 'nl', :team, :email, :phone, '', '',"
            " '', '', '', '', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": ident, "name": name, "country": country, "team": team[0], "email": team[1], "phone": team[2]},
    )


def test_distributor_teams_are_made_once_from_the_partner_columns_and_written_back(
    backend: str, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "teams"))
    benelux = ("Techdata Benelux", "benelux@techdata.example", "+31 30 555 0200")
    try:
        migrate.upgrade(engine, "0014")
        with engine.begin() as connection:
            add_partner(connection, 1, "Small NL", "NL", benelux)
            add_partner(connection, 2, "Small BE", "BE", benelux)
            add_partner(connection, 3, "Other", "NL", ("Techdata Benelux", "other@techdata.example", ""))
            add_partner(connection, 4, "Managed", "NL", ("", "", ""))
        migrate.upgrade(engine, "0015")
        with engine.connect() as connection:
            teams = connection.execute(text("SELECT id, name, email, countries FROM distributor_teams ORDER BY id"))
            made = [(name, email, json.loads(countries) if isinstance(countries, str) else countries)
                    for _id, name, email, countries in teams]  # fmt: skip
            links = dict(connection.execute(text("SELECT id, distributor_team_id FROM partners")).tuples().all())
        assert made == [
            ("Techdata Benelux", "benelux@techdata.example", ["BE", "NL"]),
            ("Techdata Benelux (2)", "other@techdata.example", ["NL"]),
        ]
        assert links[1] == links[2] != links[3]
        assert links[4] is None

        migrate.downgrade(engine, "0014")
        with engine.connect() as connection:
            back = connection.execute(text(
                "SELECT id, distributor_team_name, distributor_team_email, distributor_team_phone"
                " FROM partners ORDER BY id"
            )).all()  # fmt: skip
        assert [tuple(row) for row in back] == [
            (1, *benelux), (2, *benelux), (3, "Techdata Benelux (2)", "other@techdata.example", ""), (4, "", "", ""),
        ]  # fmt: skip
    finally:
        engine.dispose()


def test_a_name_unique_per_country_goes_back_to_a_name_unique_everywhere(backend: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "names"))
    try:
        migrate.upgrade(engine, "0016")
        with engine.begin() as connection:
            for ident, country in ((1, "NL"), (2, "DE")):
                connection.execute(
                    text(
                        "INSERT INTO partners (id, name, tier, type, subcategory, country, default_locale, logo_path,"
                        " brand_primary_color, brand_accent_color, brand_website, brand_phone, brand_email,"
                        " brand_postal_address, brand_tagline, brand_version, created_at, updated_at) VALUES (:id,"
                        " 'Acme IT', 'gold', 'sales', '', :country, 'nl', '', '', '', '', '', '', '', '', '',"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": ident, "country": country},
                )
        migrate.downgrade(engine, "0015")
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM partners ORDER BY id")).scalars().all()
        assert names == ["Acme IT", "Acme IT (DE)"]
    finally:
        engine.dispose()
