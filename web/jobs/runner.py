"""Running a job beside the request that started it.

The request creates the job row and returns at once (to the progress page); the work runs
in a background thread of the same process and reports through models.job.JobProgress.
A process that stops mid-job leaves it silent, and the page then shows it as interrupted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from models.job import JobProgress

log = logging.getLogger(__name__)


def run_in_background(progress: JobProgress, work: Callable[[JobProgress], None]) -> threading.Thread:
    def target() -> None:
        try:
            work(progress)
        except Exception:
            log.exception("job %s failed", progress.job_id)
            progress.fail("予期しないエラーで中断しました。システム管理者に連絡してください。")

    thread = threading.Thread(target=target, name=f"job-{progress.job_id}", daemon=True)
    thread.start()
    return thread
