"""Messages exchanged with the 中間サーバ (intermediate server), as docs/formats/intermediary.md defines them.

Both sides parse with these models, so a field that one side sends and the other
does not know is refused (extra="forbid") instead of silently dropped.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

PROTOCOL = "sesshu-intermediary/1"

MunicipalityCode = Annotated[str, Field(pattern=r"^\d{6}$")]
MessageId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
# 情報提供用個人識別符号: 64 hex digits; never the 個人番号 itself.
SubjectToken = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
JimuCode = Annotated[str, Field(pattern=r"^\d{1,3}$")]  # 事務: item of 主務省令第2条の表
DataItem = Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]
QueryRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]


class MessageType(enum.StrEnum):
    QUERY = "query"  # 情報照会 (Sesshu → 中間サーバ)
    QUERY_RESULT = "query_result"  # 照会結果 (中間サーバ → Sesshu)
    FLAG = "flag"  # 自動応答不可フラグ 設定/解除 (Sesshu → 中間サーバ)
    INCOMING_QUERY = "incoming_query"  # 他団体からの情報照会 (中間サーバ → Sesshu)
    ANSWER = "answer"  # 情報提供 or 手動応答待ち通知 (Sesshu → 中間サーバ)


class ErrorCode(enum.StrEnum):
    BAD_SIGNATURE = "E_BAD_SIGNATURE"
    UNKNOWN_KEY = "E_UNKNOWN_KEY"
    STALE_TIMESTAMP = "E_STALE_TIMESTAMP"
    REPLAY = "E_REPLAY"
    MALFORMED = "E_MALFORMED"
    IDEMPOTENCY_MISMATCH = "E_IDEMPOTENCY_MISMATCH"
    NOT_PERMITTED = "E_NOT_PERMITTED"
    UNKNOWN_MUNICIPALITY = "E_UNKNOWN_MUNICIPALITY"
    SUBJECT_NOT_FOUND = "E_SUBJECT_NOT_FOUND"
    MANUAL_RESPONSE_PENDING = "E_MANUAL_RESPONSE_PENDING"
    WITHHELD = "E_WITHHELD"
    UNKNOWN_QUERY = "E_UNKNOWN_QUERY"
    AUTO_RESPONSE_BLOCKED = "E_AUTO_RESPONSE_BLOCKED"
    UNAVAILABLE = "E_UNAVAILABLE"

    @property
    def label(self) -> str:
        return ERROR_LABELS[self]


ERROR_LABELS = {
    ErrorCode.BAD_SIGNATURE: "署名が一致しません。",
    ErrorCode.UNKNOWN_KEY: "鍵 ID が登録されていません。",
    ErrorCode.STALE_TIMESTAMP: "時刻が許容範囲（5分）を外れています。",
    ErrorCode.REPLAY: "同じ要求が再送されました（リプレイ）。",
    ErrorCode.MALFORMED: "電文の形式が正しくありません。",
    ErrorCode.IDEMPOTENCY_MISMATCH: "同じ冪等キーで異なる内容が送られました。",
    ErrorCode.NOT_PERMITTED: "照会許可用照合リストにない照会です。",
    ErrorCode.UNKNOWN_MUNICIPALITY: "相手先の団体が登録されていません。",
    ErrorCode.SUBJECT_NOT_FOUND: "対象者がいません。",
    ErrorCode.MANUAL_RESPONSE_PENDING: "手動応答待ちです。",
    ErrorCode.WITHHELD: "提供されませんでした。",
    ErrorCode.UNKNOWN_QUERY: "該当する照会がありません。",
    ErrorCode.AUTO_RESPONSE_BLOCKED: "自動応答不可フラグが設定されているため自動応答できません。",
    ErrorCode.UNAVAILABLE: "中間サーバが応答しません。",
}


class ResultStatus(enum.StrEnum):
    """Outcome of a query as the providing side reports it."""

    ANSWERED = "answered"  # 提供あり (records may be empty: no doses on file)
    NOT_FOUND = "not_found"  # 対象者なし
    MANUAL_PENDING = "manual_pending"  # 手動応答待ち: a final result follows later
    WITHHELD = "withheld"  # 提供しない (after manual review)


class FlagAction(enum.StrEnum):
    SET = "set"  # 設定
    REMOVE = "remove"  # 解除


class AnswerOutcome(enum.StrEnum):
    PROVIDED = "provided"  # 提供
    PROVIDED_IN_PART = "provided_in_part"  # 一部提供
    WITHHELD = "withheld"  # 提供しない
    MANUAL_PENDING = "manual_pending"  # 手動応答待ちの通知 (the decision follows)


class Decision(enum.StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class ReplyStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    ACKNOWLEDGED = "acknowledged"
    RECEIVED = "received"
    REFUSED = "refused"  # a business refusal, e.g. 照会許可用照合リスト外
    ERROR = "error"  # signature, format or availability


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorInfo(_Strict):
    code: ErrorCode
    message: str = Field(max_length=300)


class VaccinationEntry(_Strict):
    """One dose as 予防接種法施行規則 第3条 lists the items kept."""

    dose_number: int = Field(ge=1, le=20)  # 接種回数
    vaccinated_on: date  # 接種日
    product: str = Field(max_length=60)  # ワクチン名
    manufacturer: str = Field(max_length=40)  # メーカー
    lot_no: str = Field(max_length=20)  # Lot.No
    clinic: str | None = Field(default=None, max_length=100)  # 実施医療機関
    doctor: str | None = Field(default=None, max_length=50)  # 接種医
    category: str = Field(max_length=20)  # 接種区分
    municipality_code: MunicipalityCode  # 実施した市町村


class Message(_Strict):
    protocol: Literal["sesshu-intermediary/1"] = PROTOCOL
    message_id: MessageId  # also the Idempotency-Key header
    sent_at: AwareDatetime


class Query(Message):
    message_type: Literal[MessageType.QUERY] = MessageType.QUERY
    requester_code: MunicipalityCode
    provider_code: MunicipalityCode
    jimu_code: JimuCode
    data_item: DataItem
    subject_token: SubjectToken


class QueryResult(Message):
    message_type: Literal[MessageType.QUERY_RESULT] = MessageType.QUERY_RESULT
    query_message_id: MessageId
    query_ref: QueryRef
    provider_code: MunicipalityCode
    status: ResultStatus
    partial: bool = False
    records: list[VaccinationEntry] = Field(default_factory=list, max_length=50)
    reason: ErrorInfo | None = None


class Flag(Message):
    message_type: Literal[MessageType.FLAG] = MessageType.FLAG
    requester_code: MunicipalityCode
    subject_token: SubjectToken
    action: FlagAction
    data_item: DataItem


class IncomingQuery(Message):
    message_type: Literal[MessageType.INCOMING_QUERY] = MessageType.INCOMING_QUERY
    query_ref: QueryRef
    requester_code: MunicipalityCode
    provider_code: MunicipalityCode
    jimu_code: JimuCode
    data_item: DataItem
    subject_token: SubjectToken
    auto_response_blocked: bool


class Answer(Message):
    message_type: Literal[MessageType.ANSWER] = MessageType.ANSWER
    query_ref: QueryRef
    provider_code: MunicipalityCode
    outcome: AnswerOutcome
    decision: Decision
    records: list[VaccinationEntry] = Field(default_factory=list, max_length=50)
    reason: ErrorInfo | None = None


class Reply(_Strict):
    """The synchronous HTTP response body to every message, success or not."""

    status: ReplyStatus
    message_id: str | None = None
    query_ref: str | None = None
    ack_id: str | None = None
    flag_state: Literal["set", "removed"] | None = None
    at: AwareDatetime
    error: ErrorInfo | None = None


ToSesshu = TypeAdapter(
    Annotated[QueryResult | IncomingQuery, Field(discriminator="message_type")]
)
