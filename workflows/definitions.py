"""Published process definitions (工程定義): versions, deployment and shipped files.

Every deployment stores a new immutable version (XML, checksum, publisher, time, note)
together with the parsed spec, serialized once. Running instances keep the version they
started on; new instances use the newest version of their process key.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.process import ProcessDefinition
from workflows.errors import DefinitionInvalid, NotFound, WorkflowError
from workflows.spiff import dump_spec, load_spec
from workflows.validation import MAX_BYTES, Problem, validate_bpmn

SHIPPED_DIRECTORY = Path(__file__).resolve().parent.parent / "bpmn"
SHIPPED_NOTE = "同梱の定義（初版）"


def read_limited(path: Path) -> bytes:
    """The file's bytes, reading at most one byte past the size limit."""
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


def deploy(
    session: Session,
    data: bytes,
    *,
    note: str | None = None,
    published_by_id: int | None = None,
    dmn: Mapping[str, bytes] | None = None,
) -> ProcessDefinition:
    """Validate and store `data` as the next version of its process; DefinitionInvalid if not valid.

    `dmn` maps file names to the DMN decision tables the process calls.
    """
    dmn = dict(dmn or {})
    result = validate_bpmn(data, list(dmn.values()))
    if not result.ok:
        raise DefinitionInvalid(result.problems)
    digest = hashlib.sha256(data)
    for name in sorted(dmn):
        digest.update(name.encode() + b"\0" + dmn[name])
    checksum = digest.hexdigest()
    latest = newest_definition(session, result.process_key, load_shipped_if_absent=False)
    if latest is not None and latest.checksum == checksum:
        raise WorkflowError(f"同じ内容が既に第 {latest.version} 版として公開されています")
    definition = ProcessDefinition(
        process_key=result.process_key,
        version=(latest.version if latest else 0) + 1,
        bpmn_xml=data.decode("utf-8"),
        dmn_xml=json.dumps({k: v.decode("utf-8") for k, v in dmn.items()}, ensure_ascii=False) if dmn else None,
        checksum=checksum,
        spec_json=dump_spec(result.spec, result.subprocess_specs),
        published_by_id=published_by_id,
        note=note,
    )
    session.add(definition)
    session.flush()
    return definition


def newest_definition(
    session: Session, process_key: str, *, load_shipped_if_absent: bool = True
) -> ProcessDefinition | None:
    version = (
        select(func.max(ProcessDefinition.version))
        .where(ProcessDefinition.process_key == process_key)
        .scalar_subquery()
    )
    found = session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.process_key == process_key, ProcessDefinition.version == version
        )
    ).one_or_none()
    if found is None and load_shipped_if_absent:
        load_shipped(session)
        return newest_definition(session, process_key, load_shipped_if_absent=False)
    return found


@dataclass(frozen=True)
class ShippedResult:
    path: Path
    process_key: str | None
    loaded: bool
    problems: tuple[Problem, ...] = ()


def load_shipped(session: Session, directory: Path | None = None) -> list[ShippedResult]:
    """Store each shipped `*.bpmn` as version 1 of its process when that process has no version yet."""
    directory = directory or SHIPPED_DIRECTORY
    results = []
    if not directory.is_dir():
        return results
    tables = {path.name: read_limited(path) for path in sorted(directory.glob("*.dmn"))}
    for path in sorted(directory.glob("*.bpmn")):
        data = read_limited(path)
        validation = validate_bpmn(data, list(tables.values()))
        if not validation.ok:
            results.append(ShippedResult(path, validation.process_key, False, tuple(validation.problems)))
            continue
        key = validation.process_key
        exists = newest_definition(session, key, load_shipped_if_absent=False) is not None
        if not exists:
            deploy(session, data, note=SHIPPED_NOTE, dmn=_called_tables(data, tables))
        results.append(ShippedResult(path, key, not exists))
    return results


def _called_tables(data: bytes, tables: dict[str, bytes]) -> dict[str, bytes]:
    """The shipped DMN files whose decisions the BPMN file names."""
    return {name: table for name, table in tables.items()
            if any(f'id="{d}"'.encode() in table for d in _decision_ids(data))}


def _decision_ids(data: bytes) -> set[str]:
    return set(re.findall(r"calledDecisionId>\s*([^<\s]+)\s*<", data.decode("utf-8", "replace")))


class _SpecCache:
    """Parsed specs by (definition id, checksum); definitions never change once stored."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[tuple[int, str], tuple[Any, dict]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, session: Session, definition_id: int, checksum: str) -> tuple[Any, dict]:
        key = (definition_id, checksum)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None or not definition.spec_json:
            raise NotFound(f"工程定義（{definition_id}）の解析結果がありません")
        loaded = load_spec(definition.spec_json)
        with self._lock:
            self._items[key] = loaded
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return loaded

    def of(self, session: Session, definition: ProcessDefinition) -> tuple[Any, dict]:
        return self.get(session, definition.id, definition.checksum)


SPECS = _SpecCache()
