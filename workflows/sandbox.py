"""Run BPMN expressions and scripts in a pool of long-lived, resource-limited processes.

Every piece of Python in a BPMN file (script tasks, pre/post scripts, gateway conditions,
timer expressions, DMN cells, service parameters, correlation expressions) is sent here
instead of SpiffWorkflow's unrestricted `eval`/`exec`. Each worker is a separate Python
process (`sandbox_worker.py`) started with an empty environment, so it holds no database
connection, secret or Sesshu module; it compiles with RestrictedPython and runs under
memory and CPU limits. A call that exceeds the wall-time limit kills its worker, which is
replaced on the next call.
"""

from __future__ import annotations

import ast
import atexit
import functools
import json
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

WORKER_SCRIPT = Path(__file__).with_name("sandbox_worker.py")
HEADER = struct.Struct("!I")
MAX_REPLY = 1024 * 1024  # task data is ids and small decisions; a bigger result is refused


class ScriptError(Exception):
    """A BPMN expression or script failed or was stopped; the message is Japanese."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 256
    cpu_seconds: int = 2
    wall_seconds: float = 3.0
    workers: int = 2


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise ScriptError(f"スクリプトに渡せない値があります（{type(value).__name__}）")


def _decode(obj: dict) -> Any:
    if len(obj) == 1:
        ((key, raw),) = obj.items()
        if key == "$datetime":
            return datetime.fromisoformat(raw)
        if key == "$date":
            return date.fromisoformat(raw)
        if key == "$decimal":
            return Decimal(raw)
    return obj


def _needed(code: str, context: dict) -> dict:
    """The part of `context` the code can read: the names it mentions, without callables or
    modules the engine may have left in task data. Code in the sandbox has no `globals()`,
    `vars()` or frame access, so a name it does not spell out cannot be reached; sending
    only those keeps each round trip small however much data the case has gathered."""
    names = _names_in(code)
    return {
        k: v for k, v in context.items()
        if (names is None or k in names) and not callable(v) and type(v).__name__ != "module"
    }


@functools.lru_cache(maxsize=4096)
def _names_in(code: str) -> frozenset[str] | None:
    try:
        tree = ast.parse(code.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the worker reports the error; send everything meanwhile
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


class _Worker:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process = subprocess.Popen(  # noqa: S603 - our own worker script, fixed arguments
            [sys.executable, "-I", str(WORKER_SCRIPT), str(limits.memory_mb), str(limits.cpu_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"LANG": "C.UTF-8"},
            cwd="/",
        )

    def call(self, request: dict) -> Any:
        data = json.dumps(request, default=_encode, ensure_ascii=False).encode()
        try:
            self.process.stdin.write(HEADER.pack(len(data)) + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerLost("サンドボックスが応答しません") from exc
        deadline = time.monotonic() + self.limits.wall_seconds
        size = HEADER.unpack(self._read(HEADER.size, deadline))[0]
        if size > MAX_REPLY:
            raise _WorkerLost(f"スクリプトの結果が大きすぎます（{size // 1024} KB、上限 {MAX_REPLY // 1024} KB）")
        raw = self._read(size, deadline)
        reply = json.loads(raw, object_hook=_decode if b'"$' in raw else None)
        if not reply["ok"]:
            raise ScriptError(reply["error"])
        return reply["value"]

    def _read(self, size: int, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        buffer = b""
        while len(buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _WorkerLost(
                    f"実行時間の上限（{self.limits.wall_seconds:g} 秒）を超えたため停止しました"
                )
            chunk = os.read(fd, size - len(buffer))
            if not chunk:
                raise _WorkerLost("CPU 時間またはメモリの上限を超えたため停止しました")
            buffer += chunk
        return buffer

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()


class _WorkerLost(ScriptError):
    """The worker timed out or died; it is discarded and replaced."""


class SandboxPool:
    """A fixed number of workers shared by the threads of one process."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        for _ in range(self.limits.workers):
            self._idle.put(None)  # started lazily
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()

    def evaluate(self, expression: str, context: dict, external: dict | None = None) -> Any:
        return self._call({"op": "eval", "code": expression, "ctx": _needed(expression, context),
                           "ext": _needed(expression, external or {})})

    def execute(self, script: str, context: dict, external: dict | None = None) -> dict:
        """Run a script; returns {"set": {name: new value}, "del": [removed names]}."""
        return self._call({"op": "exec", "code": script, "ctx": _needed(script, context),
                           "ext": _needed(script, external or {})})

    def _call(self, request: dict) -> Any:
        worker = self._idle.get()
        if worker is None:
            worker = _Worker(self.limits)
            with self._lock:
                self._all.add(worker)
        try:
            result = worker.call(request)
        except ScriptError as exc:
            if isinstance(exc, _WorkerLost):
                self._discard(worker)
                worker = None
            raise
        except BaseException:  # interrupted mid-call: its reply may still be in the pipe
            self._discard(worker)
            worker = None
            raise
        finally:
            self._idle.put(worker)
        return result

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


_pool: SandboxPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def pool() -> SandboxPool:
    """The process-wide pool, started on first use and stopped at exit.

    A forked child (e.g. a gunicorn worker after preload) starts its own pool: pipes to
    the parent's workers must not be shared.
    """
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = SandboxPool(_limits_from_environment())
            _pool_pid = os.getpid()
            atexit.register(_pool.close)
        return _pool


def _limits_from_environment() -> Limits:
    return Limits(
        memory_mb=int(os.environ.get("SESSHU_SANDBOX_MEMORY_MB", "256")),
        cpu_seconds=int(os.environ.get("SESSHU_SANDBOX_CPU_SECONDS", "2")),
        wall_seconds=float(os.environ.get("SESSHU_SANDBOX_WALL_SECONDS", "3")),
        workers=int(os.environ.get("SESSHU_SANDBOX_WORKERS", "2")),
    )
