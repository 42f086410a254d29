"""Fixtures for the process editor: two process owners, clerks, the sample process file."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Department, Role, Staff, StaffRole
from workflows.service import Actor

BPMN = Path(__file__).parent / "bpmn"
SAMPLE = BPMN / "sample_certificate.bpmn"


def sample_xml() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def with_check_task(xml: str) -> str:
    """Version 2 of the sample: a 書類確認 user task between 申請受付 and 決裁."""
    task = ('<bpmn:userTask id="check_docs" name="書類確認"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="fields" value="[{&quot;name&quot;: &quot;ok&quot;, &quot;label&quot;: '
            '&quot;確認した&quot;, &quot;type&quot;: &quot;checkbox&quot;, &quot;required&quot;: true}]"/>'
            '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
            '<bpmn:sequenceFlow id="f2b" sourceRef="check_docs" targetRef="approve"/>')
    xml = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="approve"/>',
                      '<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="check_docs"/>' + task)
    return xml.replace("<bpmn:flowNodeRef>approve</bpmn:flowNodeRef>",
                       "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef><bpmn:flowNodeRef>check_docs</bpmn:flowNodeRef>")


@pytest.fixture
def people(db):
    """Two process owners (業務管理者), a counter clerk and a supervisor, as engine actors."""
    roles = {"gyomu1": [Role.PROCESS_OWNER], "gyomu2": [Role.PROCESS_OWNER], "madoguchi1": [Role.COUNTER],
             "kantoku1": [Role.SUPERVISOR]}
    actors = {}
    with db.transaction() as session:
        department = Department(code="T02", name="試験課")
        session.add(department)
        session.flush()
        for login, granted in roles.items():
            person = Staff(login_id=login, full_name=f"試験 {login}", department_id=department.id,
                           password_hash="unused")
            person.role_grants = [StaffRole(role=r) for r in granted]
            session.add(person)
            session.flush()
            actors[login] = Actor(person.id, frozenset(granted), terminal="127.0.0.1 pytest")
    return actors
