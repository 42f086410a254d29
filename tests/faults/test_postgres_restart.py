"""PostgreSQL restarted under load: requests during the outage fail with a Japanese error
page (never a traceback, never a half-written case), and everything works again after.

Restarts the whole server, so it runs only with SESSHU_FAULT_RESTART_POSTGRES=1 (CI, which has
the machine to itself):
    SESSHU_FAULT_TESTS=1 SESSHU_FAULT_RESTART_POSTGRES=1 .venv/bin/python -m pytest tests/faults/test_postgres_restart.py
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time

import httpx
import pytest

from benchmarks import stack
from tests.faults.checks import assert_consistent
from workflows.service import claim, start_case

pytestmark = pytest.mark.skipif(os.environ.get("SESSHU_FAULT_RESTART_POSTGRES") != "1",
                                reason="PostgreSQL の再起動は SESSHU_FAULT_RESTART_POSTGRES=1 のときだけ試験します")

LOAD_SECONDS = 20


def _restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, timeout=120)


def test_requests_during_a_postgres_restart_fail_cleanly_and_nothing_is_lost(office):
    cases = []
    with office.db.transaction() as session:
        for _ in range(40):
            state = start_case(session, "certificate", "load_review", office.actor)
            claim(session, state.ready_tasks[0], office.actor)
            cases.append(state.case_id)
    outcomes: list[tuple[str, int | str, str]] = []
    lock = threading.Lock()
    with stack.running(office.env, 5450, log_dir=office.log_dir) as servers:
        deadline = time.monotonic() + LOAD_SECONDS

        def session_loop() -> None:
            with httpx.Client(base_url=servers.base, timeout=30) as client:
                stack.log_in(client, office.clerk.login_id, office.clerk.secret)
                while time.monotonic() < deadline:
                    for method, path, data in (("GET", "/inbox/", None),):
                        try:
                            response = client.request(method, path, data=data)
                        except httpx.HTTPError as exc:
                            with lock:
                                outcomes.append((path, type(exc).__name__, ""))
                            continue
                        with lock:
                            outcomes.append((path, response.status_code, response.text))
                        guids = stack.TASK_LINK.findall(response.text)
                        if response.status_code != 200 or not guids:
                            continue
                        page = client.get(f"/tasks/{guids[0]}")
                        if page.status_code != 200:
                            outcomes.append(("open", page.status_code, page.text))
                            continue
                        done = client.post(f"/tasks/{guids[0]}", data={
                            "csrf_token": stack.csrf(page.text), "checked": "y",
                            "_revision": stack.REVISION.search(page.text).group(1)})
                        with lock:
                            outcomes.append(("complete", done.status_code, done.text))
                    time.sleep(0.2)

        thread = threading.Thread(target=session_loop)
        thread.start()
        time.sleep(LOAD_SECONDS / 3)
        _restart_postgres()
        thread.join(timeout=LOAD_SECONDS + 60)
        servers.wait_ready(timeout=60)

    failures = [(what, status, text) for what, status, text in outcomes
                if not isinstance(status, int) or status >= 400]
    for what, status, text in failures:
        assert isinstance(status, int), f"{what}: the connection failed ({status}) instead of an error page"
        assert status in (409, 500, 503), f"{what}: HTTP {status}"
        assert 'lang="ja"' in text and "Traceback" not in text
        assert re.search(r"[ぁ-んァ-ン一-龥]", text)
    assert any(status in (200, 302) for _, status, _ in outcomes)
    assert_consistent(office.db, cases)
