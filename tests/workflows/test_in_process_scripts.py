"""Scripts of plain assignments run in-process; everything else still goes to the sandbox."""

from __future__ import annotations

import contextlib

import pytest

from workflows import spiff
from workflows.sandbox import Limits, SandboxPool, ScriptError


class RecordingPool:
    """Stands in for the sandbox pool and remembers what reached it."""

    def __init__(self, real: SandboxPool) -> None:
        self.real, self.scripts = real, []

    def execute(self, script, context, external=None):
        self.scripts.append(script)
        return self.real.execute(script, context, external)


@pytest.fixture(scope="module")
def real_pool():
    pool = SandboxPool(Limits(wall_seconds=2.0, cpu_seconds=1, workers=1))
    yield pool
    pool.close()


@pytest.fixture
def sandbox(monkeypatch, real_pool) -> RecordingPool:
    recording = RecordingPool(real_pool)
    monkeypatch.setattr(spiff, "pool", lambda: recording)
    return recording


def run(script: str, data: dict) -> dict:
    spiff.SandboxEnvironment().execute(script, data)
    return data


@pytest.mark.parametrize(
    ("script", "data", "expected"),
    [
        ("closed = True", {}, {"closed": True}),
        ("rework_count = rework_count + 1", {"rework_count": 2}, {"rework_count": 3}),
        ("rework_count += 1\nlast_pass = max_rework == 3", {"rework_count": 2, "max_rework": 3},
         {"rework_count": 3, "max_rework": 3, "last_pass": True}),
        ("copies_total = copies * 2 - 1", {"copies": 3}, {"copies": 3, "copies_total": 5}),
        ("fee = (base + extra) / 2\nfree = not base", {"base": 300, "extra": 0.5},
         {"base": 300, "extra": 0.5, "fee": 150.25, "free": False}),
        ("route = kind == '本人' or proxy is None", {"kind": "代理人", "proxy": None},
         {"kind": "代理人", "proxy": None, "route": True}),
        ("label = status", {"status": "受付済"}, {"status": "受付済", "label": "受付済"}),
    ],
)
def test_plain_assignments_run_without_a_round_trip_to_the_sandbox(sandbox, script, data, expected):
    assert run(script, data) == expected
    assert sandbox.scripts == []


@pytest.mark.parametrize(
    ("script", "data"),
    [
        ("n = len(items)", {"items": [1, 2]}),  # a call
        ("first = items[0]", {"items": [1, 2]}),  # item access
        ("name = person.name", {"person": {"name": "x"}}),  # attribute access
        ("ids = [a, b]", {"a": 1, "b": 2}),  # a new list
        ("pair = (a, b)", {"a": 1, "b": 2}),  # a tuple (the sandbox hands back a list)
        ("text = 'ab' * n", {"n": 3}),  # string arithmetic
        ("_hidden = 1", {}),  # underscore names
        ("x = 2 ** n", {"n": 3}),  # power
        ("a = n * n\nb = a * a", {"n": 3}),  # reading the script's own result
        ("n += 1\nn += 1", {"n": 3}),
        ("n += 1\nlast = n > 3", {"n": 3}),
    ],
)
def test_anything_beyond_plain_assignments_goes_to_the_sandbox(sandbox, script, data):
    with contextlib.suppress(ScriptError):  # the sandbox's own verdict (e.g. on `_hidden`)
        run(script, data)
    assert sandbox.scripts == [script]


@pytest.mark.parametrize(
    ("script", "data"),
    [
        ("n = n * 3", {"n": "ab"}),  # a string where arithmetic expects a number
        ("n = n * n", {"n": 2**70}),  # an integer too large to multiply here
        ("copy = record", {"record": {"a": [1]}}),  # a container would be shared between names
        ("n = m + 1", {}),  # an undefined name
    ],
)
def test_values_that_could_grow_or_alias_send_the_script_to_the_sandbox(sandbox, script, data):
    with contextlib.suppress(ScriptError):  # the sandbox's own answer to an undefined name
        run(script, data)
    assert sandbox.scripts == [script]


def test_a_failing_plain_script_is_reported_by_the_sandbox_in_its_own_words(sandbox):
    with pytest.raises(ScriptError, match="ZeroDivisionError"):
        run("share = total / people", {"total": 1000, "people": 0})
    assert sandbox.scripts == ["share = total / people"]


def test_the_sandbox_receives_only_the_names_a_script_mentions(real_pool):
    # Case data the sandbox could not take (here an arbitrary object) does not matter to a
    # script that never reads it.
    data = {"count": 1, "attachment": object(), "history": list(range(10_000))}
    assert real_pool.execute("count = count + len(extra)", data, {"extra": [1, 2]}) == {"set": {"count": 3},
                                                                                       "del": []}
    with pytest.raises(ScriptError, match="渡せない値"):
        real_pool.execute("kept = attachment", data)
