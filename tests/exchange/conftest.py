"""Fixtures for the 中間サーバ procedures: the real Sesshu app served on 127.0.0.1 (its
callback endpoint included) and the simulator as a real HTTP server, both on free ports.

The engine is driven through workflows.service; messages the cases prepare are
delivered by the same job the workflow worker runs (`workflows.timers.tick`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from handlers.exchange import settings as handler_settings
from handlers.exchange.settings import ExchangeSettings
from handlers.intermediary import IntermediaryConfig
from handlers.intermediary.transport import RetryPolicy
from models import HumanTask, HumanTaskState, Resident
from models.db import Database
from models.demo.people import municipality_code, synthetic_my_number
from models.staff import Role
from simulator.permissions import DEFAULT_PERMISSIONS, Permission
from simulator.server import RunningSimulator
from simulator.settings import SimulatorSettings
from web.exchange import jobs
from web.exchange.settings import EXTENSION
from workflows import service, timers
from workflows.service import Actor

SECRET = b"test-shared-key-0123456789abcdef0123456789"
TOKEN_KEY = b"test-token-key-0123456789abcdef0123456789ab"
KEY_ID = "sesshu-test"
CITY = "172014"
HAKUSAN = municipality_code("17210")  # 白山市, one of the simulated municipalities


@dataclass
class Exchange:
    db: Database
    settings: ExchangeSettings
    simulator: RunningSimulator
    callback_url: str
    app: Any

    @property
    def config(self) -> IntermediaryConfig:
        return self.settings.intermediary

    def control(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        url = self.simulator.url + path
        response = httpx.post(url, json=payload) if payload is not None else httpx.get(url)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict[str, Any]:
        return self.control("/control/state")

    def work(self, now: datetime | None = None) -> timers.TickReport:
        """One pass of the workflow worker: timers, retries and the exchange job."""
        moment = now or datetime.now(UTC)
        return timers.tick(self.db, lambda: moment)

    def ready(self, case_id: int, bpmn_id: str) -> str | None:
        with self.db.transaction() as session:
            return session.scalar(
                select(HumanTask.task_guid).where(
                    HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id,
                    HumanTask.state == HumanTaskState.READY,
                )
            )

    def complete(self, case_id: int, bpmn_id: str, actor: Actor, data: dict[str, Any]) -> service.InstanceState:
        guid = self.ready(case_id, bpmn_id)
        assert guid, f"{bpmn_id} is not ready"
        # Task forms are Flask-WTF forms: validate them in an application context, as screens do.
        with self.app.app_context(), self.db.transaction() as session:
            service.claim(session, guid, actor)
            return service.complete_task(session, guid, actor, data)


def wait_for(condition: Callable[[], Any], seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail("the other side did not act in time")


@contextmanager
def running(app, permissions: tuple[Permission, ...] = DEFAULT_PERMISSIONS) -> Iterator[Exchange]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    callback_url = f"http://127.0.0.1:{server.server_port}/intermediary/callback"
    simulator_settings = SimulatorSettings(
        municipality_code=CITY, callback_url=callback_url, key_id=KEY_ID, secret=SECRET,
        token_key=TOKEN_KEY, population=200, answer_delay=0.05, permissions=permissions,
        callback_retry=RetryPolicy(max_attempts=3, timeout=5.0, base_delay=0.01),
    )
    saved = (app.extensions[EXTENSION], app.extensions["sesshu_intermediary"], timers.JOBS.get("exchange"))
    try:
        with RunningSimulator(simulator_settings) as simulator:
            config = IntermediaryConfig(
                municipality_code=CITY, base_url=simulator.url, key_id=KEY_ID, secret=SECRET,
                token_key=TOKEN_KEY, callback_url=callback_url, retention_days=30,
                retry=RetryPolicy(max_attempts=3, timeout=2.0, base_delay=0.01, max_delay=0.05),
            )
            settings = ExchangeSettings(intermediary=config, reply_wait_days=3)
            app.extensions[EXTENSION] = settings
            app.extensions["sesshu_intermediary"] = config
            handler_settings.configure(settings)
            timers.register_job("exchange", jobs.periodic_job(settings))
            yield Exchange(app.extensions["sesshu_db"], settings, simulator, callback_url, app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions[EXTENSION], app.extensions["sesshu_intermediary"], job = saved
        handler_settings.configure(saved[0])
        if job is not None:
            timers.register_job("exchange", job)


@pytest.fixture
def exchange(app) -> Iterator[Exchange]:
    with running(app) as env:
        yield env


@pytest.fixture
def people(db) -> Callable[..., Resident]:
    """Residents the simulated municipalities know (個人番号 99… serial ≤ 200)."""

    def create(serial: int, *, born: date = date(1950, 5, 1), moved_in: date | None = date(2026, 10, 1)) -> Resident:
        with db.transaction() as session:
            person = Resident(
                atena_no=f"{serial:010d}", my_number=synthetic_my_number(serial),
                family_name="試験", given_name=f"太郎{serial}", family_name_kana="シケン",
                given_name_kana="タロウ", name_kana="シケン\u3000タロウ", birth_date=born, sex="1",
                postal_code="9200000", address="石川県金沢市架空町1-1", status="resident",
                moved_in_on=moved_in, previous_municipality_code=HAKUSAN if moved_in else None,
            )
            session.add(person)
            session.flush()
            session.expunge(person)
            return person

    return create


@pytest.fixture
def actors(make_staff) -> dict[str, Actor]:
    """Counter clerks and two flag officers (the second one also a supervisor)."""
    roles = {
        "madoguchi": (Role.COUNTER,),
        "flag1": (Role.FLAG_OFFICER,),
        "flag2": (Role.FLAG_OFFICER, Role.SUPERVISOR),
    }
    return {name: Actor(make_staff(name, *r).id, frozenset(r), "127.0.0.1 pytest") for name, r in roles.items()}
