"""Fixtures for the process editor: two process owners, clerks, the sample process file."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Role
from tests.engine_actors import create_actors

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
    return create_actors(db, roles, "T02")
