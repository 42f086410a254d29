"""Driving the test process through the engine, as the screens would."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from models.case import Procedure
from models.demo.people import synthetic_my_number
from models.process import ProcessInstance
from models.task import HumanTask, HumanTaskState
from workflows.service import claim, complete_task, start_case

APPLICANT_MY_NUMBER = synthetic_my_number(9001)  # typed into the form's 個人番号 field
NOTED_MY_NUMBER = synthetic_my_number(9002)  # written inside the free-text note, in groups of four
MY_NUMBER_NOTE = f"申請書の記載 {NOTED_MY_NUMBER[:4]} {NOTED_MY_NUMBER[4:8]} {NOTED_MY_NUMBER[8:]} を確認"


def start(db, clock, by, *, resident_id=None, procedure=Procedure.CERTIFICATE) -> int:
    with db.transaction() as session:
        return start_case(session, procedure, "case_review", by, resident_id=resident_id, clock=clock).case_id


def instance_of(session, case_id: int) -> int:
    return session.scalars(select(ProcessInstance.id).where(ProcessInstance.case_id == case_id)).one()


def ready_task(db, case_id: int, bpmn_id: str) -> str:
    with db.transaction() as session:
        return session.scalars(
            select(HumanTask.task_guid).where(
                HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id,
                HumanTask.state == HumanTaskState.READY,
            )
        ).one()


def work(db, clock, case_id: int, bpmn_id: str, by, data: dict) -> None:
    guid = ready_task(db, case_id, bpmn_id)
    with db.transaction() as session:
        claim(session, guid, by, clock=clock)
    with db.transaction() as session:
        complete_task(session, guid, by, data, clock=clock)


def receive(db, clock, case_id: int, by) -> None:
    work(db, clock, case_id, "receive", by, {"applicant_my_number": APPLICANT_MY_NUMBER, "note": MY_NUMBER_NOTE})


def titles(page: str) -> list[str]:
    """The timeline's entry titles, in page order."""
    return [html.unescape(t) for t in re.findall(r'<strong class="timeline-title">(.*?)</strong>', page)]


def field_values(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page):
        found.setdefault(html.unescape(label), []).append(html.unescape(value))
    return found
