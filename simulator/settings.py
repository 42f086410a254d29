"""What the simulator is started with."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.intermediary.transport import RetryPolicy
from simulator.permissions import DEFAULT_PERMISSIONS, Permission


@dataclass(frozen=True)
class SimulatorSettings:
    municipality_code: str  # the city this 中間サーバ serves: Sesshu's
    callback_url: str  # Sesshu's endpoint for results and incoming queries
    key_id: str
    secret: bytes
    token_key: bytes
    seed: int = 1
    population: int = 10_000
    answer_delay: float = 2.0  # seconds between accepting a query and delivering its result
    callback_retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_attempts=4, timeout=5.0, base_delay=0.5)
    )
    permissions: tuple[Permission, ...] = DEFAULT_PERMISSIONS
    faults: Faults = field(default_factory=lambda: Faults())  # at start and after reset


@dataclass
class Faults:
    """Misbehaviour on demand, for tests and demonstrations."""

    fail_next: int = 0  # answer the next N signed requests with 503, unprocessed
    timeout_next: int = 0  # process the next N, then hold the reply past the client's timeout
    timeout_seconds: float = 15.0
    answer_twice: bool = False  # deliver every result twice (same message)
    manual_next: int = 0  # the next N results: 手動応答待ち first, the answer after a delay
