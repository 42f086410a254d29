"""Restricted scripts: what a BPMN expression may do, and what is stopped statically or at run time."""

from __future__ import annotations

import time
from datetime import date

import pytest

from workflows.sandbox import Limits, SandboxPool, ScriptError
from workflows.scriptcheck import check_code


@pytest.fixture(scope="module")
def sandbox():
    pool = SandboxPool(Limits(wall_seconds=1.0, cpu_seconds=1, workers=1))
    yield pool
    pool.close()


def test_conditions_and_scripts_see_task_data_and_helpers(sandbox):
    assert sandbox.evaluate("amount > 1000 or risk == 'high'", {"amount": 5, "risk": "high"}) is True
    changes = sandbox.execute(
        "deadline = add_days(parse_date(received_on), 30)\ncount = len([x for x in items if x > 1])",
        {"received_on": "2026-11-26", "items": [1, 2, 3]},
    )
    assert changes == {"set": {"count": 2, "deadline": date(2026, 12, 26)}, "del": []}


def test_scripts_report_values_changed_in_place_and_removed():
    pool = SandboxPool(Limits(workers=1))
    try:
        changes = pool.execute("items.append(4)\ndel old\nsame = same", {"items": [1], "old": 1, "same": "x"})
    finally:
        pool.close()
    assert changes == {"set": {"items": [1, 4]}, "del": ["old"]}


@pytest.mark.parametrize(
    "code",
    [
        "__import__('os').system('id')",
        "().__class__.__base__.__subclasses__()",
        "open('/etc/passwd').read()",
        "getattr(1, 'real')",
    ],
)
def test_escapes_fail_at_run_time_too(sandbox, code):
    with pytest.raises(ScriptError):
        sandbox.evaluate(code, {})


def test_memory_bomb_is_stopped_and_the_worker_keeps_serving(sandbox):
    with pytest.raises(ScriptError, match="メモリ"):
        sandbox.evaluate("'a' * n", {"n": 2**34})
    assert sandbox.evaluate("1 + 1", {}) == 2


def test_endless_loop_is_stopped_by_the_time_limit_and_the_pool_recovers(sandbox):
    started = time.monotonic()
    with pytest.raises(ScriptError, match="上限"):
        sandbox.execute("x = 0\nwhile x >= 0:\n    x = x + 1", {})
    assert time.monotonic() - started < 5
    assert sandbox.evaluate("2 * 3", {}) == 6


def test_a_condition_runs_in_well_under_a_millisecond(sandbox):
    sandbox.evaluate("a > 1", {"a": 2})  # worker started
    runs = 200
    started = time.perf_counter()
    for i in range(runs):
        sandbox.evaluate("a > 1 and b == 'x'", {"a": i, "b": "x"})
    assert (time.perf_counter() - started) / runs < 0.001


@pytest.mark.parametrize(
    ("code", "mode", "expected"),
    [
        ("import os", "exec", "import"),
        ("__import__('os').system('ls')", "eval", "_ で始まる名前"),
        ("[c for c in ().__class__.__base__.__subclasses__()]", "eval", "_ で始まる属性"),
        ("open('/etc/hostname').read()", "eval", "「open」"),
        ("while True:\n    pass", "exec", "while True"),
        ("x = 'a' * 2**34", "exec", "巨大な値"),
        ("amount >", "eval", "構文エラー"),
    ],
)
def test_static_check_names_the_problem(code, mode, expected):
    problems = check_code(code, mode)
    assert any(expected in p for p in problems), problems


def test_static_check_accepts_ordinary_code():
    assert check_code("result == 'fix' and copies * 2 ** 3 < 100", "eval") == []
    assert check_code("total = 0\nfor x in items:\n    total += x", "exec") == []


def test_a_result_too_large_to_be_case_data_is_refused(sandbox):
    with pytest.raises(ScriptError, match="大きすぎます"):
        sandbox.execute("blob = 'x' * 2000000", {})
    assert sandbox.evaluate("1", {}) == 1
