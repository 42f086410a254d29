"""A process owner changes a process in the browser; a second owner approves it; cases follow.

Also: every BPMN file Sesshu ships or tests with survives the editor (bpmn-js with Sesshu's
SpiffWorkflow descriptor) unchanged in meaning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from handlers import registry
from models import ProcessInstance, Role
from tests.auth_helpers import PASSWORD
from tests.processes.conftest import SAMPLE
from web.forms.generic import discover as discover_forms
from workflows import service
from workflows.definitions import deploy
from workflows.drafts import with_diagram
from workflows.spiff import dump_spec
from workflows.validation import validate_bpmn

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def log_in(page, live_server, account):
    page.goto(live_server + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_selector("text=ログアウト")


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return errors


def open_editor(page, live_server, key):
    page.goto(f"{live_server}/processes/{key}/edit")
    page.wait_for_selector("#editor[data-ready='1']")


ADD_TASK = """() => {
  const modeler = window.sesshuModeler;
  const registry = modeler.get('elementRegistry'), modeling = modeler.get('modeling');
  const factory = modeler.get('elementFactory');
  const participant = registry.filter(e => e.type === 'bpmn:Participant')[0];
  const shape = modeling.createShape(factory.createShape({ type: 'bpmn:UserTask' }), { x: 660, y: 255 }, participant);
  modeling.updateLabel(shape, '課長決裁');
  modeling.reconnectEnd(registry.get('f3'), shape, { x: 610, y: 255 });
  modeling.connect(shape, registry.get('issue'));
  return shape.id;
}"""


def test_owner_adds_a_task_validates_publishes_and_a_second_owner_approves(page, live_server, make_staff, db,
                                                                           browser, screenshot_dir):
    shots = screenshot_dir
    author = make_staff("gyomu-b1", Role.PROCESS_OWNER)
    approver = make_staff("gyomu-b2", Role.PROCESS_OWNER)
    clerk = make_staff("madoguchi-b1", Role.COUNTER)
    with db.transaction() as session:
        deploy(session, SAMPLE.read_bytes(), note="初版")
        old_case = service.start_case(session, "certificate", "sample_certificate",
                                      service.Actor(clerk.id, frozenset({Role.COUNTER})))
    errors = watch_errors(page)
    log_in(page, live_server, author)
    page.get_by_role("navigation").get_by_role("link", name="業務フロー管理").click()
    page.get_by_role("link", name="編集").click()
    page.wait_for_selector("#editor[data-ready='1']")
    assert page.locator("#source").inner_text() == "第 1 版"
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays visible

    task_id = page.evaluate(ADD_TASK)
    lane = page.evaluate(f"() => window.sesshuModeler.get('elementRegistry').get('{task_id}')"
                         ".businessObject.lanes.map(l => l.name)")
    assert lane == ["監督者"]

    page.get_by_role("button", name="検証").click()
    problem = page.locator(f"#problems li:has(button[data-element-id='{task_id}'])")
    problem.wait_for()
    assert "フォーム" in problem.inner_text()
    assert page.locator(f"[data-element-id='{task_id}'].sesshu-problem, "
                        f"g[data-element-id='{task_id}'].sesshu-problem").count() == 1
    problem.get_by_role("button").click()  # selects the element: its properties open beside the diagram
    assert task_id in page.locator("#properties").inner_text()

    page.locator("#prop-form").select_option("__fields__")
    assert '"name": "note"' in page.locator("#prop-fields").input_value()
    page.locator("#prop-milestone").fill("課長決裁")
    page.locator("#prop-milestone").dispatch_event("change")
    page.locator("#prop-separate input[value='receive']").check()
    page.get_by_role("button", name="検証").click()
    page.wait_for_selector("text=問題は見つかりませんでした")
    xml = page.evaluate("async () => (await window.sesshuModeler.saveXML({format: true})).xml")
    assert 'name="separate_from" value="receive"' in xml and 'name="milestone" value="課長決裁"' in xml
    page.evaluate(f"() => window.sesshuModeler.get('selection').select("
                  f"window.sesshuModeler.get('elementRegistry').get('{task_id}'))")
    page.screenshot(path=str(shots / "process-editor.png"), full_page=True)

    page.get_by_label("変更内容の説明（版の履歴に残ります）").fill("監督者の課長決裁を追加")
    page.get_by_role("button", name="下書きを保存して公開を申請").click()
    page.wait_for_selector("text=公開を申請しました")
    assert "申請した本人は承認できません" in page.content()
    assert page.get_by_role("button", name="承認して公開").count() == 0

    second = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    errors += watch_errors(second)
    log_in(second, live_server, approver)
    second.goto(f"{live_server}/processes/sample_certificate/versions")
    second.get_by_role("button", name="承認して公開").click()
    second.wait_for_selector("text=第 2 版として公開しました")

    with db.transaction() as session:
        new_case = service.start_case(session, "certificate", "sample_certificate",
                                      service.Actor(clerk.id, frozenset({Role.COUNTER})))
        versions = {i.id: i.definition.version for i in session.scalars(select(ProcessInstance))}
    assert versions == {old_case.instance_id: 1, new_case.instance_id: 2}

    second.goto(f"{live_server}/processes/sample_certificate/compare?a=1&b=2")
    second.wait_for_selector("#diff[data-ready='1']")
    assert "追加: ユーザータスク「課長決裁」" in second.locator("#diff-list").inner_text()
    assert second.locator(f"#canvas-new g[data-element-id='{task_id}'].diff-added").count() == 1
    assert second.locator("#canvas-old g[data-element-id='f3'].diff-changed").count() == 1
    second.screenshot(path=str(shots / "process-diff.png"), full_page=True)
    second.context.close()
    assert errors == []


def bpmn_files() -> list[Path]:
    return sorted([*(ROOT / "bpmn").glob("*.bpmn"), *(ROOT / "tests").glob("**/*.bpmn"),
                   *(ROOT / "benchmarks").glob("*.bpmn")])


def parsed(data: bytes, directory: Path) -> dict:
    discover_forms()  # shipped processes name forms registered by web/forms modules
    result = validate_bpmn(data, [p.read_bytes() for p in sorted(directory.glob("*.dmn"))])
    assert result.ok, result.problems
    return json.loads(dump_spec(result.spec, result.subprocess_specs))


@pytest.fixture
def test_operator():
    registry.register("test/lookup", lambda context, case_id, label: {}, ["case_id", "label"])
    yield
    registry.unregister("test/lookup")


def test_every_bpmn_file_round_trips_through_the_editor_unchanged_in_meaning(page, live_server, make_staff, db,
                                                                              test_operator, case_review):
    # case_review registers the test operator of tests/cases/case_review.bpmn.
    owner = make_staff("gyomu-b3", Role.PROCESS_OWNER)
    with db.transaction() as session:
        deploy(session, SAMPLE.read_bytes(), note="初版")
    log_in(page, live_server, owner)
    open_editor(page, live_server, "sample_certificate")
    files = bpmn_files()
    assert len(files) >= 9
    for path in files:
        original = path.read_bytes()
        shown, _ = with_diagram(original.decode("utf-8"))  # what the editor is given
        saved = page.evaluate("""async (xml) => {
            const result = await window.sesshuModeler.importXML(xml);
            const { xml: out } = await window.sesshuModeler.saveXML({ format: true });
            return { out, warnings: result.warnings.map(w => w.message) };
        }""", shown)
        assert saved["warnings"] == [], (path.name, saved["warnings"])
        # Files without a diagram are compared with the laid-out file the editor opened: SpiffWorkflow
        # orders a gateway's branches by the diagram (tests/processes/test_layout.py covers the layout).
        after, before = parsed(saved["out"].encode(), path.parent), parsed(shown.encode(), path.parent)
        assert after == before, (path.name, differences(before, after))


def differences(a, b, where: str = "") -> list[str]:
    """Paths where two parse results differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in differences(a.get(k), b.get(k), f"{where}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


ADD_SERVICE_AND_TIMER = """() => {
  const modeler = window.sesshuModeler;
  const registry = modeler.get('elementRegistry'), modeling = modeler.get('modeling');
  const factory = modeler.get('elementFactory');
  const participant = registry.filter(e => e.type === 'bpmn:Participant')[0];
  const service = modeling.createShape(factory.createShape({ type: 'bpmn:ServiceTask' }), { x: 660, y: 255 }, participant);
  const timer = modeling.createShape(factory.createShape({ type: 'bpmn:IntermediateCatchEvent',
    eventDefinitionType: 'bpmn:TimerEventDefinition' }), { x: 780, y: 255 }, participant);
  modeling.reconnectEnd(registry.get('f3'), service, { x: 610, y: 255 });
  modeling.connect(service, timer);
  modeling.connect(timer, registry.get('issue'));
  return [service.id, timer.id];
}"""


def test_service_task_operator_and_timer_are_set_from_the_panel(page, live_server, make_staff, db, test_operator):
    owner = make_staff("gyomu-b4", Role.PROCESS_OWNER)
    with db.transaction() as session:
        deploy(session, SAMPLE.read_bytes(), note="初版")
    errors = watch_errors(page)
    log_in(page, live_server, owner)
    open_editor(page, live_server, "sample_certificate")
    service_id, timer_id = page.evaluate(ADD_SERVICE_AND_TIMER)
    select = "id => window.sesshuModeler.get('selection').select(window.sesshuModeler.get('elementRegistry').get(id))"
    page.evaluate(select, service_id)
    page.locator("#prop-operator").select_option("test/lookup")
    for name, value in (("case_id", "case_id"), ("label", "'証明書'")):
        page.locator(f"#prop-param-{name}").fill(value)
        page.locator(f"#prop-param-{name}").dispatch_event("change")
    page.evaluate(select, timer_id)
    page.locator("#prop-duration").fill("P30D")
    page.locator("#prop-duration").dispatch_event("change")
    xml = page.evaluate("async () => (await window.sesshuModeler.saveXML({format: true})).xml")
    result = validate_bpmn(xml.encode())
    assert result.ok, result.problems
    specs = {ts.bpmn_id: ts for ts in result.spec.task_specs.values()}
    assert specs[service_id].operation_name == "test/lookup"
    assert {k: v["value"] for k, v in specs[service_id].operation_params.items()} == {
        "case_id": "case_id", "label": "'証明書'"}
    assert specs[timer_id].event_definition.expression == '"P30D"'
    assert errors == []


def test_importing_a_file_lays_out_a_diagram_less_file_and_refuses_a_hostile_one(page, live_server, make_staff, db,
                                                                                 tmp_path):
    owner = make_staff("gyomu-b5", Role.PROCESS_OWNER)
    with db.transaction() as session:
        deploy(session, SAMPLE.read_bytes(), note="初版")
    log_in(page, live_server, owner)
    open_editor(page, live_server, "sample_certificate")
    page.locator("#import-file").set_input_files(str(SAMPLE.parent / "sample_certificate_no_diagram.bpmn"))
    page.wait_for_selector("text=図がないため自動で配置")
    names = page.evaluate("() => window.sesshuModeler.get('elementRegistry')"
                          ".filter(e => e.type === 'bpmn:UserTask').map(e => e.businessObject.name).sort()")
    assert names == ["決裁", "申請受付", "証明書の交付（図なし）"]
    hostile = tmp_path / "xxe.bpmn"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>')
    page.locator("#import-file").set_input_files(str(hostile))
    page.wait_for_selector("#problems li:has-text('DOCTYPE')")
    assert "証明書の交付（図なし）" in page.evaluate(
        "() => window.sesshuModeler.get('elementRegistry').filter(e => e.type === 'bpmn:UserTask')"
        ".map(e => e.businessObject.name).join()")  # the diagram on screen is untouched
