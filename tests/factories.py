"""factory_boy factories; each test's session is plugged in by the `session` fixture."""

from __future__ import annotations

from typing import Any

import factory
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from core.auth.models import Role, User

PASSWORD = "correct-horse-battery"
# Hashing is deliberately slow; hash the shared test password once.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
_current: dict[str, Session] = {}


def use_session(session: Session) -> None:
    _current["session"] = session


def _session() -> Session:
    return _current["session"]


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@vendor.example")
    name = factory.Faker("name")
    role = Role.MARKETER
    password_hash = _PASSWORD_HASH
    session_version = 1
    is_active = True

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        kwargs["role"] = Role(kwargs["role"])
        return super()._create(model_class, *args, **kwargs)
