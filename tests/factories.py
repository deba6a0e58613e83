"""factory_boy factories; each test's session is plugged in by the `session` fixture."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

import factory
import factory.alchemy
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from core.auth.models import Role, User

PASSWORD = "correct-horse-battery"
# Hashing is deliberately slow; hash the shared test password once.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
_current: dict[str, Session] = {}

ModelT = TypeVar("ModelT")


def use_session(session: Session) -> None:
    _current["session"] = session


def current_session() -> Session:
    return _current["session"]


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory, Generic[ModelT]):
    """A factory for one model: `SomeFactory.create(**overrides)` returns that model, typed.

    Call `.create()` rather than the factory itself: factory_boy builds through its metaclass,
    which type checkers cannot follow, so `SomeFactory()` is typed as the factory.
    """

    class Meta:
        abstract = True
        sqlalchemy_session_factory = current_session
        sqlalchemy_session_persistence = "flush"

    @classmethod
    def create(cls, **overrides: Any) -> ModelT:
        # factory_boy's SQLAlchemy factory is not generic: the one place the model type is asserted.
        return cast(ModelT, super().create(**overrides))


class UserFactory(BaseFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@vendor.example")
    name = factory.Faker("name")
    role = Role.MARKETER
    password_hash = _PASSWORD_HASH
    session_version = 1
    is_active = True

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        # Tests name roles the way the admin form posts them ("account_manager").
        kwargs["role"] = Role(kwargs["role"])
        return kwargs
