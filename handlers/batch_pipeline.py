"""Commit batches on a second thread while the caller reads and checks the next batch.

Waiting for the database (index maintenance, COPY, commit) releases the GIL, so
reading a large file overlaps with the database's own work. Batches are still
committed one at a time and in order, so "last committed line" stays exact.

When the import has the process to itself (a command, not a job in the web server),
two process-wide interpreter settings change while its pipeline runs:
- the GIL switch interval is shortened: each answer from the database wakes the
  writer, which then waits for the reader to hand over the GIL, and at Python's
  default 5 ms those waits add up to seconds over a large file;
- the cyclic garbage collector is paused: the rows of the batches in flight
  outlive its young generations, and collecting them again and again cost about
  a quarter of the import's CPU time. The rows hold no reference cycles, so
  reference counting frees them all the same.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

_STOP = object()
SWITCH_INTERVAL = 0.001  # seconds


class _BulkSettings:
    """The interpreter settings for bulk work, while at least one pipeline runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._interval = sys.getswitchinterval()
        self._collecting = gc.isenabled()

    def acquire(self) -> None:
        with self._lock:
            if self._running == 0:
                self._interval, self._collecting = sys.getswitchinterval(), gc.isenabled()
                sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
                gc.disable()
            self._running += 1

    def release(self) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0:
                sys.setswitchinterval(self._interval)
                if self._collecting:
                    gc.enable()


_bulk_settings = _BulkSettings()


class BatchPipeline:
    def __init__(self, commit: Callable[[Any], None], depth: int = 2, *, tune_interpreter: bool = False) -> None:
        self._commit = commit
        self._tune = tune_interpreter
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, name="batch-writer", daemon=True)

    def __enter__(self) -> BatchPipeline:
        if self._tune:
            _bulk_settings.acquire()
        self._thread.start()
        return self

    def submit(self, batch: Any) -> None:
        """Queue a batch; re-raises, in the caller's thread, an earlier batch's failure."""
        self._raise_failure()
        self._queue.put(batch)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:  # the reader failed: finish the batch in flight, drop the rest
            self._abandon.set()
        try:
            self._queue.put(_STOP)
            self._thread.join()
        finally:
            if self._tune:
                _bulk_settings.release()
        if exc_type is None:
            self._raise_failure()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not _STOP:
            if self._error is not None or self._abandon.is_set():
                continue  # keep draining so that submit() never blocks forever
            try:
                self._commit(batch)
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error
