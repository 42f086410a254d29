"""Bulk claim / unclaim / reassign run as jobs with a progress page; single reassignment."""

from __future__ import annotations

from models import Role
from tests.auth_helpers import csrf_token
from tests.screens.conftest import open_case, ready_guid, task_row, wait_for_job
from workflows import service


def job_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/jobs/")
    return int(location.rsplit("/", 1)[1])


def test_bulk_claim_runs_as_a_job_and_reports_refusals(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    guids = [open_case(db, clock)[1] for _ in range(3)]
    # The third case's next step is barred for this person by 二者確認.
    barred_case, first = open_case(db, clock)
    actor = service.Actor(account.id, frozenset({Role.COUNTER}))
    with db.transaction() as session:
        service.complete_task(session, first, actor, {"received_on": "2026-04-01"}, clock=clock)
    with db.transaction() as session:
        service.complete_task(session, ready_guid(db, barred_case, "record"), actor, {"copies": "1"}, clock=clock)
    confirm = ready_guid(db, barred_case, "confirm")
    token = csrf_token(client, "/inbox/group")
    response = client.post("/inbox/bulk", data={"csrf_token": token, "action": "claim",
                                                "task": [*guids, confirm], "next": "/inbox/group"})
    job = wait_for_job(db, job_id_of(response))
    assert (job.status, job.total, job.done, job.failed) == ("done", 4, 4, 1)
    assert "4件のうち3件を担当しました" in job.message
    assert all(task_row(db, g).assignee_id == account.id for g in guids)
    assert task_row(db, confirm).assignee_id is None
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "二者確認のため" in page and barred_case in page and 'href="/inbox/group"' in page
    progress = client.get(f"/jobs/{job.id}/progress").json
    assert progress == {**progress, "percent": 100, "finished": True, "done": 4, "failed": 1}
    assert "作業の一括担当 4件" in client.get("/jobs/").get_data(as_text=True)


def test_a_job_is_shown_only_to_its_owner(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    other, _ = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    response = client.post("/inbox/bulk", data={"csrf_token": csrf_token(client, "/inbox/group"),
                                                "action": "claim", "task": [guid]})
    job = wait_for_job(db, job_id_of(response))
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.get(f"/jobs/{job.id}/progress").status_code == 404


def test_supervisor_reassigns_one_task_and_many(db, intake, staff_client, clock, make_staff):
    supervisor, _ = staff_client(Role.SUPERVISOR, Role.COUNTER)
    clerk, clerk_account = staff_client(Role.COUNTER)
    examiner = make_staff("shinsa-x", Role.EXAMINER)
    single, *many = [open_case(db, clock)[1] for _ in range(3)]
    token = csrf_token(supervisor, "/inbox/group")
    page = supervisor.get("/inbox/group").get_data(as_text=True)
    assert "まとめて割り当てる" in page and clerk_account.login_id in page
    response = supervisor.post(f"/tasks/{single}/reassign", data={
        "csrf_token": token, "to_staff": str(clerk_account.id), "next": "/inbox/group"}, follow_redirects=True)
    assert f"試験 {clerk_account.login_id} さんに割り当てました" in response.get_data(as_text=True)
    assert task_row(db, single).assignee_id == clerk_account.id
    response = supervisor.post(f"/tasks/{many[0]}/reassign", data={
        "csrf_token": token, "to_staff": str(examiner.id)}, follow_redirects=True)
    assert "この作業の役割（窓口職員）を持っていません" in response.get_data(as_text=True)
    response = supervisor.post("/inbox/bulk", data={"csrf_token": token, "action": "reassign",
                                                    "to_staff": str(clerk_account.id), "task": many})
    job = wait_for_job(db, job_id_of(response))
    assert (job.done, job.failed) == (2, 0)
    assert all(task_row(db, g).assignee_id == clerk_account.id for g in many)
    # The supervisor finds the clerk's tasks in the queue view and gives them back in bulk.
    held = supervisor.get(f"/inbox/group?assignee={clerk_account.id}").get_data(as_text=True)
    assert held.count('name="task" value=') == 3
    response = supervisor.post("/inbox/bulk", data={"csrf_token": token, "action": "unclaim",
                                                    "task": [single, *many]})
    job = wait_for_job(db, job_id_of(response))
    assert job.failed == 0 and all(task_row(db, g).assignee_id is None for g in [single, *many])
    assert clerk.get("/inbox/").get_data(as_text=True).count('name="task" value=') == 0


def test_only_supervisors_reassign(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    token = csrf_token(client, "/inbox/group")
    response = client.post(f"/tasks/{guid}/reassign", data={"csrf_token": token, "to_staff": str(account.id)},
                           follow_redirects=True)
    assert "作業の割り当てを変更できるのは監督者だけです" in response.get_data(as_text=True)
    response = client.post("/inbox/bulk", data={"csrf_token": token, "action": "reassign",
                                                "to_staff": str(account.id), "task": [guid]},
                           follow_redirects=True)
    assert "作業の割り当てを変更できるのは監督者だけです" in response.get_data(as_text=True)
    assert task_row(db, guid).assignee_id is None


def test_a_job_whose_process_stopped_is_shown_as_interrupted(app, db, staff_client, clock):
    from datetime import timedelta

    from models import JobProgress

    client, account = staff_client(Role.COUNTER)
    progress = JobProgress.start(db, kind="test_import", title="試験の取込", owner_id=account.id, total=10)
    progress.advance()
    page = client.get(f"/jobs/{progress.job_id}").get_data(as_text=True)
    assert "実行中" in page and "1 / 10 件" in page and "この画面を閉じても処理は続きます" in page
    from sqlalchemy import update

    from models import Job
    with db.transaction() as session:  # its process stopped eleven minutes ago
        session.execute(update(Job).where(Job.id == progress.job_id).values(updated_at=clock.now - timedelta(minutes=11)))
    page = client.get(f"/jobs/{progress.job_id}").get_data(as_text=True)
    assert "中断" in page and "この処理は途中で止まりました（1 件まで処理済み）" in page
    assert client.get(f"/jobs/{progress.job_id}/progress").json["finished"] is True
