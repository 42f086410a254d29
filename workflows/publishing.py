"""Publishing a draft as a new version, with a second process owner's approval (二者確認).

The person who asks to publish cannot approve their own request; the check is here, not
only on the screen. With approval switched off (`require_approval=False`) the request is
published at once, still recorded with its requester.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.process import ProcessDefinition
from models.process_change import ProcessDraft, ProcessPublication, PublicationStatus
from models.staff import Role
from workflows.definitions import deploy
from workflows.errors import Conflict, DefinitionInvalid, FormInvalid, NotAllowed, NotFound
from workflows.service import Actor
from workflows.validation import Problem, validate_bpmn


def _require_owner(actor: Actor) -> None:
    if Role.PROCESS_OWNER not in actor.roles:
        raise NotAllowed("業務フローを公開・承認できるのは業務管理者だけです")


def pending_publication(session: Session, process_key: str) -> ProcessPublication | None:
    return session.scalars(select(ProcessPublication).where(
        ProcessPublication.process_key == process_key,
        ProcessPublication.status == PublicationStatus.PENDING)).first()


def check_publishable(xml: str, process_key: str) -> None:
    result = validate_bpmn(xml.encode("utf-8"))
    if not result.ok:
        raise DefinitionInvalid(result.problems)
    if result.process_key != process_key:
        raise DefinitionInvalid([Problem("", f"実行するプロセスの ID「{result.process_key}」が"
                                             f"業務フロー「{process_key}」と異なります")])


def request_publication(
    session: Session, draft_id: int, actor: Actor, note: str, now: datetime, *, require_approval: bool = True,
) -> ProcessPublication:
    """Ask to publish a valid draft; with approval off it is published immediately."""
    _require_owner(actor)
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound("下書きが見つかりません")
    if not note.strip():
        raise FormInvalid({"変更内容の説明": "入力してください"})
    if pending_publication(session, draft.process_key) is not None:
        raise Conflict("この業務フローには承認待ちの公開申請があります。承認・差戻し・取下げの後に申請してください")
    check_publishable(draft.bpmn_xml, draft.process_key)
    publication = ProcessPublication(
        process_key=draft.process_key, draft_id=draft.id, bpmn_xml=draft.bpmn_xml, note=note.strip(),
        status=PublicationStatus.PENDING, requested_by_id=actor.staff_id, requested_at=now,
    )
    session.add(publication)
    session.flush()
    if not require_approval:
        _publish(session, publication, actor, now, "承認不要の設定により即時公開")
    return publication


def approve(session: Session, publication_id: int, actor: Actor, now: datetime, note: str | None = None,
            ) -> ProcessDefinition:
    """A second process owner approves: the draft becomes the next version."""
    _require_owner(actor)
    publication = _pending(session, publication_id)
    if publication.requested_by_id == actor.staff_id:
        raise NotAllowed("公開を申請した本人は承認できません。別の業務管理者が承認してください（二者確認）")
    return _publish(session, publication, actor, now, note)


def _publish(session: Session, publication: ProcessPublication, actor: Actor, now: datetime,
             note: str | None) -> ProcessDefinition:
    check_publishable(publication.bpmn_xml, publication.process_key)
    definition = deploy(session, publication.bpmn_xml.encode("utf-8"), note=publication.note,
                        published_by_id=publication.requested_by_id)
    definition.published_at = now
    publication.status = PublicationStatus.APPROVED
    publication.decided_by_id = actor.staff_id
    publication.decided_at = now
    publication.decision_note = note
    publication.definition_id = definition.id
    session.flush()
    return definition


def reject(session: Session, publication_id: int, actor: Actor, now: datetime, note: str) -> None:
    """差戻し by another owner, or 取下げ by the requester."""
    _require_owner(actor)
    publication = _pending(session, publication_id)
    own = publication.requested_by_id == actor.staff_id
    if not own and not note.strip():
        raise FormInvalid({"差戻しの理由": "入力してください"})
    publication.status = PublicationStatus.WITHDRAWN if own else PublicationStatus.REJECTED
    publication.decided_by_id = actor.staff_id
    publication.decided_at = now
    publication.decision_note = note.strip() or None


def _pending(session: Session, publication_id: int) -> ProcessPublication:
    publication = session.get(ProcessPublication, publication_id)
    if publication is None:
        raise NotFound("公開申請が見つかりません")
    if publication.status != PublicationStatus.PENDING:
        raise Conflict(f"この公開申請は既に処理されています（{PublicationStatus(publication.status).label}）")
    return publication


@dataclass(frozen=True)
class VersionEntry:
    definition: ProcessDefinition
    publication: ProcessPublication | None


def version_history(session: Session, process_key: str) -> list[VersionEntry]:
    """Every version, newest first, with the request and approval that published it."""
    definitions = session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
                                  .order_by(ProcessDefinition.version.desc())).all()
    publications = {p.definition_id: p for p in session.scalars(select(ProcessPublication).where(
        ProcessPublication.process_key == process_key, ProcessPublication.definition_id.is_not(None)))}
    return [VersionEntry(d, publications.get(d.id)) for d in definitions]
