"""Fixtures and helpers for tests that log staff in through the real login screens."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pyotp
import pytest
from sqlalchemy import select

from models.credentials import hash_password
from models.staff import Department, Role, Staff, StaffRole
from web.clock import set_clock

PASSWORD = "kaisatsu-hikari-2026"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


class FakeClock:
    """A settable clock for the app: tests move time instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(app):
    # Five seconds into a 30-second TOTP step, so "the current code" is unambiguous.
    fake = FakeClock(datetime(2026, 4, 1, 0, 0, 5, tzinfo=UTC))
    set_clock(app, fake)
    yield fake
    set_clock(app, None)


@dataclass(frozen=True)
class Account:
    id: int
    login_id: str
    secret: str | None

    def code(self, at: datetime, steps: int = 0) -> str:
        totp = pyotp.TOTP(self.secret)
        return totp.generate_otp(totp.timecode(at) + steps)


@pytest.fixture
def make_staff(db) -> Callable[..., Account]:
    def create(login_id: str, *roles: Role, may_view_my_number: bool = False,
               enrolled: bool = True, active: bool = True,
               must_change_password: bool = False) -> Account:
        with db.transaction() as session:
            department = session.scalars(select(Department).where(Department.code == "TEST")).first()
            if department is None:
                department = Department(code="TEST", name="テスト課")
                session.add(department)
            secret = pyotp.random_base32() if enrolled else None
            staff = Staff(
                login_id=login_id, full_name=f"試験 {login_id}", department=department,
                password_hash=password_hash(), totp_secret=secret,
                may_view_my_number=may_view_my_number, active=active,
                must_change_password=must_change_password,
            )
            staff.role_grants = [StaffRole(role=r.value) for r in roles]
            session.add(staff)
            session.flush()
            return Account(staff.id, login_id, secret)

    return create


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def submit_password(client, login_id: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"login_id": login_id, "password": password,
                                       "csrf_token": token})


def submit_code(client, code: str, path: str = "/login/code"):
    token = csrf_token(client, path)
    return client.post(path, data={"code": code, "csrf_token": token})


def log_in(client, account: Account, at: datetime):
    """Password and current TOTP code; returns the response to the code step."""
    response = submit_password(client, account.login_id)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/login/code")
    return submit_code(client, account.code(at))


def log_out(client):
    token = csrf_token(client, "/")
    return client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def staff_client(app, make_staff) -> Callable[..., tuple]:
    """A test client logged in (through the real screens) as a new account with `roles`.

        client, account = staff_client(Role.COUNTER, may_view_my_number=True)
    """
    created = 0

    def login_as(*roles: Role, may_view_my_number: bool = False) -> tuple:
        nonlocal created
        created += 1
        account = make_staff(f"staff{created}", *roles, may_view_my_number=may_view_my_number)
        client = app.test_client()
        now = app.extensions.get("sesshu_clock", lambda: datetime.now(UTC))()
        response = log_in(client, account, now)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        return client, account

    return login_as
