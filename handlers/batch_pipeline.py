"""Commit batches on a second thread while the caller reads and checks the next batch.

Waiting for the database (index maintenance, COPY, commit) releases the GIL, so
reading a large file overlaps with the database's own work. Batches are still
committed one at a time and in order, so "last committed line" stays exact.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

_STOP = object()


class BatchPipeline:
    def __init__(self, commit: Callable[[Any], None], depth: int = 2) -> None:
        self._commit = commit
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, name="batch-writer", daemon=True)

    def __enter__(self) -> BatchPipeline:
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
        self._queue.put(_STOP)
        self._thread.join()
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
