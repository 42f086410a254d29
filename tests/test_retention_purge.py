"""Retention purge: requested on the screen, approved by another supervisor, purged once by the CLI."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import AccessLog, HumanTask, RetentionPurgeRequest, VaccinationRecord
from models.retention_purge import PurgeStatus
from models.staff import Role
from models.task import HumanTaskState
from tests.auth_helpers import csrf_token
from tests.test_retention import dose, person

REASON = "保存期間（5年）経過のため（令和8年度 台帳整理）"


@pytest.fixture
def records(db) -> dict[str, int]:
    """Two old records of a person who moved out, one of a resident, one recent."""
    with db.transaction() as session:
        stayed = person(1)
        left = person(2, status="moved_out", moved_out_on=date(2020, 3, 1))
        died = person(3, status="deceased", died_on=date(2020, 1, 5))
        rows = {"left1": dose(left, 1, date(2019, 5, 1)), "left2": dose(left, 2, date(2019, 5, 25)),
                "died1": dose(died, 1, date(2019, 6, 1)), "stayed": dose(stayed, 1, date(2019, 5, 1)),
                "recent": dose(left, 3, date(2022, 1, 10))}
        session.add_all(rows.values())
        session.flush()
        return {key: row.id for key, row in rows.items()}


@pytest.fixture
def people(staff_client, clock):
    requester, requester_account = staff_client(Role.PROCESS_OWNER, Role.SUPERVISOR)
    supervisor, supervisor_account = staff_client(Role.SUPERVISOR)
    return requester, supervisor, requester_account, supervisor_account


def request_purge(client, as_of: str = "2026-03-31") -> int:
    response = client.post("/retention/new", data={"csrf_token": csrf_token(client, "/retention/"),
                                                    "as_of": as_of, "reason": REASON})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def approval_guid(db, request_id: int) -> str:
    with db.transaction() as session:
        purge = session.get(RetentionPurgeRequest, request_id)
        return session.scalars(select(HumanTask.task_guid).where(
            HumanTask.case_id == purge.case_id, HumanTask.bpmn_id == "approve_purge",
            HumanTask.state == HumanTaskState.READY)).one()


def decide(client, guid: str, decision: str = "approve", comment: str = ""):
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    revision = page.split('name="_revision" value="', 1)[1].split('"', 1)[0]
    return client.post(f"/tasks/{guid}", data={"csrf_token": csrf_token(client, f"/tasks/{guid}"),
                                               "_revision": revision, "decision": decision,
                                               "decision_comment": comment})


def status_of(db, request_id: int) -> str:
    with db.transaction() as session:
        return session.get(RetentionPurgeRequest, request_id).status


def remaining(db) -> set[int]:
    with db.transaction() as session:
        return set(session.scalars(select(VaccinationRecord.id)))


def test_same_person_may_not_approve_and_purge_waits_for_approval(records, people, db, cli):
    requester = people[0]
    request_id = request_purge(requester)
    page = requester.get(f"/retention/{request_id}").get_data(as_text=True)
    assert "承認待ち" in page and "3件" in page

    guid = approval_guid(db, request_id)
    own = decide(requester, guid)  # holds 監督者 too, but requested it (二者確認)
    assert own.status_code in (403, 409) and "二者確認" in own.get_data(as_text=True)
    assert status_of(db, request_id) == PurgeStatus.REQUESTED

    refused = cli.invoke(args=["retention", "purge", "--request", str(request_id)])
    assert refused.exit_code == 1 and "承認されていない" in refused.output
    assert remaining(db) == set(records.values())


def test_purge_deletes_exactly_the_approved_records_once_and_logs_each_person(records, people, db, cli):
    requester, supervisor, _, supervisor_account = people
    request_id = request_purge(requester)
    # Since the request: a correction of one listed record, and a newly old-enough one appears.
    with db.transaction() as session:
        changed = session.get(VaccinationRecord, records["left2"])
        changed.lot_no, changed.version = "FD0889", changed.version + 1
    assert decide(supervisor, approval_guid(db, request_id)).status_code == 302
    with db.transaction() as session:
        approved = session.get(RetentionPurgeRequest, request_id)
        assert (approved.status, approved.decided_by_id) == (PurgeStatus.APPROVED, supervisor_account.id)

    result = cli.invoke(args=["retention", "purge", "--request", str(request_id)])
    assert result.exit_code == 0, result.output
    assert "2 件を削除" in result.output and f"接種記録ID: {records['left2']}" in result.output
    assert remaining(db) == {records["left2"], records["stayed"], records["recent"]}
    with db.transaction() as session:
        done = session.get(RetentionPurgeRequest, request_id)
        assert (done.status, done.purged_count, done.skipped) == (PurgeStatus.PURGED, 2, [records["left2"]])
        rows = session.scalars(select(AccessLog).where(AccessLog.detail.like("保存期間経過による%"))
                               .order_by(AccessLog.id)).all()
        assert [(r.atena_no, r.reason) for r in rows] == [("0000000002", REASON), ("0000000003", REASON)]

    again = cli.invoke(args=["retention", "purge", "--request", str(request_id)])
    assert again.exit_code == 1 and "削除済み" in again.output


def test_rejected_request_is_never_purged(records, people, db, cli):
    requester, supervisor, *_ = people
    request_id = request_purge(requester)
    guid = approval_guid(db, request_id)
    assert decide(supervisor, guid, "reject").status_code == 400  # a rejection needs a reason
    assert decide(supervisor, guid, "reject", "転出者の記録照会が続いているため").status_code == 302
    assert status_of(db, request_id) == PurgeStatus.REJECTED
    result = cli.invoke(args=["retention", "purge", "--request", str(request_id)])
    assert result.exit_code == 1 and "却下" in result.output
    assert remaining(db) == set(records.values())


def test_report_writes_one_access_log_row_per_person_listed(records, db, cli):
    result = cli.invoke(args=["retention", "report", "--as-of", "2026-03-31"])
    assert result.exit_code == 0, result.output
    with db.transaction() as session:
        rows = session.scalars(select(AccessLog).where(AccessLog.detail.like("保存期間経過記録一覧%"))).all()
        assert sorted(r.atena_no for r in rows) == ["0000000002", "0000000003"]
