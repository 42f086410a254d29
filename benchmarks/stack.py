"""A production-shaped Sesshu on loopback: gunicorn with N workers plus workflow workers
against a PostgreSQL database of its own, for `benchmarks/load.py` and `tests/faults/`.

Every server binds 127.0.0.1 only and is stopped (SIGTERM, then SIGKILL) on exit.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOAD_BPMN = Path(__file__).with_name("load_review.bpmn")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
REVISION = re.compile(r'name="_revision"[^>]*value="(\d+)"')
LOAD_PASSWORD = "sesshu-demo-2026"
DEMO_SEED = 1


def recreate(url: str) -> None:
    """Drop and create the PostgreSQL database named in `url`, through the maintenance database."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def environment(url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url,
        "SESSHU_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "loopback-test-secret-key",
        # Development mode: production marks cookies Secure, which plain-HTTP loopback drops.
        "SESSHU_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def prepare(url: str, instance: Path, *, residents: int = 500) -> dict[str, str]:
    """A fresh database with the schema, the demo city and the load procedure deployed."""
    recreate(url)
    env = environment(url, instance)
    flask(env, "db", "upgrade")
    flask(env, "demo", "seed", "--residents", str(residents))
    flask(env, "processes", "load-shipped")
    flask(env, "processes", "deploy", str(LOAD_BPMN), "--note", "負荷試験")
    return env


@dataclass
class Clerk:
    login_id: str
    secret: str
    staff_id: int


def seed_clerks_and_cases(env: dict[str, str], clerks: int, cases_each: int) -> list[Clerk]:
    """`clerks` counter accounts (demo password, demo-derived TOTP secrets), each holding
    `cases_each` open cases whose first task it has claimed."""
    sys.path.insert(0, str(ROOT))
    from models.credentials import hash_password
    from models.demo.seed import demo_totp_secret
    from models.resident import Resident
    from models.staff import Department, Role, Staff, StaffRole
    from web import create_app
    from workflows.service import Actor, claim, start_case

    app = create_app(env)
    db = app.extensions["sesshu_db"]
    made: list[Clerk] = []
    password = hash_password(LOAD_PASSWORD)
    with db.transaction() as session:
        department = session.scalars(select(Department)).first()
        for n in range(1, clerks + 1):
            login_id = f"load{n:02d}"
            secret = demo_totp_secret(login_id, DEMO_SEED)
            staff = Staff(login_id=login_id, full_name=f"負荷 {n:02d}", department=department,
                          password_hash=password, totp_secret=secret)
            staff.role_grants = [StaffRole(role=Role.COUNTER.value)]
            session.add(staff)
            session.flush()
            made.append(Clerk(login_id, secret, staff.id))
        residents = session.scalars(select(Resident.id).order_by(Resident.id).limit(clerks * cases_each)).all()
    people = itertools.cycle(residents)
    for clerk in made:
        actor = Actor(clerk.staff_id, frozenset({Role.COUNTER}), "127.0.0.1 load-seed")
        for _ in range(cases_each):
            with db.transaction() as session:
                state = start_case(session, "certificate", "load_review", actor, resident_id=next(people))
                claim(session, state.ready_tasks[0], actor)
    db.dispose()
    return made


@dataclass
class Stack:
    env: dict[str, str]
    port: int
    web: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    log_dir: Path | None = None
    wsgi_app: str = "wsgi:app"
    worker_command: tuple[str, ...] = ("flask", "--app", "wsgi", "workflows", "worker", "--interval", "1")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _log(self, name: str):
        if self.log_dir is None:
            return subprocess.DEVNULL
        return open(self.log_dir / f"{name}.log", "ab")

    def start_web(self, workers: int = 2) -> None:
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--graceful-timeout", "5", self.wsgi_app],
            cwd=ROOT, env=self.env, stdout=self._log("gunicorn"), stderr=subprocess.STDOUT,
        )

    def start_worker(self) -> subprocess.Popen:
        program, *rest = self.worker_command
        worker = subprocess.Popen(
            [str(BIN / program), *rest],
            cwd=ROOT, env=self.env, stdout=self._log("worker"), stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"{self.base}/healthz/ready", timeout=5)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.3)
        raise RuntimeError(f"Sesshu did not become ready on {self.base}: {last}")

    def gunicorn_children(self) -> list[int]:
        assert self.web is not None
        found = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in found.split()]

    def stop(self) -> None:
        processes = [p for p in (self.web, *self.workers) if p is not None]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running(env: dict[str, str], port: int, *, web_workers: int = 2, workflow_workers: int = 1,
            log_dir: Path | None = None, **options) -> Iterator[Stack]:
    stack = Stack(env, port, log_dir=log_dir, **options)
    try:
        stack.start_web(web_workers)
        for _ in range(workflow_workers):
            stack.start_worker()
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def csrf(page: str) -> str:
    found = CSRF.search(page)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def log_in(client: httpx.Client, login_id: str, secret: str) -> None:
    """Log in through the real screens: password, then the current TOTP code (waiting for the
    next 30-second step if this account's current code was already used)."""
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf(page.text), "login_id": login_id,
                                           "password": LOAD_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"{login_id}: password step answered {response.status_code}")
    page = client.get("/login/code")
    response = client.post("/login/code", data={"csrf_token": csrf(page.text),
                                                "code": pyotp.TOTP(secret).now()})
    if response.status_code != 302:
        raise RuntimeError(f"{login_id}: code step answered {response.status_code}")
