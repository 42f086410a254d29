"""A long-lived sandbox process that runs BPMN expressions and scripts.

Started by `workflows.sandbox` as `python -I sandbox_worker.py` with an empty environment;
it imports nothing of Sesshu. Requests and replies are length-prefixed JSON on
stdin/stdout. Code is compiled with RestrictedPython's `compile_restricted`; the process
runs under RLIMIT_AS (memory), a per-call RLIMIT_CPU and RLIMIT_FSIZE=0, and the parent
kills it when a call exceeds its wall-time limit.
"""

from __future__ import annotations

import json
import math
import operator
import os
import resource
import struct
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from RestrictedPython import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

HEADER = struct.Struct("!I")

# --- data crossing the process boundary ------------------------------------------


def encode(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"保存できない値です（{type(value).__name__}）")


def decode(obj):
    if len(obj) == 1:
        ((key, raw),) = obj.items()
        if key == "$datetime":
            return datetime.fromisoformat(raw)
        if key == "$date":
            return date.fromisoformat(raw)
        if key == "$decimal":
            return Decimal(raw)
    return obj


# --- the restricted environment ---------------------------------------------------


def _inplacevar(op, x, y):
    return INPLACE[op](x, y)


INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
}


def days_between(start, end):
    """Whole days from `start` to `end` (dates or datetimes)."""
    return (end - start).days


def add_days(day, days):
    return day + timedelta(days=days)


def parse_date(text):
    return date.fromisoformat(text)


# The documented helper functions available to every BPMN expression (see README).
HELPERS = {
    "len": len, "min": min, "max": max, "sum": sum, "abs": abs, "round": round,
    "sorted": sorted, "any": any, "all": all, "range": range, "enumerate": enumerate,
    "zip": zip, "reversed": reversed, "int": int, "float": float, "str": str, "bool": bool,
    "list": list, "dict": dict, "tuple": tuple, "set": set, "isinstance": isinstance,
    "divmod": divmod, "pow": pow, "chr": chr, "ord": ord,
    "True": True, "False": False, "None": None,
    "ValueError": ValueError, "KeyError": KeyError, "TypeError": TypeError,
    "Exception": Exception,
    "date": date, "datetime": datetime, "timedelta": timedelta, "timezone": timezone,
    "Decimal": Decimal, "math": math,
    "days_between": days_between, "add_days": add_days, "parse_date": parse_date,
}

GUARDS = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}

_compiled: dict[tuple[str, str], object] = {}


def compiled(code: str, mode: str):
    key = (mode, code)
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) > 2000:
            _compiled.clear()
        found = compile_restricted(code, "<bpmn>", mode)
        _compiled[key] = found
    return found


def run(request: dict, pristine: dict) -> object:
    """Evaluate, or execute and report what changed: {"set": changed or new, "del": removed}.

    `pristine` is a second, untouched decoding of the context, so that values changed in
    place (a list appended to) are seen as changed.
    """
    context = request["ctx"]
    external = request.get("ext") or {}
    env = {"__builtins__": HELPERS, **GUARDS, **external, **context}
    code = compiled(request["code"], "eval" if request["op"] == "eval" else "exec")
    if request["op"] == "eval":
        return eval(code, env)  # noqa: S307 - restricted bytecode in a limited process
    exec(code, env)  # noqa: S102 - restricted bytecode in a limited process
    result = {
        name: value
        for name, value in env.items()
        if not name.startswith("_")
        and name not in GUARDS
        and name not in external
        and not callable(value)
        and type(value).__name__ != "module"
    }
    return {
        "set": {k: v for k, v in result.items() if k not in pristine or pristine[k] != v},
        "del": [k for k in pristine if k not in result],
    }


def describe(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "メモリの上限を超えました"
    if isinstance(exc, NameError):
        return f"使用できない名前、または未定義の変数です: {exc}"
    if isinstance(exc, SyntaxError):
        detail = exc.msg if isinstance(exc.msg, str) else "; ".join(map(str, exc.msg or exc.args))
        return f"使用できない構文です: {detail}"
    return f"{type(exc).__name__}: {exc}"


# --- the loop ----------------------------------------------------------------------


def read_exact(stream, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        chunk = stream.read(size - len(chunks))
        if not chunk:
            raise EOFError
        chunks += chunk
    return chunks


def main() -> None:
    memory_mb, cpu_seconds = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, memory_mb * 1024 * 1024))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    os.chdir("/")
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            (size,) = HEADER.unpack(read_exact(source, HEADER.size))
            raw = read_exact(source, size)
            hook = decode if b'"$' in raw else None  # tagged values present: decode them
            request = json.loads(raw, object_hook=hook)
        except EOFError:
            return
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = math.ceil(used.ru_utime + used.ru_stime)
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        resource.setrlimit(resource.RLIMIT_CPU, (spent + cpu_seconds, hard))
        try:
            pristine = json.loads(raw, object_hook=hook)["ctx"] if request["op"] == "exec" else {}
            reply = {"ok": True, "value": run(request, pristine)}
            payload = json.dumps(reply, default=encode, ensure_ascii=False)
        except BaseException as exc:  # every failure goes back to the parent as a message
            payload = json.dumps({"ok": False, "error": describe(exc)}, ensure_ascii=False)
        data = payload.encode()
        sink.write(HEADER.pack(len(data)) + data)
        sink.flush()


if __name__ == "__main__":
    main()
