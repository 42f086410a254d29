"""Settings the exchange handlers need, given once by the application at start-up.

Service tasks run inside the engine with only a session and the case; the 中間サーバ
connection (keys, this city's code) and the waiting periods come from here.

SESSHU_QUERY_REPLY_WAIT_DAYS   days a 転入者 query waits for its 照会結果 before staff
                               are asked to retry or close it (default 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handlers.intermediary import IntermediaryConfig, IntermediaryConfigError

DEFAULT_REPLY_WAIT_DAYS = 3
FLAG_REMINDER_DAYS = 30  # 延長の申出は期間終了の1か月前から (支援措置)


@dataclass(frozen=True)
class ExchangeSettings:
    intermediary: IntermediaryConfig
    reply_wait_days: int = DEFAULT_REPLY_WAIT_DAYS
    issuer_name: str = "石川県金沢市"  # printed on the 個別通知

    @property
    def reply_wait(self) -> str:
        """The ISO-8601 duration the BPMN timer waits for a reply."""
        return f"P{self.reply_wait_days}D"


_current: ExchangeSettings | None = None


def configure(settings: ExchangeSettings) -> None:
    global _current
    _current = settings


def current() -> ExchangeSettings:
    if _current is None:
        raise IntermediaryConfigError("中間サーバ連携の設定が読み込まれていません。")
    return _current


def reply_wait_days(environ: Mapping[str, str]) -> int:
    raw = environ.get("SESSHU_QUERY_REPLY_WAIT_DAYS") or str(DEFAULT_REPLY_WAIT_DAYS)
    if not raw.isdigit() or not 1 <= int(raw) <= 60:
        raise IntermediaryConfigError(
            f"SESSHU_QUERY_REPLY_WAIT_DAYS は 1 から 60 までの整数です（指定値: {raw}）。"
        )
    return int(raw)
