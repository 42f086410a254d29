"""Drafts (下書き) of a process edited in the browser.

A draft may be saved at any time, valid or not, but the XML is treated as hostile: it must
be within the size limit, well-formed, free of DOCTYPE/entities and a BPMN file of the same
process key. Nothing in a draft is ever executed; validation and publishing come later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.process import ProcessDefinition
from models.process_change import ProcessDraft
from workflows.definitions import newest_definition
from workflows.errors import DefinitionInvalid, NotFound
from workflows.layout import add_diagram, has_diagram
from workflows.service import LOCAL_TIME
from workflows.validation import NS, Problem, parse_safely


def process_ids(root) -> list[str]:
    return [p.get("id") for p in root.iterfind("bpmn:process", NS) if p.get("id")]


def check_draft(data: bytes, process_key: str | None = None) -> None:
    """DefinitionInvalid (Japanese problems) unless `data` is a safe BPMN file of `process_key`."""
    root, problems = parse_safely(data)
    if root is None:
        raise DefinitionInvalid(problems)
    ids = process_ids(root)
    if process_key is not None and process_key not in ids:
        raise DefinitionInvalid([Problem("", (
            f"このファイルのプロセス ID（{'、'.join(ids) or 'なし'}）が業務フロー「{process_key}」と異なります。"
            "別の業務フローとして登録するか、プロセス ID を合わせてください")
        )])


def save_draft(
    session: Session, process_key: str, data: bytes, author_id: int, now: datetime, *,
    base_version: int | None = None, note: str | None = None,
) -> ProcessDraft:
    check_draft(data, process_key)
    draft = ProcessDraft(process_key=process_key, bpmn_xml=data.decode("utf-8"), base_version=base_version,
                         author_id=author_id, saved_at=now, note=note)
    session.add(draft)
    session.flush()
    return draft


def latest_draft(session: Session, process_key: str) -> ProcessDraft | None:
    return session.scalars(
        select(ProcessDraft).where(ProcessDraft.process_key == process_key)
        .order_by(ProcessDraft.saved_at.desc(), ProcessDraft.id.desc()).limit(1)
    ).first()


def open_draft(session: Session, process_key: str) -> ProcessDraft | None:
    """The shared draft the editor opens: the newest one saved after the newest version."""
    draft = latest_draft(session, process_key)
    newest = newest_definition(session, process_key, load_shipped_if_absent=False)
    if draft is None or (newest is not None and draft.saved_at <= newest.published_at):
        return None
    return draft


@dataclass(frozen=True)
class EditorDocument:
    xml: str
    source: str  # what the editor shows it opened, in Japanese
    base_version: int | None
    draft_id: int | None = None
    laid_out: bool = False  # a diagram was generated because the file had none


def editor_document(session: Session, process_key: str) -> EditorDocument:
    """What the editor opens: the open draft, else the newest version."""
    draft = open_draft(session, process_key)
    if draft is not None:
        saved = draft.saved_at.astimezone(LOCAL_TIME)
        source = f"下書き（{draft.author.full_name}、{saved:%Y-%m-%d %H:%M} 保存）"
        return _with_diagram(draft.bpmn_xml, source, draft.base_version, draft.id)
    newest = newest_definition(session, process_key)
    if newest is None:
        raise NotFound(f"業務フロー「{process_key}」はまだありません")
    return _with_diagram(newest.bpmn_xml, f"第 {newest.version} 版", newest.version)


def version_document(session: Session, process_key: str, version: int) -> EditorDocument:
    definition = definition_of(session, process_key, version)
    return _with_diagram(definition.bpmn_xml, f"第 {version} 版", version)


def definition_of(session: Session, process_key: str, version: int) -> ProcessDefinition:
    found = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.process_key == process_key, ProcessDefinition.version == version)).one_or_none()
    if found is None:
        raise NotFound(f"業務フロー「{process_key}」の第 {version} 版はありません")
    return found


def with_diagram(xml: str) -> tuple[str, bool]:
    """`xml` with a generated diagram when it has none (see workflows.layout)."""
    root, _problems = parse_safely(xml.encode("utf-8"))
    if root is None or has_diagram(root):
        return xml, False
    add_diagram(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8"), True


def _with_diagram(xml: str, source: str, base_version: int | None, draft_id: int | None = None) -> EditorDocument:
    shown, laid_out = with_diagram(xml)
    return EditorDocument(shown, source, base_version, draft_id, laid_out)


def restore_version(session: Session, process_key: str, version: int, author_id: int,
                    now: datetime) -> ProcessDraft:
    """An older version becomes the new draft (復元); the version itself stays as it was."""
    definition = definition_of(session, process_key, version)
    return save_draft(session, process_key, definition.bpmn_xml.encode("utf-8"), author_id, now,
                      base_version=version, note=f"第 {version} 版から復元")
