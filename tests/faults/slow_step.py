"""The fault tests' slow service task `fault/slow_step`, registered in the test process and in
the web and worker processes they start (`fault_wsgi`, `fault_worker`).

Each call appends "start <case> <pid>" and, when it returns, "done <case> <pid>" to the file
named by SESSHU_FAULT_MARKER, sleeping SESSHU_FAULT_STEP_SECONDS in between.
"""

from __future__ import annotations

import os
import time

from handlers import registry


def _mark(word: str, case_id: int) -> None:
    with open(os.environ["SESSHU_FAULT_MARKER"], "a") as marker:
        marker.write(f"{word} {case_id} {os.getpid()}\n")


def slow_step(context, case_id: int) -> dict:
    _mark("start", case_id)
    time.sleep(float(os.environ.get("SESSHU_FAULT_STEP_SECONDS", "3")))
    _mark("done", case_id)
    return {"done": True}


def register() -> None:
    registry.register("fault/slow_step", slow_step, ["case_id"], "障害試験用の時間のかかる処理")
