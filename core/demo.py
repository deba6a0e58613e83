"""Demo data: `flask --app wsgi demo` fills an empty installation with a believable vendor.

Each package registers its own step; steps run in order inside one transaction, each with its
own seeded random generator, so two fresh demos hold the same data and adding a step to one
package does not reshuffle another's. A step that finds its data already there does nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from core.auth.models import Role, User
from core.auth.services import create_user, find_user_by_email

DemoStep = Callable[[Session, random.Random], str]
DEMO_PASSWORD = "channelcast-demo"
DEMO_ADMIN_EMAIL = "admin@demo.channelcast.example"
DEMO_SEED = 20261126

DEMO_USERS = [
    (DEMO_ADMIN_EMAIL, "Alex Admin", Role.ADMIN, "+31 20 555 0100"),
    ("marketing@demo.channelcast.example", "Mara Jansen", Role.MARKETER, "+31 20 555 0101"),
    ("anna.devries@demo.channelcast.example", "Anna de Vries", Role.ACCOUNT_MANAGER, "+31 20 555 0102"),
    ("jonas.berg@demo.channelcast.example", "Jonas Berg", Role.ACCOUNT_MANAGER, "+46 8 555 0103"),
    ("claire.martin@demo.channelcast.example", "Claire Martin", Role.ACCOUNT_MANAGER, "+33 1 55 50 01 04"),
    ("viewer@demo.channelcast.example", "Victor Viewer", Role.VIEWER, "+31 20 555 0105"),
]


@dataclass(frozen=True)
class RegisteredStep:
    name: str
    order: int
    run: DemoStep


def register_demo_step(app: Flask, name: str, step: DemoStep, *, order: int) -> None:
    app.extensions.setdefault("channelcast.demo", []).append(RegisteredStep(name, order, step))


def demo_steps(app: Flask) -> list[RegisteredStep]:
    steps: list[RegisteredStep] = app.extensions.get("channelcast.demo", [])
    return sorted(steps, key=lambda step: step.order)


def load_demo(session: Session, steps: list[RegisteredStep], *, seed: int = DEMO_SEED) -> list[str]:
    """Run every step; returns one summary line per step."""
    return [f"{step.name}: {step.run(session, random.Random(f'{seed}:{step.name}'))}" for step in steps]


def demo_users(session: Session, _rng: random.Random) -> str:
    created = 0
    for email, name, role, phone in DEMO_USERS:
        if find_user_by_email(session, email) is None:
            user: User = create_user(session, email, name, role, DEMO_PASSWORD, demo=True)
            user.phone = phone
            created += 1
    session.flush()
    return f"{created} users created" if created else "users already there"
