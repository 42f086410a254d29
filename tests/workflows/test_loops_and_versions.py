"""Correction loops survive many passes; instances stay on their version; scripts stay restricted after reload."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from models import Department, HumanTask, ProcessDefinition, ProcessInstance, Staff
from tests.workflows.conftest import BPMN, deploy_file
from workflows import runtime, service
from workflows.cache import CACHE
from workflows.definitions import deploy, load_shipped, newest_definition
from workflows.errors import DefinitionInvalid, WorkflowError
from workflows.sandbox import ScriptError
from workflows.spiff import SandboxEnvironment, dump_spec, new_parser


def complete(db, guid, actor, data, clock):
    with db.transaction() as session:
        return service.complete_task(session, guid, actor, data, clock=clock)


def test_a_case_survives_fifty_passes_through_the_correction_loop(db, staff, clock):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    state = complete(db, state.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    for _ in range(50):
        state = complete(db, state.ready_tasks[0], staff["shinsa1"], {"result": "fix"}, clock)  # 書類確認
        state = complete(db, state.ready_tasks[0], staff["madoguchi2"], {"fix_note": "追記"}, clock)  # 補正依頼
        CACHE.clear()  # every other pass from a fresh load, as another web worker would
    state = complete(db, state.ready_tasks[0], staff["shinsa1"], {"result": "ok"}, clock)
    state = complete(db, state.ready_tasks[0], staff["kantoku1"], {"approved": "y"}, clock)
    assert state.status == "completed"
    with db.transaction() as session:
        done = session.scalars(select(HumanTask.bpmn_id).where(HumanTask.state == "completed")).all()
        assert done.count("check_docs") == 51 and done.count("request_fix") == 50 and done.count("approve") == 1


def test_an_instance_nested_too_deep_is_stopped_in_the_error_state(db, staff, clock, monkeypatch):
    monkeypatch.setattr(runtime, "MAX_TASK_DEPTH", 12)
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    state = complete(db, state.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    while state.status == "running":
        state = complete(db, state.ready_tasks[0], staff["shinsa1"], {"result": "fix"}, clock)
        if state.status == "running":
            state = complete(db, state.ready_tasks[0], staff["madoguchi2"], {}, clock)
    assert state.status == "error"
    assert "ループ" in state.error and "上限 12" in state.error


def test_running_instance_keeps_version_one_after_version_two_is_deployed(db, staff, clock):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        old = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    v2 = (BPMN / "review_loop.bpmn").read_text().replace('name="申請受付"', 'name="申請の受付（第2版）"')
    with db.transaction() as session:
        definition = deploy(session, v2.encode(), note="作業名の変更")
        assert definition.version == 2
        assert newest_definition(session, "review_loop").id == definition.id
    with db.transaction() as session:
        new = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    CACHE.clear()
    state = complete(db, old.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    with db.transaction() as session:
        names = dict(session.execute(select(HumanTask.task_guid, HumanTask.name)).all())
        assert names[old.ready_tasks[0]] == "申請受付"
        assert names[new.ready_tasks[0]] == "申請の受付（第2版）"
        versions = {i.id: i.definition.version for i in session.scalars(select(ProcessInstance))}
        assert versions == {old.instance_id: 1, new.instance_id: 2}
    assert state.status == "running"


def test_deploying_the_same_file_again_or_an_invalid_file_is_refused(db):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session, pytest.raises(WorkflowError, match="第 1 版"):
        deploy(session, (BPMN / "review_loop.bpmn").read_bytes())
    with db.transaction() as session, pytest.raises(DefinitionInvalid) as error:
        deploy(session, b"<not-bpmn/>")
    assert "BPMN 2.0" in str(error.value)


def test_shipped_files_load_once_as_version_one(db, tmp_path):
    for name in ("review_loop.bpmn", "deadline.bpmn"):
        (tmp_path / name).write_bytes((BPMN / name).read_bytes())
    (tmp_path / "broken.bpmn").write_text("<oops")
    with db.transaction() as session:
        first = load_shipped(session, tmp_path)
    assert [(r.path.name, r.loaded) for r in first] == [
        ("broken.bpmn", False), ("deadline.bpmn", True), ("review_loop.bpmn", True)]
    assert first[0].problems
    with db.transaction() as session:
        again = load_shipped(session, tmp_path)
        assert [r.loaded for r in again] == [False, False, False]
        definitions = session.scalars(select(ProcessDefinition)).all()
        assert sorted((d.process_key, d.version, d.note) for d in definitions) == [
            ("fix_deadline", 1, "同梱の定義（初版）"), ("review_loop", 1, "同梱の定義（初版）")]


def test_cli_deploy_stores_a_new_version_with_its_note_and_publisher(cli, db, tmp_path):
    with db.transaction() as session:
        department = Department(code="P01", name="保健課")
        session.add(department)
        session.flush()
        person = Staff(login_id="gyomu9", full_name="業務 九郎", department_id=department.id, password_hash="-")
        session.add(person)
        session.flush()
        owner = person.id
    path = tmp_path / "review.bpmn"
    path.write_bytes((BPMN / "review_loop.bpmn").read_bytes())
    result = cli.invoke(args=["processes", "deploy", str(path), "--note", "初版"])
    assert result.exit_code == 0, result.output
    assert "review_loop を第 1 版として公開しました" in result.output
    path.write_text(path.read_text().replace('name="決裁"', 'name="最終決裁"'))
    result = cli.invoke(args=["processes", "deploy", str(path), "--note", "名称変更", "--by", "nobody"])
    assert result.exit_code == 1 and "職員「nobody」が見つかりません" in result.output
    result = cli.invoke(args=["processes", "deploy", str(path), "--note", "名称変更", "--by", "gyomu9"])
    assert "第 2 版" in result.output
    with db.transaction() as session:
        rows = session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)).all()
        assert [(d.version, d.note, len(d.checksum)) for d in rows] == [(1, "初版", 64), (2, "名称変更", 64)]
        assert rows[0].published_by_id is None and rows[1].published_by_id == owner


def test_a_reloaded_instance_still_refuses_import(db, staff, clock):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    CACHE.clear()
    with db.transaction() as session:
        workflow = runtime.open_by_id(session, state.instance_id).workflow
    assert isinstance(workflow.script_engine.environment, SandboxEnvironment)
    task = workflow.get_tasks(spec_name="receive")[0]
    with pytest.raises(Exception) as error:
        workflow.script_engine.evaluate(task, "__import__('os').getpid()")
    assert isinstance(error.value.__context__, ScriptError)
    assert "__import__" in str(error.value.__context__)
    with pytest.raises(Exception, match="open"):
        workflow.script_engine.execute(task, "data = open('/etc/hostname').read()")


def _store_unvalidated(db, text: str) -> None:
    """A definition that skipped validation (as if inserted by hand) to prove the run-time guard."""
    parser = new_parser()
    parser.add_bpmn_str(text.encode())
    spec = parser.get_spec("review_loop")
    with db.transaction() as session:
        session.add(ProcessDefinition(process_key="review_loop", version=1, bpmn_xml=text, checksum=hashlib.sha256(text.encode()).hexdigest(),
                                      spec_json=dump_spec(spec, {})))


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("x = 0\nwhile True:\n    x = x + 1", "上限"),
        ("blob = 'a' * (2 ** 34)", "メモリ"),
        ("data = open('/etc/hostname').read()", "open"),
    ],
)
def test_what_slips_past_validation_is_stopped_at_run_time(db, staff, clock, script, expected):
    text = (BPMN / "review_loop.bpmn").read_text().replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>',
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="evil"/>'
        f'<bpmn:scriptTask id="evil" name="悪意"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f1b" sourceRef="evil" targetRef="receive"/>',
    )
    _store_unvalidated(db, text)
    with db.transaction() as session:
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    assert state.status == "error"
    assert "悪意" in state.error and expected in state.error


def test_a_condition_naming_missing_data_stops_with_a_japanese_message(db, staff, clock):
    text = (BPMN / "review_loop.bpmn").read_text().replace("result == 'fix'", "reslt == 'fix'")
    with db.transaction() as session:
        deploy(session, text.encode())
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    state = complete(db, state.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    state = complete(db, state.ready_tasks[0], staff["shinsa1"], {"result": "fix"}, clock)
    assert state.status == "error"
    assert "未定義の名前" in state.error and "reslt" in state.error
    assert "Error evaluating" not in state.error
