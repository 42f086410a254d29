"""In-process evaluation of trivial BPMN expressions, such as gateway conditions.

An expression built only from names, constants, comparisons and and/or/not cannot call
anything, reach any attribute or build a large value, so it is evaluated here directly
(without builtins) instead of paying a round trip to the sandbox. Anything else — calls,
attribute or item access, arithmetic, comprehensions — goes to the sandbox pool.
"""

from __future__ import annotations

import ast
import threading
from types import CodeType
from typing import Any

ALLOWED = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.And, ast.Or,
    ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Tuple, ast.List,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
)
MAX_LENGTH = 500
_cache: dict[str, CodeType | None] = {}
_lock = threading.Lock()


def trivial_code(expression: str) -> CodeType | None:
    """Compiled code if `expression` is trivial, else None (cached either way)."""
    with _lock:
        if expression in _cache:
            return _cache[expression]
    code = _compile(expression)
    with _lock:
        if len(_cache) > 5000:
            _cache.clear()
        _cache[expression] = code
    return code


def _compile(expression: str) -> CodeType | None:
    if len(expression) > MAX_LENGTH:
        return None
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED):
            return None
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return None
    return compile(tree, "<bpmn>", "eval")


def evaluate(code: CodeType, context: dict[str, Any], external: dict[str, Any] | None) -> Any:
    names = {**external, **context} if external else context
    return eval(code, {"__builtins__": {}}, names)  # noqa: S307 - names/constants/comparisons only
