"""Alembic environment: the models of every package, on the app's engine (SQLite or PostgreSQL)."""

from alembic import context
from sqlalchemy import Connection, Engine

import campaigns  # noqa: F401  (each package imports its models, registering them on Base.metadata)
import content  # noqa: F401
import core  # noqa: F401
import subscribers  # noqa: F401
from core.db import Base, make_engine
from core.migrate import include_name

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign keys on, that
            # drop would cascade into the rows that point at it (an item's language versions).
            # The pragma only works outside a transaction, so it goes to the driver's connection.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                _foreign_keys_back_on(connection)


def _foreign_keys_back_on(connection: Connection) -> None:
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    broken = raw.execute("PRAGMA foreign_key_check").fetchall()  # type: ignore[union-attr]
    if broken:
        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
