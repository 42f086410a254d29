"""Signed HTTP delivery with timeouts and retries, used by Sesshu and by the simulator.

A retry sends the very same body (so the same message_id, the idempotency key)
with a new nonce, timestamp and signature: the receiver processes it once and
answers a repeat with the reply it gave the first time.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from pydantic import ValidationError

from handlers.intermediary.protocol import Reply
from handlers.intermediary.signing import signed_headers

# Worth another try: the peer may not have seen the request, or will answer the
# retry with the reply it stored. Any other status is the peer's final word.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_jitter = secrets.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    timeout: float = 10.0  # seconds per attempt
    base_delay: float = 0.5  # seconds before the 2nd attempt; doubles each time
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Backoff after `attempt` failed: exponential, capped, with jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * _jitter.uniform(0.5, 1.0)


@dataclass(frozen=True)
class Delivery:
    """What came of sending one message, after every attempt."""

    attempts: int
    status_code: int | None = None
    reply: Reply | None = None
    error: str | None = None  # why the last attempt failed, when no reply came

    @property
    def delivered(self) -> bool:
        return self.reply is not None


class SignedSender:
    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: bytes,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._base_url = base_url.rstrip("/")
        self._key_id, self._secret = key_id, secret
        self._sleep, self._clock = sleep, clock
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout, connect=min(3.0, self.policy.timeout)),
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # never through a proxy picked up from the environment
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SignedSender:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def post(
        self,
        path: str,  # appended to the base URL as is; "" posts to the base URL itself
        body: bytes,
        idempotency_key: str,
        on_attempt: Callable[[int], None] | None = None,
    ) -> Delivery:
        error = "not sent"
        for attempt in range(1, self.policy.max_attempts + 1):
            if on_attempt is not None:
                on_attempt(attempt)
            headers = signed_headers(self._key_id, self._secret, body, idempotency_key, self._clock())
            try:
                response = self._client.post(self._base_url + path, content=body, headers=headers)
            except httpx.TimeoutException:
                error = f"timeout after {self.policy.timeout:g}s"
            except httpx.TransportError as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return _delivery(attempt, response)
                error = f"HTTP {response.status_code}"
            if attempt < self.policy.max_attempts:
                self._sleep(self.policy.delay(attempt))
        return Delivery(attempts=self.policy.max_attempts, error=error)


def _delivery(attempt: int, response: httpx.Response) -> Delivery:
    try:
        reply = Reply.model_validate_json(response.content)
    except ValidationError:
        return Delivery(
            attempts=attempt,
            status_code=response.status_code,
            error=f"HTTP {response.status_code} with a body that is not a reply",
        )
    return Delivery(attempts=attempt, status_code=response.status_code, reply=reply)
