"""Alembic, driven from code: the `db` CLI, /healthz and the tests share these helpers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


# Tables the models do not declare on purpose: SQLite's FTS5 search index over the content's texts
# (and the shadow tables FTS5 keeps for it), made and kept current by migration 0070's triggers.
SEARCH_INDEX_PREFIX = "content_variants_fts"


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """For comparing models with the database: leave out the search index."""
    return not (type_ == "table" and (name or "").startswith(SEARCH_INDEX_PREFIX))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    command.upgrade(alembic_config(engine), target)


def downgrade(engine: Engine, target: str) -> None:
    command.downgrade(alembic_config(engine), target)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate the next migration, numbered 0001, 0002, ... so the history reads in order."""
    head = head_revision()
    next_id = f"{int(head) + 1:04d}" if head and head.isdigit() else None
    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=next_id)
