from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core import migrate
from core.db import Base, make_engine
from tests.conftest import fresh_database_url


def test_migrations_go_from_empty_to_head_match_the_models_and_go_back(backend: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "migrations"))
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
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
