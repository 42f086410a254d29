"""HMAC-SHA256 signatures on every message, checked the same way by both sides.

The signed string is `timestamp \\n nonce \\n body`: the body binds the message
(and its message_id, which is the idempotency key), the timestamp bounds when it
may be accepted, and the nonce lets a receiver refuse the very same request twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from handlers.intermediary.protocol import ErrorCode

HEADER_KEY_ID = "X-Intermediary-Key-Id"
HEADER_TIMESTAMP = "X-Intermediary-Timestamp"
HEADER_NONCE = "X-Intermediary-Nonce"
HEADER_SIGNATURE = "X-Intermediary-Signature"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"

REPLAY_WINDOW = timedelta(minutes=5)
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_TIMESTAMP = re.compile(r"^\d{1,12}$")
_SIGNATURE = re.compile(r"^sha256=[0-9a-f]{64}$")


class SignatureError(Exception):
    """A request that must not be processed; `code` goes back to the sender."""

    def __init__(self, code: ErrorCode) -> None:
        super().__init__(code.label)
        self.code = code


class ReplayGuard(Protocol):
    def first_use(self, key_id: str, nonce: str, now: datetime) -> bool:
        """Remember the nonce; False if it was already seen inside the window."""


def signature(secret: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    signed = f"{timestamp}\n{nonce}\n".encode("ascii") + body
    return "sha256=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()


def signed_headers(
    key_id: str, secret: bytes, body: bytes, idempotency_key: str, now: datetime
) -> dict[str, str]:
    """Headers for one transmission: a fresh nonce and timestamp every time."""
    timestamp = str(int(now.timestamp()))
    nonce = secrets.token_hex(16)
    return {
        "Content-Type": "application/json; charset=utf-8",
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, timestamp, nonce, body),
        HEADER_IDEMPOTENCY_KEY: idempotency_key,
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    keyring: Mapping[str, bytes],
    now: datetime,
    guard: ReplayGuard,
) -> str:
    """Check a received request; return its key id or raise SignatureError.

    The nonce is recorded only after the signature holds, so nobody without the
    key can use up nonces.
    """
    lower = {name.lower(): value for name, value in headers.items()}
    key_id = lower.get(HEADER_KEY_ID.lower(), "")
    timestamp = lower.get(HEADER_TIMESTAMP.lower(), "")
    nonce = lower.get(HEADER_NONCE.lower(), "")
    given = lower.get(HEADER_SIGNATURE.lower(), "")
    if not (_TIMESTAMP.match(timestamp) and _NONCE.match(nonce) and _SIGNATURE.match(given)):
        raise SignatureError(ErrorCode.BAD_SIGNATURE)
    secret = keyring.get(key_id)
    if secret is None:
        raise SignatureError(ErrorCode.UNKNOWN_KEY)
    if not hmac.compare_digest(signature(secret, timestamp, nonce, body), given):
        raise SignatureError(ErrorCode.BAD_SIGNATURE)
    sent = datetime.fromtimestamp(int(timestamp), UTC)
    if abs(now - sent) > REPLAY_WINDOW:
        raise SignatureError(ErrorCode.STALE_TIMESTAMP)
    if not guard.first_use(key_id, nonce, now):
        raise SignatureError(ErrorCode.REPLAY)
    return key_id


class MemoryReplayGuard:
    """Nonces seen in the last window, in memory: for a single-process receiver."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    def first_use(self, key_id: str, nonce: str, now: datetime) -> bool:
        with self._lock:
            horizon = now - 2 * REPLAY_WINDOW
            self._seen = {k: at for k, at in self._seen.items() if at >= horizon}
            if (key_id, nonce) in self._seen:
                return False
            self._seen[(key_id, nonce)] = now
            return True
