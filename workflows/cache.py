"""A per-process cache of deserialized workflows, keyed by instance and revision.

Deserializing an instance costs more than running a step, so after a committed change
the workflow object is kept in memory. A later request may use it only if the row still
has the same revision (otherwise another process changed it: reload). Entries are taken
out while in use, so two threads never share a workflow object, and they are put back
only after the transaction that stored their state has committed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

Key = tuple[int, datetime | None]  # instance id, created_at (ids are reused after a restore)
PENDING = "sesshu_workflow_cache"


class WorkflowCache:
    """Entries are (workflow, snapshot of its index state) by key, valid for one revision."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[Key, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def take(self, key: Key, revision: int) -> Any | None:
        with self._lock:
            entry = self._items.pop(key, None)
        if entry is None or entry[0] != revision:
            return None
        return entry[1]

    def put(self, key: Key, revision: int, workflow: Any) -> None:
        with self._lock:
            self._items[key] = (revision, workflow)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def put_after_commit(self, session: Session, key: Key, revision: int, workflow: Any) -> None:
        session.info.setdefault(PENDING, {})[key] = (revision, workflow)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = WorkflowCache()


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    for key, (revision, workflow) in session.info.pop(PENDING, {}).items():
        CACHE.put(key, revision, workflow)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
