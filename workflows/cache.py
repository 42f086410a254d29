"""A per-process cache of deserialized workflows, keyed by instance and revision.

Deserializing an instance costs more than running a step, so after a committed change
the workflow object is kept in memory. A later request may use it only if the row still
has the same revision and state token (otherwise another process changed it: reload). Entries are taken
out while in use, so two threads never share a workflow object, and they are put back
only after the transaction that stored their state has committed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

Key = int  # instance id
Version = tuple[int, str | None]  # revision, state token
PENDING = "sesshu_workflow_cache"


class WorkflowCache:
    """Entries are (workflow, snapshot of its index state) by key, valid for one revision."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[Key, tuple[Version, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def take(self, key: Key, version: Version) -> Any | None:
        with self._lock:
            entry = self._items.pop(key, None)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, key: Key, version: Version, workflow: Any) -> None:
        with self._lock:
            self._items[key] = (version, workflow)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def put_after_commit(self, session: Session, key: Key, version: Version, workflow: Any) -> None:
        session.info.setdefault(PENDING, {})[key] = (version, workflow)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = WorkflowCache()


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    for key, (version, workflow) in session.info.pop(PENDING, {}).items():
        CACHE.put(key, version, workflow)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
