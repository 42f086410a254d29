"""DMN decision tables: validated with their process, stored with the version, run restricted."""

from __future__ import annotations

import json

from sqlalchemy import select

from models import ProcessDefinition
from tests.workflows.conftest import BPMN
from workflows import service
from workflows.definitions import deploy, load_shipped
from workflows.validation import validate_bpmn

PROCESS = (BPMN / "fee_decision.bpmn").read_bytes()
TABLE = (BPMN / "fee.dmn").read_bytes()


def test_a_called_decision_must_be_supplied():
    problems = validate_bpmn(PROCESS).problems
    assert [(p.element_id, "決定表（DMN）が見つかりません" in p.message) for p in problems] == [("decide_fee", True)]
    assert validate_bpmn(PROCESS, [TABLE]).ok


def test_malicious_decision_cells_are_rejected_by_cell_id():
    evil = TABLE.replace(b"&gt; 2", b"&gt; __import__('os').getpid()").replace(b">purpose<", b">open('/etc/passwd')<")
    found = {(p.element_id, p.message) for p in validate_bpmn(PROCESS, [evil]).problems}
    assert any(eid == "r1_c" and "_ で始まる名前" in msg for eid, msg in found), found
    assert any(eid == "ie_purpose" and "「open」" in msg for eid, msg in found), found


def test_decision_decides_the_path(db, staff, clock):
    with db.transaction() as session:
        deploy(session, PROCESS, note="試験", dmn={"fee.dmn": TABLE})
    with db.transaction() as session:
        many = service.start_case(session, "certificate", "fee_decision_process", staff["madoguchi1"],
                                  data={"purpose": "overseas", "copies": 3}, clock=clock)
        one = service.start_case(session, "certificate", "fee_decision_process", staff["madoguchi1"],
                                 data={"purpose": "overseas", "copies": 1}, clock=clock)
    assert (many.status, len(many.ready_tasks)) == ("running", 1)
    assert (one.status, one.ready_tasks) == ("completed", ())
    with db.transaction() as session:
        stored = session.scalars(select(ProcessDefinition)).one()
        assert json.loads(stored.dmn_xml) == {"fee.dmn": TABLE.decode()}


def test_shipped_decision_tables_load_with_their_process(db, tmp_path):
    (tmp_path / "fee_decision.bpmn").write_bytes(PROCESS)
    (tmp_path / "fee.dmn").write_bytes(TABLE)
    with db.transaction() as session:
        [result] = load_shipped(session, tmp_path)
    assert result.loaded and not result.problems
    with db.transaction() as session:
        assert "fee.dmn" in json.loads(session.scalars(select(ProcessDefinition)).one().dmn_xml)


def test_cli_validate_and_deploy_take_dmn_files(cli, tmp_path):
    process, table = tmp_path / "p.bpmn", tmp_path / "fee.dmn"
    process.write_bytes(PROCESS)
    table.write_bytes(TABLE)
    result = cli.invoke(args=["processes", "validate", str(process), "--dmn", str(table)])
    assert (result.exit_code, result.output.strip()) == (0, "OK")
    result = cli.invoke(args=["processes", "deploy", str(process), "--dmn", str(table), "--note", "初版"])
    assert result.exit_code == 0 and "第 1 版" in result.output
