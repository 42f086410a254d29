"""Drafts, publishing with a second owner's approval, version diffs and instance migration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import HumanTask, ProcessInstance, TaskEvent
from tests.processes.conftest import sample_xml, with_check_task
from workflows import drafts, migration, publishing, service
from workflows.cache import CACHE
from workflows.definitions import deploy
from workflows.errors import Conflict, DefinitionInvalid, NotAllowed
from workflows.version_diff import diff_versions

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def clock():
    return NOW


def publish(db, people, xml: str, note: str = "変更") -> int:
    with db.transaction() as session:
        draft = drafts.save_draft(session, "sample_certificate", xml.encode(), people["gyomu1"].staff_id, NOW)
        request = publishing.request_publication(session, draft.id, people["gyomu1"], note, NOW)
    with db.transaction() as session:
        return publishing.approve(session, request.id, people["gyomu2"], NOW).id


def start(db, people):
    with db.transaction() as session:
        return service.start_case(session, "certificate", "sample_certificate", people["madoguchi1"], clock=clock)


def complete(db, guid, actor, data):
    with db.transaction() as session:
        return service.complete_task(session, guid, actor, data, clock=clock)


def test_the_requester_cannot_approve_their_own_publication(db, people):
    with db.transaction() as session:
        draft = drafts.save_draft(session, "sample_certificate", sample_xml().encode(),
                                  people["gyomu1"].staff_id, NOW)
        request = publishing.request_publication(session, draft.id, people["gyomu1"], "初版", NOW)
    with db.transaction() as session, pytest.raises(NotAllowed, match="申請した本人は承認できません"):
        publishing.approve(session, request.id, people["gyomu1"], NOW)
    with db.transaction() as session, pytest.raises(NotAllowed, match="業務管理者"):
        publishing.approve(session, request.id, people["kantoku1"], NOW)
    with db.transaction() as session:
        definition = publishing.approve(session, request.id, people["gyomu2"], NOW)
        assert definition.version == 1
        history = publishing.version_history(session, "sample_certificate")
        assert [(h.definition.version, h.publication.requested_by_id, h.publication.decided_by_id)
                for h in history] == [(1, people["gyomu1"].staff_id, people["gyomu2"].staff_id)]


def test_an_invalid_draft_is_saved_but_cannot_be_published(db, people):
    broken = sample_xml().replace('<spiffworkflow:property name="milestone" value="決裁"/>', "").replace(
        '<spiffworkflow:property name="separate_from" value="receive"/>', "").replace(
        "<spiffworkflow:property name=\"fields\" value=\"[{&quot;name&quot;: &quot;approved&quot;, &quot;label&quot;:"
        " &quot;承認する&quot;, &quot;type&quot;: &quot;checkbox&quot;, &quot;required&quot;: true}]\"/>", "")
    with db.transaction() as session:
        draft = drafts.save_draft(session, "sample_certificate", broken.encode(), people["gyomu1"].staff_id, NOW)
        with pytest.raises(DefinitionInvalid) as raised:
            publishing.request_publication(session, draft.id, people["gyomu1"], "壊れた版", NOW)
    assert [(p.element_id, "フォーム" in p.message) for p in raised.value.problems] == [("approve", True)]


def test_hostile_or_foreign_xml_is_refused_as_a_draft(db, people):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with db.transaction() as session:
        for data, message in ((bomb, "DOCTYPE"), (b"not xml", "XML として読めません"),
                              (b"x" * (5 * 1024 * 1024 + 1), "大きすぎます"),
                              (sample_xml().replace('id="sample_certificate"', 'id="other"').encode(), "異なります")):
            with pytest.raises(DefinitionInvalid) as raised:
                drafts.save_draft(session, "sample_certificate", data, people["gyomu1"].staff_id, NOW)
            assert message in str(raised.value)


def test_diff_lists_the_added_task_and_the_rewired_flow(db):
    diff = diff_versions(sample_xml(), with_check_task(sample_xml()))
    assert {(c.element_id, c.kind) for c in diff.added} == {("check_docs", "ユーザータスク"), ("f2b", "シーケンスフロー")}
    changed = {c.element_id: c.details for c in diff.changed}
    assert set(changed) == {"f2", "Lane_supervisor"}
    assert "接続先を変更" in changed["f2"]
    assert diff.removed == []
    assert diff_versions(sample_xml(), sample_xml()).empty


def test_restore_makes_an_older_version_the_open_draft(db, people):
    publish(db, people, sample_xml(), "初版")
    publish(db, people, with_check_task(sample_xml()), "書類確認を追加")
    with db.transaction() as session:
        assert drafts.open_draft(session, "sample_certificate") is None
        assert "check_docs" in drafts.editor_document(session, "sample_certificate").xml
        drafts.restore_version(session, "sample_certificate", 1, people["gyomu2"].staff_id,
                               NOW.replace(hour=2))
    with db.transaction() as session:
        document = drafts.editor_document(session, "sample_certificate")
        assert "check_docs" not in document.xml and document.base_version == 1
        assert document.source.startswith("下書き")


def test_migration_answer_matches_what_the_engine_does(db, people):
    publish(db, people, sample_xml(), "初版")
    waiting = start(db, people)  # at 申請受付: nothing changed has run
    advanced = start(db, people)
    advanced = complete(db, advanced.ready_tasks[0], people["madoguchi1"], {"received_on": "2026-11-26"})
    # 申請受付 ran, and version 2 rewires its outgoing flow: it cannot move.
    v2 = publish(db, people, with_check_task(sample_xml()), "書類確認を追加")
    with db.transaction() as session:
        answers = {a.instance_id: a for a in migration.candidates(session, v2)}
    assert answers[waiting.instance_id].can_migrate
    assert not answers[advanced.instance_id].can_migrate
    assert "申請受付" in answers[advanced.instance_id].reasons[0]

    with db.transaction() as session, pytest.raises(migration.MigrationRefused):
        migration.migrate(session, advanced.instance_id, v2, people["gyomu1"], clock=clock)
    with db.transaction() as session:
        done, left = migration.migrate_all(session, v2, people["gyomu1"], clock=clock)
    assert [m.instance_id for m in done] == [waiting.instance_id]
    assert [a.instance_id for a in left] == [advanced.instance_id]

    # The migrated instance runs version 2: the new task comes after 申請受付; its inbox row kept its guid.
    CACHE.clear()
    state = complete(db, waiting.ready_tasks[0], people["madoguchi1"], {"received_on": "2026-11-26"})
    with db.transaction() as session:
        row = session.scalars(select(HumanTask).where(HumanTask.task_guid == state.ready_tasks[0])).one()
        assert row.bpmn_id == "check_docs"
        versions = {i.id: i.definition.version for i in session.scalars(select(ProcessInstance))}
    assert versions == {waiting.instance_id: 2, advanced.instance_id: 1}
    # The instance left behind still follows version 1.
    state = complete(db, advanced.ready_tasks[0], people["kantoku1"], {"approved": "y"})
    with db.transaction() as session:
        assert session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.task_guid == state.ready_tasks[0])).one() == "issue"


def test_a_migrated_instance_can_be_reverted_until_it_moves_on(db, people):
    publish(db, people, sample_xml(), "初版")
    case = start(db, people)
    renamed = sample_xml().replace('name="申請受付"', 'name="申請の受付"')
    v2 = publish(db, people, with_check_task(renamed), "名前の変更と書類確認")
    with db.transaction() as session:
        migrated = migration.migrate(session, case.instance_id, v2, people["gyomu1"], clock=clock).id
    with db.transaction() as session:
        row = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.instance_id)).one()
        assert (row.task_guid, row.name, row.state) == (case.ready_tasks[0], "申請の受付", "ready")
    with db.transaction() as session:
        migration.revert(session, migrated, people["gyomu2"], clock=clock)
    with db.transaction() as session:
        instance = session.get(ProcessInstance, case.instance_id)
        assert instance.definition.version == 1
        row = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.instance_id)).one()
        assert (row.task_guid, row.name, row.state) == (case.ready_tasks[0], "申請受付", "ready")
        actions = session.scalars(select(TaskEvent.action).where(
            TaskEvent.instance_id == case.instance_id).order_by(TaskEvent.id)).all()
        assert actions[-2:] == ["migrated", "migration_reverted"]
    with db.transaction() as session, pytest.raises(Conflict, match="既に元に戻されています"):
        migration.revert(session, migrated, people["gyomu2"], clock=clock)
    # Reverted, it runs version 1 on; migrated again and advanced, it can no longer be reverted.
    with db.transaction() as session:
        again = migration.migrate(session, case.instance_id, v2, people["gyomu1"], clock=clock).id
    CACHE.clear()
    complete(db, case.ready_tasks[0], people["madoguchi1"], {"received_on": "2026-11-26"})
    with db.transaction() as session, pytest.raises(Conflict, match="案件が進んだ"):
        migration.revert(session, again, people["gyomu2"], clock=clock)


def test_deploy_of_unchanged_content_is_refused(db, people):
    publish(db, people, sample_xml(), "初版")
    with db.transaction() as session, pytest.raises(Exception, match="第 1 版"):
        deploy(session, sample_xml().encode())


def test_a_waiting_task_moved_to_another_lane_changes_role_and_loses_its_holder(db, people):
    publish(db, people, sample_xml(), "初版")
    case = start(db, people)
    with db.transaction() as session:
        service.claim(session, case.ready_tasks[0], people["madoguchi1"], clock=clock)
    moved = sample_xml().replace("<bpmn:flowNodeRef>receive</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef><bpmn:flowNodeRef>receive</bpmn:flowNodeRef>")
    v2 = publish(db, people, moved, "受付を監督者へ")
    with db.transaction() as session:
        migration.migrate(session, case.instance_id, v2, people["gyomu1"], clock=clock)
    with db.transaction() as session:
        row = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.instance_id)).one()
        assert (row.task_guid, row.role, row.lane, row.assignee_id) == (
            case.ready_tasks[0], "supervisor", "監督者", None)
    with db.transaction() as session, pytest.raises(NotAllowed):
        service.complete_task(session, case.ready_tasks[0], people["madoguchi1"], {"received_on": "2026-11-26"},
                              clock=clock)
    state = complete(db, case.ready_tasks[0], people["kantoku1"], {"received_on": "2026-11-26"})
    assert state.status == "running"
