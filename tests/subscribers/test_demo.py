from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.models import Role
from core.demo import demo_steps, load_demo
from subscribers.models import Contact, ContactStatus, Partner
from subscribers.suppression import is_suppressed


def test_the_demo_has_60_partners_and_400_varied_contacts_and_loads_once(app: Flask, session: Session) -> None:
    with app.app_context():
        load_demo(session, demo_steps(app))
        assert "partners and contacts: partners already there" in load_demo(session, demo_steps(app))
    assert session.scalar(select(func.count(Partner.id))) == 60
    assert session.scalar(select(func.count(Contact.id))) == 400
    partners = session.scalars(select(Partner)).all()
    assert {p.country for p in partners} == {"NL", "DE", "FR", "SE", "PL", "GB"}
    assert {p.tier for p in partners} == {"registered", "silver", "gold", "platinum"}
    assert all(p.account_manager_id or p.distributor_team_id for p in partners)
    stand_ins = [p.backup_manager for p in partners if p.backup_manager is not None]
    assert stand_ins  # some partners have one, and each could be chosen again on the partner form
    assert {user.role for user in stand_ins} == {Role.ACCOUNT_MANAGER}
    contacts = session.scalars(select(Contact)).all()
    assert {c.status for c in contacts} == set(ContactStatus)
    assert len({c.timezone for c in contacts}) >= 6
    assert all(is_suppressed(session, c.email) for c in contacts if not c.status.receives_mail)
