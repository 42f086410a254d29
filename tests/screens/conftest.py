"""Fixtures for the inbox and task screens: a small test process and fictitious residents."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models import HumanTask, Job, JobStatus, Resident
from workflows.definitions import deploy
from workflows.service import start_case

BPMN = Path(__file__).parent / "intake.bpmn"

KANA = {"金沢": "カナザワ", "野々市": "ノノイチ", "白山": "ハクサン"}


@pytest.fixture
def intake(db) -> None:
    with db.transaction() as session:
        deploy(session, BPMN.read_bytes(), note="画面の試験")


def add_resident(db, serial: int, family: str = "金沢", given: str = "太郎", given_kana: str = "タロウ") -> int:
    with db.transaction() as session:
        resident = Resident(
            atena_no=f"{serial:010d}", my_number=f"99{serial:010d}", family_name=family, given_name=given,
            family_name_kana=KANA[family], given_name_kana=given_kana,
            name_kana=f"{KANA[family]}\u3000{given_kana}", birth_date=date(1980, 1, 1), sex="1",
            address="石川県架空市一丁目1番1号",
        )
        session.add(resident)
        session.flush()
        return resident.id


def open_case(db, clock=None, resident_id: int | None = None) -> tuple[str, str]:
    """Start the test process; returns (case number, guid of its first task)."""
    with db.transaction() as session:
        kwargs = {"clock": clock} if clock is not None else {}
        state = start_case(session, "certificate", "screens_intake", None, resident_id=resident_id, **kwargs)
        return state.case_no, state.ready_tasks[0]


def task_row(db, guid: str) -> HumanTask:
    with db.transaction() as session:
        return session.scalars(select(HumanTask).where(HumanTask.task_guid == guid)).one()


def ready_guid(db, case_no: str, bpmn_id: str) -> str:
    from models import Case

    with db.transaction() as session:
        return session.scalars(
            select(HumanTask.task_guid).join(Case, Case.id == HumanTask.case_id)
            .where(Case.case_no == case_no, HumanTask.bpmn_id == bpmn_id, HumanTask.state == "ready")
        ).one()


def wait_for_job(db, job_id: int, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction() as session:
            job = session.get(Job, job_id)
            if job.status != JobStatus.RUNNING:
                return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")
