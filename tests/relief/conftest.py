"""Fixtures for the 健康被害救済 tests: staff in the three lanes, a vaccinated resident,
the shipped process deployed, a movable clock and helpers that walk a claim through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from models import (
    HumanTask,
    ReliefRate,
    Resident,
    Role,
    VaccinationRecord,
)
from models.demo.people import synthetic_my_number
from tests.auth_helpers import FakeClock
from tests.engine_actors import create_actors
from web.forms import relief as relief_forms  # noqa: F401  (registers the task forms)
from workflows import service
from workflows.definitions import deploy
from workflows.service import Actor

BPMN = Path(__file__).parents[2] / "bpmn" / "relief_claim.bpmn"
CLAIMANT_NAME = "試験　花子"


@pytest.fixture
def moving_clock() -> FakeClock:
    return FakeClock(datetime(2026, 5, 11, 1, 0, tzinfo=UTC))


@pytest.fixture
def actors(db) -> dict[str, Actor]:
    people = {
        "madoguchi": [Role.COUNTER],
        "shinsa": [Role.EXAMINER],
        "shinsa_kantoku": [Role.EXAMINER, Role.SUPERVISOR],
        "kantoku": [Role.SUPERVISOR],
    }
    return create_actors(db, people, "R01")


@dataclass(frozen=True)
class Person:
    atena_no: str
    my_number: str
    record_id: int


@pytest.fixture
def vaccinated(db) -> Person:
    with db.transaction() as session:
        resident = Resident(
            atena_no="000000000123", my_number=synthetic_my_number(4321), family_name="試験",
            given_name="太郎", family_name_kana="シケン", given_name_kana="タロウ", name_kana="シケン　タロウ",
            birth_date=date(1960, 4, 2), sex="1", address="石川県架空市試験町1-2-3",
        )
        session.add(resident)
        session.flush()
        record = VaccinationRecord(
            resident_id=resident.id, dose_number=3, vaccinated_on=date(2023, 1, 10), product="試験ワクチン",
            manufacturer="試験製薬", lot_no="TS0001", clinic="架空市試験クリニック", category="special_temporary",
        )
        session.add(record)
        session.flush()
        return Person(resident.atena_no, resident.my_number, record.id)


# 給付額 of April 2023 (domain.md §2.2), as the migration seeds them; tests empty every table.
APRIL_2023 = {
    "allowance_low": 35_800, "allowance_high": 37_800, "child_pension_1": 1_617_600, "child_pension_2": 1_293_600,
    "disability_pension_1": 5_175_600, "disability_pension_2": 4_138_800, "disability_pension_3": 3_104_400,
    "death_lump_sum": 45_300_000, "funeral": 212_000, "care_supplement_1": 846_200, "care_supplement_2": 564_200,
}


@pytest.fixture
def relief_process(db) -> int:
    with db.transaction() as session:
        session.execute(delete(ReliefRate))
        session.add_all([ReliefRate(fiscal_year=2023, code=code, amount=amount) for code, amount in APRIL_2023.items()])
        return deploy(session, BPMN.read_bytes(), note="試験").id


def intake_data(person: Person, *benefits: str, category: str = "special_temporary", **extra) -> dict:
    data = {
        "atena_no": person.atena_no, "vaccination_record_id": str(person.record_id), "category": category,
        "claimant_type": "self", "claimant_name": CLAIMANT_NAME, "claimant_relation": "本人",
        "onset_date": "2023-01-11", "symptoms": "接種翌日から発熱と関節痛",
    }
    data.update({f"b_{b}": "y" for b in benefits})
    data.update(extra)
    return data


class ClaimWalker:
    """Drives one claim through the engine as staff would, one task at a time."""

    def __init__(self, app, db, actors: dict[str, Actor], clock: FakeClock) -> None:
        self.app, self.db, self.actors, self.clock = app, db, actors, clock
        self.case_id: int | None = None
        self.case_no: str | None = None

    def start(self, person: Person, *benefits: str, **intake) -> ClaimWalker:
        with self.db.transaction() as session:
            state = service.start_case(session, "relief", "relief_claim", self.actors["madoguchi"], clock=self.clock)
        self.case_id, self.case_no = state.case_id, state.case_no
        self.complete("intake", "madoguchi", intake_data(person, *benefits, **intake))
        return self

    def ready(self) -> list[str]:
        with self.db.transaction() as session:
            return list(session.scalars(select(HumanTask.bpmn_id).where(
                HumanTask.case_id == self.case_id, HumanTask.state == "ready").order_by(HumanTask.id)))

    def task_guid(self, bpmn_id: str) -> str:
        with self.db.transaction() as session:
            guid = session.scalars(select(HumanTask.task_guid).where(
                HumanTask.case_id == self.case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == "ready")).first()
        assert guid, f"{bpmn_id} is not ready; ready: {self.ready()}"
        return guid

    def complete(self, bpmn_id: str, who: str, data: dict) -> service.InstanceState:
        guid = self.task_guid(bpmn_id)
        with self.app.app_context(), self.db.transaction() as session:  # forms check the database
            return service.complete_task(session, guid, self.actors[who], data, clock=self.clock)

    def message(self, name: str, payload: dict) -> None:
        with self.db.transaction() as session:
            service.send_message(session, name, self.case_no, payload, clock=self.clock)


@pytest.fixture
def walker(app, db, actors, moving_clock, relief_process):
    return ClaimWalker(app, db, actors, moving_clock)
