"""Adapter to the 中間サーバ (intermediate server) of the 情報提供ネットワークシステム.

The protocol is documented in docs/formats/intermediary.md. What other parts of
Sesshu call:

- sending: `prepare_query`, `prepare_flag`, `prepare_answer` (inside the caller's
  transaction), then `deliver` (or `send` to do both); `requests_to_resend` lists
  what a worker should deliver again;
- receiving: `receive` from the web callback endpoint;
- retention: `purge_expired_results` from the scheduled job;
- incoming queries: `resident_for_subject` finds the person, `records_to_provide`
  what may be sent;
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
    requests_to_resend,
    send,
    sender_for,
)
from handlers.intermediary.provision import records_to_provide
from handlers.intermediary.retention import PurgedResult, purge_expired_results
from handlers.intermediary.subject import (
    register_subject_tokens,
    resident_for_subject,
    subject_token,
)

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
    "records_to_provide",
    "register_subject_tokens",
    "requests_to_resend",
    "resident_for_subject",
    "send",
    "sender_for",
    "subject_token",
]
