"""The test harness.

Every database test runs on SQLite and, when TEST_DATABASE_URL is set, again on PostgreSQL.
Each test runs inside a transaction that is rolled back at the end; routes that commit only
release a savepoint. Tests marked `pg` run on PostgreSQL alone (locking, concurrency).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from core import migrate
from core.auth.models import User
from core.config import Settings, load_settings
from core.db import make_engine
from tests import factories
from tests.s3 import s3_bucket, s3_server  # noqa: F401 (fixtures for every test folder)
from wsgi import create_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]
# Per process, so several checkouts can run the suite against one PostgreSQL at once.
PG_SCHEMA = f"cc_test_{os.getpid()}"
ModelT = TypeVar("ModelT")
NO_PG_REASON = "needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests would be skipped.")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`pg` tests: drop their SQLite variant; without PostgreSQL, skip them with the reason."""
    kept, dropped = [], []
    for item in items:
        backend = None
        if isinstance(item, pytest.Function) and hasattr(item, "callspec"):  # only parametrised tests have one
            backend = item.callspec.params.get("backend")
        if item.get_closest_marker("pg"):
            if not TEST_DATABASE_URL:
                item.add_marker(pytest.mark.skip(reason=NO_PG_REASON))
            elif backend == "sqlite":
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def postgres_url(schema: str) -> str:
    """TEST_DATABASE_URL with its own search_path, so tests never touch the public schema."""
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"


def fresh_postgres_schema(schema: str) -> str:
    admin = make_engine(TEST_DATABASE_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    return postgres_url(schema)


def drop_postgres_schemas() -> None:
    admin = make_engine(TEST_DATABASE_URL)
    try:
        with admin.begin() as connection:
            schemas = connection.scalars(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"), {"prefix": f"{PG_SCHEMA}%"}
            ).all()
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def fresh_database_url(backend: str, directory: Path, name: str) -> str:
    """An empty database of the given kind (a new file, or a new PostgreSQL schema)."""
    if backend == "postgresql":
        return fresh_postgres_schema(re.sub(r"\W", "_", f"{PG_SCHEMA}_{name}")[:60])
    return f"sqlite:///{directory / f'{name}.db'}"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated database per backend for the whole run."""
    url = fresh_database_url(backend, tmp_path_factory.mktemp("db"), "suite")
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    if backend == "postgresql":
        drop_postgres_schemas()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        if transaction.is_active:
            transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    factories.use_session(session)
    yield session
    session.close()


def make_settings(tmp_path: Path, database_url: str, **overrides: str) -> Settings:
    environ = {
        "APP_ENV": "test",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-signing",
        "LOG_LEVEL": "warning",
        **overrides,
    }
    return load_settings(environ)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return make_settings(tmp_path, engine.url.render_as_string(hide_password=False))


@pytest.fixture
def app(settings: Settings, connection: Connection, session: Session) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["TESTING"] = True
    database = app.extensions["channelcast.db"]
    database.bind_to_connection(connection)
    yield app
    database.engine.dispose()  # commands like `db current` open the app's own pool


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Start a signed-in session the way Flask-Login keeps it, without the password round-trip."""
    with client.session_transaction() as web_session:
        web_session["_user_id"] = user.get_id()
        web_session["_fresh"] = True
    return client


def refreshed(session: Session, instance: ModelT) -> ModelT:
    """`instance` read again from the database, after a request, job or service changed it.

    Assign the result (`campaign = refreshed(session, campaign)`): mypy then drops what an earlier
    assert narrowed an attribute to, so a second assert on a new state type-checks.
    """
    session.refresh(instance)
    return instance


def csrf_token_from(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


# Named vendor users, as in the access-rule tests: who owns, who shares, who is outside.
@pytest.fixture
def admin(session: Session) -> User:
    return factories.UserFactory.create(role="admin", name="Ada Admin")


@pytest.fixture
def marketer(session: Session) -> User:
    return factories.UserFactory.create(role="marketer", name="Mia Marketer")


@pytest.fixture
def account_manager(session: Session) -> User:
    return factories.UserFactory.create(role="account_manager", name="Otto Owner")


@pytest.fixture
def teammate(session: Session) -> User:
    return factories.UserFactory.create(role="account_manager", name="Tess Teammate")


@pytest.fixture
def viewer(session: Session) -> User:
    return factories.UserFactory.create(role="viewer", name="Vic Viewer")


@pytest.fixture
def empty_trail(session: Session) -> None:
    """Start from an empty audit trail (inside the test's transaction, so it comes back afterwards).

    A few PostgreSQL race tests commit for real (they need two connections), and an audit trail
    cannot be cleaned up after them: tests that read the whole trail start from nothing.
    """
    from sqlalchemy import delete, update

    from core.audit import AuditChainHead, AuditEntry
    from core.audit.models import GENESIS_HASH

    session.execute(delete(AuditEntry))
    session.execute(update(AuditChainHead).values(last_id=0, last_hash=GENESIS_HASH, anchor_id=0,
                                                  anchor_hash=GENESIS_HASH))  # fmt: skip
    session.expire_all()
