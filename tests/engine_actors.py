"""Staff members created straight in the database, as the engine sees them (no login)."""

from __future__ import annotations

from models import Department, Role, Staff, StaffRole
from workflows.service import Actor


def create_actors(db, people: dict[str, list[Role]], department_code: str) -> dict[str, Actor]:
    """One department and a staff member per login with the given roles; returns their actors."""
    actors = {}
    with db.transaction() as session:
        department = Department(code=department_code, name="試験課")
        session.add(department)
        session.flush()
        for login, roles in people.items():
            person = Staff(login_id=login, full_name=f"試験 {login}", department_id=department.id,
                           password_hash="unused")
            person.role_grants = [StaffRole(role=r) for r in roles]
            session.add(person)
            session.flush()
            actors[login] = Actor(person.id, frozenset(roles), terminal="127.0.0.1 pytest")
    return actors
