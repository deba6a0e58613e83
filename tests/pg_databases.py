"""A PostgreSQL database of its own for a test, on the TEST_DATABASE_URL server.

For what must not see other test runs at all: the events stream waits for every transaction of its
database to end, and other checkouts' suites keep transactions open in the shared test database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db import make_engine
from tests.conftest import TEST_DATABASE_URL


@contextmanager
def own_postgres_database(name: str) -> Iterator[str]:
    """The URL of a new, empty database (dropped afterwards)."""
    database = re.sub(r"\W", "_", f"cc_{name}_{os.getpid()}")[:60]
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        yield make_url(TEST_DATABASE_URL).set(database=database).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        admin.dispose()
