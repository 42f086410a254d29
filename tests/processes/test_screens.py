"""業務フロー管理 through HTTP: drafts, validation by element id, approval, migration screens."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from models import ProcessDefinition, ProcessDraft, ProcessInstance, ProcessPublication, Role
from tests.auth_helpers import csrf_token
from tests.processes.conftest import sample_xml, with_check_task
from web.processes import APPROVAL_KEY
from workflows import service
from workflows.definitions import deploy

KEY = "sample_certificate"


def deploy_sample(db, xml: str | None = None) -> None:
    with db.transaction() as session:
        deploy(session, (xml or sample_xml()).encode(), note="初版")


def post_xml(client, path: str, xml: str, token: str):
    return client.post(path, data=xml.encode(), headers={"Content-Type": "application/xml", "X-CSRFToken": token})


def editor_token(client) -> str:
    return csrf_token(client, f"/processes/{KEY}/edit")


def request_publication(client, xml: str, note: str = "変更"):
    token = editor_token(client)
    assert post_xml(client, f"/processes/{KEY}/draft", xml, token).status_code == 200
    return client.post(f"/processes/{KEY}/publish", data={"note": note, "csrf_token": token})


def test_the_editor_opens_the_newest_version_then_the_shared_draft(db, staff_client):
    deploy_sample(db)
    client, account = staff_client(Role.PROCESS_OWNER)
    other, _ = staff_client(Role.PROCESS_OWNER)
    assert client.get(f"/processes/{KEY}/document").json["source"] == "第 1 版"
    edited = sample_xml().replace('name="申請受付"', 'name="申請の受付"')
    response = post_xml(client, f"/processes/{KEY}/draft?base_version=1", edited, editor_token(client))
    assert response.json["saved"] is True
    document = other.get(f"/processes/{KEY}/document").json
    assert document["source"].startswith("下書き（試験 staff1") and 'name="申請の受付"' in document["xml"]
    with db.transaction() as session:
        draft = session.scalars(select(ProcessDraft)).one()
        assert (draft.author_id, draft.base_version, draft.bpmn_xml) == (account.id, 1, edited)


def test_hostile_drafts_are_refused_with_a_japanese_message(db, staff_client):
    deploy_sample(db)
    client, _ = staff_client(Role.PROCESS_OWNER)
    token = editor_token(client)
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
    response = post_xml(client, f"/processes/{KEY}/draft", xxe, token)
    assert response.status_code == 400 and "DOCTYPE" in response.json["problems"][0]["message"]
    response = post_xml(client, f"/processes/{KEY}/draft", "x" * (6 * 1024 * 1024), token)
    assert response.status_code == 400 and "大きすぎます" in response.json["problems"][0]["message"]
    with db.transaction() as session:
        assert session.scalars(select(ProcessDraft)).all() == []


def test_validation_names_each_problem_element(db, staff_client):
    deploy_sample(db)
    client, _ = staff_client(Role.PROCESS_OWNER)
    broken = re.sub(r'<spiffworkflow:property name="fields" value="\[\{&quot;name&quot;: &quot;approved[^>]*/>', "",
                    sample_xml())
    problems = post_xml(client, f"/processes/{KEY}/validate", broken, editor_token(client)).json["problems"]
    assert {p["element_id"] for p in problems} == {"approve"}
    assert "フォーム" in problems[0]["message"]
    script = sample_xml().replace('<bpmn:sequenceFlow id="f4" sourceRef="issue" targetRef="end"/>',
                                  '<bpmn:sequenceFlow id="f4" sourceRef="issue" targetRef="end">'
                                  "<bpmn:conditionExpression>__import__('os')</bpmn:conditionExpression>"
                                  "</bpmn:sequenceFlow>")
    problems = post_xml(client, f"/processes/{KEY}/validate", script, editor_token(client)).json["problems"]
    assert [p["element_id"] for p in problems] == ["f4"] and "_" in problems[0]["message"]
    assert post_xml(client, f"/processes/{KEY}/validate", sample_xml(), editor_token(client)).json == {
        "ok": True, "problems": []}


def test_publishing_needs_a_different_owner_and_the_requester_is_refused(db, staff_client):
    deploy_sample(db)
    author, author_account = staff_client(Role.PROCESS_OWNER)
    approver, approver_account = staff_client(Role.PROCESS_OWNER)
    response = request_publication(author, with_check_task(sample_xml()), "書類確認を追加")
    assert response.status_code == 302
    with db.transaction() as session:
        publication = session.scalars(select(ProcessPublication)).one()
    token = csrf_token(author, f"/processes/{KEY}/versions")
    page = author.post(f"/processes/publications/{publication.id}/approve", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "公開を申請した本人は承認できません" in page
    with db.transaction() as session:
        assert session.scalars(select(ProcessDefinition.version)).all() == [1]
    token = csrf_token(approver, f"/processes/{KEY}/versions")
    page = approver.post(f"/processes/publications/{publication.id}/approve", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assert "第 2 版として公開しました" in page
    with db.transaction() as session:
        publication = session.get(ProcessPublication, publication.id)
        assert (publication.status, publication.requested_by_id, publication.decided_by_id) == (
            "approved", author_account.id, approver_account.id)
        assert publication.definition.published_by_id == author_account.id
    history = approver.get(f"/processes/{KEY}/versions").get_data(as_text=True)
    assert "書類確認を追加" in history and "試験 staff2" in history


def test_without_the_approval_setting_a_request_is_published_at_once(app, db, staff_client):
    deploy_sample(db)
    client, _ = staff_client(Role.PROCESS_OWNER)
    app.config[APPROVAL_KEY] = False
    try:
        page = request_publication(client, with_check_task(sample_xml())).headers["Location"]
    finally:
        app.config[APPROVAL_KEY] = True
    assert page.endswith("/versions")
    with db.transaction() as session:
        assert session.scalars(select(ProcessDefinition.version).order_by(ProcessDefinition.version)).all() == [1, 2]


def test_restore_and_compare_screens(db, staff_client):
    deploy_sample(db)
    deploy_sample(db, with_check_task(sample_xml()))
    client, _ = staff_client(Role.PROCESS_OWNER)
    page = client.get(f"/processes/{KEY}/compare?a=1&b=2").get_data(as_text=True)
    assert "追加: ユーザータスク「書類確認」（check_docs）" in page
    token = csrf_token(client, f"/processes/{KEY}/versions")
    client.post(f"/processes/{KEY}/versions/1/restore", data={"csrf_token": token})
    document = client.get(f"/processes/{KEY}/document").json
    assert document["base_version"] == 1 and "check_docs" not in document["xml"]
    assert client.get(f"/processes/{KEY}/compare?a=1&b=7").status_code == 404


def test_migration_screen_migrates_and_reverts(db, staff_client, make_staff):
    deploy_sample(db)
    clerk = make_staff("madoguchi9", Role.COUNTER)
    with db.transaction() as session:
        case = service.start_case(session, "certificate", KEY, service.Actor(clerk.id, frozenset({Role.COUNTER})))
    deploy_sample(db, with_check_task(sample_xml()))
    client, _ = staff_client(Role.PROCESS_OWNER)
    page = client.get(f"/processes/{KEY}/versions/2/migration").get_data(as_text=True)
    assert case.case_no in page and "移行できます" in page
    token = csrf_token(client, f"/processes/{KEY}/versions/2/migration")
    page = client.post(f"/processes/{KEY}/versions/2/migration", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 件を第 2 版に移行しました" in page
    with db.transaction() as session:
        assert session.get(ProcessInstance, case.instance_id).definition.version == 2
    migration_id = re.search(r"/processes/migrations/(\d+)/revert", page).group(1)
    page = client.post(f"/processes/migrations/{migration_id}/revert", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "移行を元に戻しました" in page
    with db.transaction() as session:
        assert session.get(ProcessInstance, case.instance_id).definition.version == 1


def test_a_bpmn_file_imported_from_the_list_becomes_a_new_process_draft(db, staff_client):
    client, _ = staff_client(Role.PROCESS_OWNER)
    token = csrf_token(client, "/processes/")
    renamed = sample_xml().replace('id="sample_certificate"', 'id="new_procedure"').replace(
        'processRef="sample_certificate"', 'processRef="new_procedure"')
    response = client.post("/processes/import", data={"csrf_token": token, "file": (io.BytesIO(renamed.encode()),
                                                                                      "new.bpmn")})
    assert response.headers["Location"].endswith("/processes/new_procedure/edit")
    document = client.get("/processes/new_procedure/document").json
    assert document["base_version"] is None and 'id="new_procedure"' in document["xml"]
    assert "new_procedure" in client.get("/processes/").get_data(as_text=True)
    page = client.post("/processes/import", data={"csrf_token": token, "file": (io.BytesIO(b"<x"), "bad.bpmn")},
                       follow_redirects=True).get_data(as_text=True)
    assert "XML として読めません" in page
    empty = b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>'
    page = client.post("/processes/import", data={"csrf_token": token, "file": (io.BytesIO(empty), "empty.bpmn")},
                       follow_redirects=True).get_data(as_text=True)
    assert "プロセス（bpmn:process）がありません" in page
    two = sample_xml().replace("</bpmn:definitions>", '<bpmn:process id="second"/></bpmn:definitions>').encode()
    page = client.post("/processes/import", data={"csrf_token": token, "file": (io.BytesIO(two), "two.bpmn")},
                       follow_redirects=True).get_data(as_text=True)
    assert "プロセス（bpmn:process）が 1 つで" in page
