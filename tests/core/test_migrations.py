from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from core import migrate
from core.db import Base, make_engine
from tests.conftest import fresh_database_url


def test_migrations_go_from_empty_to_head_match_the_models_and_go_back(backend: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "migrations"))
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
            options = {"compare_type": True, "include_name": migrate.include_name}  # not the search index
            differences = compare_metadata(MigrationContext.configure(connection, opts=options), Base.metadata)
        assert differences == [], "models and migrations disagree: write a migration (flask --app wsgi db revision)"

        migrate.downgrade(engine, "base")
        with engine.connect() as connection:
            assert migrate.current_revision(connection) is None
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_migration_history_is_one_line() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, "two migration heads: merge them"


def test_the_button_label_moves_into_every_language_version_and_back(backend: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "button_label"))
    try:
        migrate.upgrade(engine, "0009")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO content_items (id, kind, status, default_locale, priority, cta_label, cta_url,"
                    " created_at, updated_at) VALUES (1, 'training', 'draft', 'nl', 50, 'Start de cursus',"
                    " 'https://x.example/c', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for locale in ("en", "nl"):
                connection.execute(
                    text(
                        "INSERT INTO content_variants (item_id, locale, title, summary, body, updated_at)"
                        " VALUES (1, :locale, 'T', '', '', CURRENT_TIMESTAMP)"
                    ),
                    {"locale": locale},
                )
        migrate.upgrade(engine, "0010")
        with engine.connect() as connection:
            labels = connection.execute(text("SELECT locale, cta_label FROM content_variants ORDER BY locale")).all()
        assert [tuple(row) for row in labels] == [("en", "Start de cursus"), ("nl", "Start de cursus")]
        with engine.begin() as connection:
            connection.execute(text("UPDATE content_variants SET cta_label = 'Naar de cursus' WHERE locale = 'nl'"))
        migrate.downgrade(engine, "0009")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT cta_label FROM content_items")).scalar() == "Naar de cursus"
    finally:
        engine.dispose()
