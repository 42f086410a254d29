"""In-process evaluation of trivial BPMN expressions and scripts, such as gateway conditions.

An expression built only from names, constants, comparisons and and/or/not, and string
keys of plain dicts (`reply["status"] == "answered"`), cannot call anything, reach any
attribute or build a large value, so it is evaluated here directly (without builtins)
instead of paying a round trip to the sandbox. Scripts of plain
assignments get the same treatment under the stricter rules below. Anything else — calls,
attribute or item access, comprehensions — goes to the sandbox pool.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from types import CodeType
from typing import Any

ALLOWED = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.And, ast.Or,
    ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Tuple, ast.List,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
)
MAX_LENGTH = 500


class NeedsSandbox(Exception):
    """The values at hand do not fit the in-process rules; run the code in the sandbox."""


@dataclass(frozen=True)
class TrivialExpression:
    code: CodeType
    # `reply["status"]`, `a["b"]["c"]`: read only through plain dicts holding those keys.
    lookups: tuple[tuple[str, tuple[str, ...]], ...] = ()


@functools.lru_cache(maxsize=4096)
def trivial_code(expression: str) -> TrivialExpression | None:
    """The compiled expression if it is trivial, else None (remembered either way)."""
    return _compile(expression)


def _compile(expression: str) -> TrivialExpression | None:
    if len(expression) > MAX_LENGTH:
        return None
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return None
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Subscript)}
    lookups = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            if id(node) not in inner:
                chain = _lookup_chain(node)
                if chain is None:
                    return None
                lookups.append(chain)
        elif not isinstance(node, ALLOWED) or (isinstance(node, ast.Name) and node.id.startswith("_")):
            return None
    return TrivialExpression(compile(tree, "<bpmn>", "eval"), tuple(lookups))


def _lookup_chain(node: ast.AST) -> tuple[str, tuple[str, ...]] | None:
    keys: list[str] = []
    while isinstance(node, ast.Subscript):
        if not (isinstance(node.slice, ast.Constant) and type(node.slice.value) is str):
            return None
        keys.append(node.slice.value)
        node = node.value
    if not isinstance(node, ast.Name) or node.id.startswith("_"):
        return None
    return node.id, tuple(reversed(keys))


def evaluate(found: TrivialExpression, context: dict[str, Any], external: dict[str, Any] | None) -> Any:
    """The expression's value; NeedsSandbox when a lookup would not be a plain dict's key."""
    names = {**external, **context} if external else context
    for name, keys in found.lookups:
        value = names.get(name)
        for key in keys:
            if type(value) is not dict or key not in value:
                raise NeedsSandbox(name)
            value = value[key]
    return eval(found.code, {"__builtins__": {}}, names)  # noqa: S307 - names/constants/comparisons only


# --- scripts of plain assignments ------------------------------------------------------
#
# A script task such as `closed = True` or `rework_count = rework_count + 1` is run here
# too when it is nothing but assignments (`name = …`, `name += …`) of trivial expressions
# and arithmetic on numbers. Arithmetic operands must be names or numeric constants, and
# the names must hold plain numbers when the script runs (integers below 2**63), so no
# operation can build a large value: `"a" * n`, a list or a huge integer goes to the
# sandbox. Every name read must hold a plain scalar, so no container is shared between
# names. Whatever fails here is run again in the sandbox, which reports it in its own words.

SCALARS = (str, int, float, bool, type(None))
COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
SMALL_INT = 2**63
SCRIPT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class TrivialScript:
    code: CodeType
    targets: tuple[str, ...]  # names assigned, in order
    read: frozenset[str]  # names read: must hold plain scalars
    numeric: frozenset[str]  # names used in arithmetic: must hold plain numbers


@functools.lru_cache(maxsize=4096)
def trivial_script(script: str) -> TrivialScript | None:
    """The compiled script if it consists of plain assignments only, else None (remembered either way)."""
    return _compile_script(script)


def run_script(found: TrivialScript, context: dict[str, Any], external: dict[str, Any] | None) -> dict | None:
    """The assigned names' new values, or None when the values at hand need the sandbox."""
    names = {**external, **context} if external else dict(context)
    for name in found.read:
        if name not in names or type(names[name]) not in SCALARS:
            return None
    for name in found.numeric:
        value = names[name]
        if type(value) is str or value is None or (type(value) is int and not -SMALL_INT < value < SMALL_INT):
            return None
    try:
        exec(found.code, {"__builtins__": {}}, names)  # noqa: S102 - assignments of checked scalars only
    except Exception:  # the sandbox runs it again and describes the failure
        return None
    return {name: names[name] for name in found.targets}


def _compile_script(script: str) -> TrivialScript | None:
    if len(script) > SCRIPT_MAX_LENGTH:
        return None
    try:
        tree = ast.parse(script.strip(), mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    targets: list[str] = []
    read: set[str] = set()
    numeric: set[str] = set()
    for statement in tree.body:
        reads: set[str] = set()
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, fits = statement.targets[0], _plain(statement.value, reads, numeric)
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.op, ARITHMETIC):
            target, fits = statement.target, _arithmetic(statement.value, reads, numeric)
            if isinstance(target, ast.Name):
                reads.add(target.id)
                numeric.add(target.id)
        else:
            return None
        if not fits or not isinstance(target, ast.Name) or target.id.startswith("_"):
            return None
        # Every value read must be one checked before the script runs: reading a result of
        # the script itself would let `a = a * a` repeated grow a number without bound.
        if reads & set(targets):
            return None
        read |= reads
        targets.append(target.id)
    if not targets:
        return None
    return TrivialScript(compile(tree, "<bpmn>", "exec"), tuple(dict.fromkeys(targets)),
                         frozenset(read), frozenset(numeric))


def _plain(node: ast.AST, read: set[str], numeric: set[str]) -> bool:
    match node:
        case ast.Constant(value=value):
            return type(value) in SCALARS
        case ast.Name(id=name):
            read.add(name)
            return not name.startswith("_")
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            return all(isinstance(op, COMPARISONS) for op in ops) and all(
                _plain(part, read, numeric) for part in (left, *comparators))
        case ast.BoolOp(values=values):
            return all(_plain(value, read, numeric) for value in values)
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return _plain(operand, read, numeric)
        case ast.UnaryOp() | ast.BinOp():
            return _arithmetic(node, read, numeric)
    return False


def _arithmetic(node: ast.AST, read: set[str], numeric: set[str]) -> bool:
    match node:
        case ast.Constant(value=value):
            return type(value) is float or (type(value) is int and -SMALL_INT < value < SMALL_INT)
        case ast.Name(id=name):
            read.add(name)
            numeric.add(name)
            return not name.startswith("_")
        case ast.BinOp(left=left, op=op, right=right):
            return isinstance(op, ARITHMETIC) and _arithmetic(left, read, numeric) and _arithmetic(right, read, numeric)
        case ast.UnaryOp(op=ast.USub() | ast.UAdd(), operand=operand):
            return _arithmetic(operand, read, numeric)
    return False
