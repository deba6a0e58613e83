"""The database layer: one engine, typed declarative models, a session per unit of work.

A request, a scheduler job and a CLI command each get their own Session from `db.session`
(bound to the Flask app context) and own its transaction; services only flush.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, cast

from flask import Flask, current_app, g
from sqlalchemy import Connection, DateTime, Engine, Enum, MetaData, String, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, on SQLite (which drops tzinfo) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def enum_column(kind: type[enum.StrEnum], length: int) -> Enum:
    """A StrEnum stored as its values in a VARCHAR(length), not a database enum type: a new member
    needs no ALTER TYPE, and both SQLite and PostgreSQL store the same text."""
    return Enum(kind, native_enum=False, length=length, values_callable=_enum_values)


def _enum_values(kind: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in kind]


# Shared column types: `name: Mapped[str_255]`; options merge, e.g. `mapped_column(default="")`.
int_pk = Annotated[int, mapped_column(primary_key=True)]
str_255 = Annotated[str, mapped_column(String(255))]
# UTC (see Base.type_annotation_map), set by Python when the row is inserted / inserted or updated.
utc_created = Annotated[dt.datetime, mapped_column(default=utc_now)]
utc_updated = Annotated[dt.datetime, mapped_column(default=utc_now, onupdate=utc_now)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions SQLAlchemy (not pysqlite) controls."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the BEGIN below start transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the WAL every ~40 MB rather than every 4 MB: bulk runs (newsletters,
        # imports) write tens of megabytes, and each checkpoint stalls the writer.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # `execution_options(sqlite_begin="IMMEDIATE")` takes the write lock up front, for writers
        # that share the database with other processes (a deferred reader turned writer can fail).
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def begin_writing(session: Session) -> None:
    """End the session's transaction and start a writing one (on SQLite: BEGIN IMMEDIATE).

    For writers beside other processes: on SQLite a transaction that has read and then writes
    fails at once with "database is locked" when another process wrote in between (the busy
    timeout does not apply); one that takes the write lock up front waits its turn instead.
    """
    session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10}, **options)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


class Database:
    """The engine of one app, handing out a Session per app context."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def init_app(cls, app: Flask, url: str) -> Database:
        database = cls(make_engine(url))
        app.extensions["channelcast.db"] = database
        app.teardown_appcontext(database._close_session)
        return database

    def bind_to_connection(self, connection: Connection) -> None:
        """Tests: every session joins this connection's transaction through savepoints."""
        self._factory = sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")

    def new_session(self) -> Session:
        return self._factory()

    @property
    def session(self) -> Session:
        """The Session of the current app context (request, job or CLI command)."""
        if "db_session" not in g:
            g.db_session = self.new_session()
        session: Session = g.db_session
        return session

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A Session outside any app context (scheduler ticks, workers); commits on success."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _close_session(self, _exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))


def current_db() -> Database:
    database: Database = current_app.extensions["channelcast.db"]
    return database


# The current app's Database, for routes and CLI commands (`db.session`); services take a Session.
db = cast(Database, LocalProxy(current_db))
