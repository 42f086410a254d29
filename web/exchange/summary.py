"""What the 中間サーバ procedures add to other screens.

- The task screen's case summary (web.tasks.summary): the request a second flag officer
  confirms against the evidence, the records a manual answer would send, the history a
  転入者照会 returned — so staff need not leave the task screen. The task screen itself
  lets only the task's role and supervisors in, and logs the view.
- The resident page's 自動応答不可フラグ line (web.residents.flag), shown only to roles
  that may see flags; each time it is shown, a row of the access log says so.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.intermediary import protocol as p
from handlers.intermediary import records_to_provide
from models.access_log import AccessAction
from models.auto_response_flag import (
    REASON_LABELS,
    AutoResponseFlag,
    AutoResponseFlagEvent,
    FlagEventAction,
    ReasonCategory,
)
from models.case import Case, Procedure
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_request import IntermediaryRequest
from models.query_result import QueryResult
from models.resident import Resident
from web.access_log import log_access
from web.exchange.settings import exchange_settings
from web.residents.flag import register_flag_state
from web.tasks.summary import register_case_details
from web.timefmt import jst

REQUESTS = (FlagEventAction.REQUEST_SET, FlagEventAction.REQUEST_EXTEND, FlagEventAction.REQUEST_REMOVE)
Lines = list[tuple[str, str]]


def _reason(category: str | None) -> str:
    return REASON_LABELS[ReasonCategory(category)] if category in set(ReasonCategory) else "—"


def _period(start, end) -> str:
    return f"{start or '—'} 〜 {end or '—'}"


def _dose(entry: p.VaccinationEntry) -> str:
    return (f"{entry.dose_number}回目 {entry.vaccinated_on} {entry.product}（{entry.manufacturer}）"
            f" Lot.No {entry.lot_no}・実施 {entry.municipality_code}")


def flag_request_details(session: Session, case: Case) -> Lines:
    """The latest request of a flag case: what the confirmer compares with the evidence."""
    request = session.scalars(
        select(AutoResponseFlagEvent)
        .where(AutoResponseFlagEvent.case_id == case.id, AutoResponseFlagEvent.action.in_(REQUESTS))
        .order_by(AutoResponseFlagEvent.id.desc())
    ).first()
    if request is None:
        return []
    by = request.actor.full_name if request.actor else "システム"
    lines = [("依頼の内容", f"{request.action_label}（{by}、{jst(request.at)}）")]
    if request.action != FlagEventAction.REQUEST_REMOVE:
        lines += [("理由区分", _reason(request.reason_category)),
                  ("支援措置の決定番号等", request.support_reference or "—"),
                  ("支援措置の期間", _period(request.valid_from, request.valid_to))]
    if request.note:
        label = "解除の理由" if request.action == FlagEventAction.REQUEST_REMOVE else "依頼者の記録"
        lines.append((label, request.note))
    return lines


def incoming_details(session: Session, case: Case) -> Lines:
    """The query being answered and the records an answer would send."""
    incoming = session.scalars(select(IncomingQuery).where(IncomingQuery.case_id == case.id)).first()
    if incoming is None:
        return []
    lines = [
        ("照会者（市町村コード）", incoming.requester_code),
        ("事務・照会項目", f"第{incoming.jimu_code}項・{incoming.data_item}"),
        ("受信日時", jst(incoming.received_at)),
        ("照会の状態", IncomingQueryStatus(incoming.status).label),
    ]
    if case.resident_id is None:
        return [*lines, ("提供される接種記録", "対象者が見つかりません（提供する記録はありません）")]
    records = records_to_provide(session, case.resident_id, exchange_settings().intermediary.municipality_code)
    return [*lines, ("提供される接種記録", "、".join(map(_dose, records)) or "ありません")]


def transfer_in_details(session: Session, case: Case) -> Lines:
    """The history the former municipality returned, kept until its automatic deletion."""
    results = session.scalars(
        select(QueryResult).join(IntermediaryRequest, QueryResult.request_id == IntermediaryRequest.id)
        .where(IntermediaryRequest.case_id == case.id).order_by(QueryResult.id)
    ).all()
    lines: Lines = []
    for result in results:
        message = p.QueryResult.model_validate_json(result.raw)
        doses = "、".join(map(_dose, message.records)) or "接種記録はありません"
        lines.append((f"照会結果（{result.provider_code}、{jst(result.received_at)}受信）", doses))
        lines.append(("照会結果の自動削除", jst(result.delete_after)))
    return lines


def resident_flag_state(session: Session, resident: Resident) -> str | None:
    """The flag in words for the resident page; the caller shows it only to flag roles."""
    flag = session.scalars(select(AutoResponseFlag).where(AutoResponseFlag.resident_id == resident.id)).one_or_none()
    if flag is None:
        state = "設定されていません"
    elif flag.blocking:
        sent = "中間サーバに登録済み" if flag.server_state == "set" else "中間サーバへの登録待ち"
        state = f"設定中（{_period(flag.valid_from, flag.valid_to)}、{sent}）"
    else:
        state = "解除済み" if flag.server_state == "removed" else "設定されていません"
    log_access(AccessAction.VIEW, atena_no=resident.atena_no, reason="自動応答不可フラグの設定・解除",
               detail="住民の詳細画面で自動応答不可フラグの状態を参照")
    return state


_details_installed = False


def register() -> None:
    """Install the hooks; case details only once per process (that registry appends)."""
    global _details_installed
    register_flag_state(resident_flag_state)
    if not _details_installed:
        register_case_details(Procedure.AUTO_RESPONSE_BLOCK, flag_request_details)
        register_case_details(Procedure.INCOMING_QUERY, incoming_details)
        register_case_details(Procedure.TRANSFER_IN, transfer_in_details)
        _details_installed = True
