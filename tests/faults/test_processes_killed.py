"""kill -9 of a workflow worker and of a gunicorn worker in the middle of their work, and two
workers firing the same timers: afterwards nothing is lost, done twice or half-written."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
from sqlalchemy import select

from benchmarks import stack
from models.process import ProcessInstance
from models.task import HumanTask, HumanTaskState
from tests.faults.checks import assert_consistent
from workflows.service import start_case


def _wait(condition, timeout: float = 40.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _start(office, process_key: str) -> tuple[int, tuple[str, ...]]:
    with office.db.transaction() as session:
        state = start_case(session, "certificate", process_key, office.actor)
        return state.case_id, state.ready_tasks


def _ready(office, case_id: int, bpmn_id: str) -> list[str]:
    with office.db.Session() as session:
        return list(session.scalars(select(HumanTask.task_guid).where(
            HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id,
            HumanTask.state == HumanTaskState.READY)))


def _revision(office, case_id: int) -> int:
    with office.db.Session() as session:
        return session.scalars(select(ProcessInstance.revision).where(ProcessInstance.case_id == case_id)).one()


def test_a_worker_killed_during_a_service_task_leaves_the_timer_for_the_next_worker(office):
    case_id, _ = _start(office, "fault_timer")
    revision = _revision(office, case_id)
    servers = office.stack()
    try:
        worker = servers.start_worker()
        _wait(lambda: office.marks("start", case_id), what="the service task to start")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        assert office.marks("done", case_id) == []
        # Nothing of the interrupted pass was kept: the instance still waits at its timer.
        assert _revision(office, case_id) == revision
        assert _ready(office, case_id, "check") == []
        assert_consistent(office.db, [case_id])

        servers.start_worker()
        _wait(lambda: _ready(office, case_id, "check"), what="the next worker to finish the step")
    finally:
        servers.stop()
    assert len(office.marks("start", case_id)) == 2
    assert len(office.marks("done", case_id)) == 1
    assert len(_ready(office, case_id, "check")) == 1
    assert_consistent(office.db, [case_id])


def test_a_web_process_killed_while_completing_a_task_loses_nothing_and_the_retry_succeeds(office):
    case_id, ready = _start(office, "fault_web")
    guid = ready[0]
    revision = _revision(office, case_id)
    outcome: dict[str, object] = {}
    with stack.running(office.env, 5450, log_dir=office.log_dir, wsgi_app="tests.faults.fault_wsgi:app",
                       worker_command=("python", "-m", "tests.faults.fault_worker")) as servers, \
            httpx.Client(base_url=servers.base, timeout=30) as client:
        stack.log_in(client, office.clerk.login_id, office.clerk.secret)
        page = client.get(f"/tasks/{guid}")
        form = {"csrf_token": stack.csrf(page.text), "checked": "y",
                "_revision": stack.REVISION.search(page.text).group(1)}

        def submit() -> None:
            try:
                outcome["response"] = client.post(f"/tasks/{guid}", data=form)
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=submit)
        thread.start()
        _wait(lambda: office.marks("start", case_id), what="the completion to reach the service task")
        victim = office.marks("start", case_id)[0]
        assert victim in servers.gunicorn_children()
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=30)
        # The request failed visibly (connection closed), it did not pretend to succeed.
        assert "error" in outcome or outcome["response"].status_code >= 500
        assert _revision(office, case_id) == revision
        assert _ready(office, case_id, "receive") == [guid]
        assert _ready(office, case_id, "check") == []
        assert_consistent(office.db, [case_id])

        # gunicorn replaced the worker; the person submits again and it completes once.
        servers.wait_ready()
        again = client.post(f"/tasks/{guid}", data=form)
        assert again.status_code == 302
        assert _ready(office, case_id, "check")
        twice = client.post(f"/tasks/{guid}", data=form)
        assert twice.status_code in (404, 409)
        assert "完了" in twice.text or "見つかりません" in twice.text
    assert len(office.marks("done", case_id)) == 1
    assert_consistent(office.db, [case_id])


def test_two_workers_never_fire_the_same_timer_twice(office):
    os.environ["SESSHU_FAULT_STEP_SECONDS"] = "0.2"
    office.env["SESSHU_FAULT_STEP_SECONDS"] = "0.2"
    try:
        cases = [_start(office, "fault_timer")[0] for _ in range(30)]
        servers = office.stack()
        try:
            servers.start_worker()
            servers.start_worker()
            _wait(lambda: all(_ready(office, c, "check") for c in cases), timeout=90,
                  what="every timer to fire")
        finally:
            servers.stop()
    finally:
        os.environ.pop("SESSHU_FAULT_STEP_SECONDS", None)
        office.env.pop("SESSHU_FAULT_STEP_SECONDS", None)
    for case_id in cases:
        assert len(office.marks("start", case_id)) == 1, f"case {case_id} fired twice"
    assert_consistent(office.db, cases)
