"""Static checks of BPMN expressions and scripts, run when a diagram is validated.

What can be seen without running the code is refused here: imports, `_`-names (the
dunder walk to builtins), names outside the helper list that only serve to escape
(open, eval, getattr, …), `while True` loops without a break, and constant-size
memory bombs. Everything else is stopped at run time by the sandbox limits.
"""

from __future__ import annotations

import ast

from RestrictedPython import compile_restricted

FORBIDDEN_NAMES = frozenset(
    {
        "open", "eval", "exec", "compile", "globals", "locals", "vars", "getattr", "setattr",
        "delattr", "hasattr", "input", "breakpoint", "help", "memoryview", "type", "object",
        "classmethod", "staticmethod", "property", "super", "print", "exit", "quit", "dir", "id",
    }
)
MAX_CONSTANT = 10**7  # repetition counts or exponents beyond this are memory bombs


def check_code(code: str, mode: str) -> list[str]:
    """Japanese descriptions of what is wrong with `code`; empty when it may run."""
    try:
        tree = ast.parse(code, mode=mode)
    except SyntaxError as exc:
        return [f"Python の構文エラーです（{exc.lineno} 行目: {exc.msg}）"]
    problems = [*_forbidden(tree)]
    if not problems:
        try:
            compile_restricted(code, "<bpmn>", mode)
        except SyntaxError as exc:
            detail = exc.msg if isinstance(exc.msg, str) else "; ".join(map(str, exc.msg or exc.args))
            problems.append(f"使用できない構文です: {detail}")
    return problems


def _forbidden(tree: ast.AST) -> list[str]:
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            problems.append("import は使用できません")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            problems.append(f"「{node.id}」のような _ で始まる名前は使用できません")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(f"「.{node.attr}」のような _ で始まる属性は使用できません")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            problems.append(f"「{node.id}」は使用できません")
        elif isinstance(node, ast.While) and _always_true(node.test) and not _has_break(node):
            problems.append("終わらないループ（while True）は使用できません")
        elif isinstance(node, ast.BinOp) and _is_bomb(node):
            problems.append("巨大な値を作る式は使用できません")
    return problems


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _has_break(loop: ast.While) -> bool:
    return any(isinstance(n, ast.Break) for stmt in loop.body for n in ast.walk(stmt))


def _is_bomb(node: ast.BinOp) -> bool:
    if isinstance(node.op, ast.Pow):
        exponent = _constant_int(node.right)
        return exponent is not None and exponent > 64
    if isinstance(node.op, ast.Mult):
        return any((_constant_int(side) or 0) > MAX_CONSTANT for side in (node.left, node.right))
    return False


def _constant_int(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _constant_int(node.left), _constant_int(node.right)
        if base is not None and exponent is not None and 0 <= exponent <= 64 and abs(base) <= 10**6:
            return base**exponent
    return None
