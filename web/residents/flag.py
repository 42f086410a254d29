"""The 自動応答不可フラグ on the resident page: a hook for the module that owns the flag.

The flag's model and screen belong to the 中間サーバ exchange; the resident page only shows
the state it is told and links to the flag screen (`exchange.flag`). The owner registers:

    from web.residents.flag import register_flag_state
    register_flag_state(lambda session, resident: "設定中（2026-04-01から）" or None)
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from models.resident import Resident

FlagState = Callable[[Session, Resident], str | None]
_provider: FlagState | None = None


def register_flag_state(provider: FlagState | None) -> None:
    """Tell the resident page how to describe a person's flag (None removes the provider)."""
    global _provider
    _provider = provider


def flag_state(session: Session, resident: Resident) -> str | None:
    """The flag's state in words, or None when no provider is installed."""
    return _provider(session, resident) if _provider is not None else None
