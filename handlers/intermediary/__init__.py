"""Adapter to the 中間サーバ (intermediate server) of the 情報提供ネットワークシステム.

The protocol is documented in docs/formats/intermediary.md. What other parts of
Sesshu call:

- sending: `prepare_query`, `prepare_flag`, `prepare_answer` (inside the caller's
  transaction), then `deliver` (or `send` to do both);
- receiving: `receive` from the web callback endpoint;
- retention: `purge_expired_results` from the scheduled job;
- `load_intermediary_config` for the settings, `subject_token` for the 符号.
"""

from handlers.intermediary.config import (
    IntermediaryConfig,
    IntermediaryConfigError,
    load_intermediary_config,
)
from handlers.intermediary.inbox import Receipt, receive
from handlers.intermediary.outbox import (
    AutoResponseBlocked,
    deliver,
    prepare_answer,
    prepare_flag,
    prepare_query,
    send,
    sender_for,
)
from handlers.intermediary.retention import PurgedResult, purge_expired_results
from handlers.intermediary.subject import subject_token

__all__ = [
    "AutoResponseBlocked",
    "IntermediaryConfig",
    "IntermediaryConfigError",
    "PurgedResult",
    "Receipt",
    "deliver",
    "load_intermediary_config",
    "prepare_answer",
    "prepare_flag",
    "prepare_query",
    "purge_expired_results",
    "receive",
    "send",
    "sender_for",
    "subject_token",
]
