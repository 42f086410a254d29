"""Everything Sesshu needs from SpiffWorkflow, in one place: parsing, the restricted
script engine, spec-less serialization and the injectable clock."""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from handlers import registry as operators
from handlers.registry import HandlerContext
from workflows import fastpath
from workflows.sandbox import ScriptError, pool

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


# --- injectable time ----------------------------------------------------------------
# SpiffWorkflow's timer events call datetime.now() themselves; Sesshu swaps the name in
# that module for a subclass that asks the clock of the current engine step.

_clock: contextvars.ContextVar[Clock] = contextvars.ContextVar("sesshu_clock", default=system_clock)


class _EngineDateTime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        moment = _clock.get()()
        return moment.astimezone(tz) if tz else moment


timer_module.datetime = _EngineDateTime


@contextmanager
def clock_in_effect(clock: Clock) -> Iterator[None]:
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


# --- restricted script engine -------------------------------------------------------


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Sends every expression and script to the sandbox pool instead of eval/exec."""

    def evaluate(self, expression, context, external_context=None):
        found = fastpath.trivial_code(expression)
        if found is not None:
            with contextlib.suppress(fastpath.NeedsSandbox):
                return fastpath.evaluate(found, context, external_context)
        return pool().evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        plain = fastpath.trivial_script(script)
        if plain is not None and (assigned := fastpath.run_script(plain, context, external_context)) is not None:
            context.update(assigned)
            return True
        changes = pool().execute(script, context, external_context)
        context.update(changes["set"])
        for name in changes["del"]:
            context.pop(name, None)
        return True


class ServiceTaskFailed(Exception):
    """A registered handler raised; the message is what staff see."""


class SesshuScriptEngine(PythonScriptEngine):
    """Restricted expressions plus service tasks dispatched to the operator allowlist.

    Attach a fresh one after every deserialize (`attach_engine`): SpiffWorkflow does not
    serialize the engine and would otherwise fall back to unrestricted eval.
    """

    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment())
        self.handler_context: HandlerContext | None = None

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        # Overridden whole: SpiffWorkflow 3.2.0's own call_service turns every handler error
        # into "NameError: name 'script' is not defined".
        try:
            return json.dumps(self._dispatch(operation_name, operation_params or {}), default=_json_default)
        except WorkflowTaskException:
            raise
        except Exception as exc:
            raise WorkflowTaskException(
                f"処理「{operation_name}」でエラーが発生しました: {exc}", task=task, exception=exc
            ) from exc

    def _dispatch(self, name: str, params: dict[str, dict[str, Any]]) -> Any:
        operator = operators.get(name)
        if operator is None:
            raise ServiceTaskFailed(f"処理「{name}」は登録されていません")
        values = {key: spec["value"] for key, spec in params.items()}
        if missing := operator.missing(set(values)):
            raise ServiceTaskFailed(f"処理「{name}」に必要な引数がありません: {', '.join(missing)}")
        if unknown := set(values) - operator.parameter_names:
            raise ServiceTaskFailed(f"処理「{name}」が受け付けない引数です: {', '.join(sorted(unknown))}")
        context = self.handler_context
        if context is None:
            raise ServiceTaskFailed("処理を実行できる状態ではありません")
        # A savepoint: a handler that fails leaves none of its writes behind.
        with context.session.begin_nested():
            return operator.function(context, **values)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"処理の結果に保存できない値があります（{type(value).__name__}）")


def attach_engine(workflow: BpmnWorkflow) -> SesshuScriptEngine:
    engine = SesshuScriptEngine()
    workflow.script_engine = engine
    return engine


# --- parsing ------------------------------------------------------------------------


def new_parser() -> SpiffBpmnParser:
    return SpiffBpmnParser(validator=VALIDATOR)


# --- serialization without the spec -------------------------------------------------


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Stores an instance without its spec, which lives once per definition version."""

    def to_dict(self, workflow):
        # WorkflowConverter.to_dict's fields, with the task map built from kept conversions.
        registry = self.registry
        return {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": self._tasks_to_dict(workflow),
            "root": str(workflow.task_tree.id),
            "subprocesses": self.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": registry.convert(workflow.bpmn_events),
        }

    def _tasks_to_dict(self, workflow) -> dict:
        kept = workflow.__dict__.get(_KEPT, {})
        tasks = {}
        for task_id, task in workflow.tasks.items():
            entry = kept.get(task_id)
            if entry is not None and entry[0] == _stable_key(task):
                tasks[entry[2]] = entry[1]
            else:
                tasks[str(task_id)] = self.registry.convert(task)
        return tasks

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _StableTaskConverter(TaskConverter):
    """Converts a task once and reuses the result while the task stays the same.

    Two kinds of task keep their converted form between completions (the result is kept
    on the task's workflow, which the workflow cache keeps):
    - a finished task whose parent is finished too: neither its data nor the delta
      against its parent's data changes any more (Sesshu writes data only into ready
      tasks); any change of state, state time, trigger or children makes it stale;
    - a task not reached yet (future, likely, maybe) holding no data of its own: its
      stored delta only lists its parent's keys as absent, so those keys join the key.
    Everything else (ready, waiting, started tasks) is converted every time.
    """

    def to_dict(self, task):
        key = _stable_key(task)
        if key is None:
            return super().to_dict(task)
        kept = task.workflow.__dict__.setdefault(_KEPT, {})
        entry = kept.get(task.id)
        if entry is not None and entry[0] == key:
            return entry[1]
        dct = super().to_dict(task)
        if len(kept) > 2 * len(task.workflow.tasks) + 16:  # tasks dropped from the tree
            kept.clear()
        kept[task.id] = (key, dct, dct["id"])  # the registry adds the typename to dct in place
        return dct


def _stable_key(task) -> tuple | None:
    parent = task.parent
    if task.state & FINISHED:
        if parent is not None and not parent.state & FINISHED:
            return None
        return (task.state, task.last_state_change, task.triggered, tuple(task._children))
    if task.state & NOT_REACHED and parent is not None and not task.data and not task.internal_data:
        return (task.state, task.last_state_change, task.triggered, tuple(task._children), tuple(parent.data))
    return None


FINISHED = TaskState.FINISHED_MASK
NOT_REACHED = TaskState.FUTURE | TaskState.PREDICTED_MASK  # future, likely, maybe
_KEPT = "_sesshu_task_dicts"


def _uuid(value: str):
    from uuid import UUID

    return UUID(value)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    config[Task] = _StableTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = SERIALIZER.VERSION


def dump_spec(spec, subprocess_specs: dict) -> str:
    registry = SERIALIZER.registry
    return json.dumps(
        {
            "spec": registry.convert(spec),
            "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
        },
        ensure_ascii=False,
    )


def load_spec(text: str) -> tuple[Any, dict]:
    registry = SERIALIZER.registry
    dct = json.loads(text)
    subprocess_specs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    return registry.restore(dct["spec"]), subprocess_specs


# SpiffWorkflow's own serialize_json, encoded by orjson (several times faster than the json
# module). Dates, datetimes, Decimals and sets still reach the registry through `default`
# and keep their type. Anything orjson refuses (an integer beyond 64 bits) takes the
# json module's path. orjson writes a float NaN as null (forms and scripts never produce
# one); older states holding NaN, valid only to the json module, load through it.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_encoder_default = SERIALIZER._encoder_cls().default


def dump_instance(workflow: BpmnWorkflow) -> str:
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return orjson.dumps(dct, default=_encoder_default, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return SERIALIZER.serialize_json(workflow)
    finally:
        registry._encoder_mode = False


def load_instance(text: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
    try:
        dct = orjson.loads(text)
    except orjson.JSONDecodeError:
        dct = json.loads(text)
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    attach_engine(workflow)
    return workflow


__all__ = [
    "BpmnWorkflow",
    "Clock",
    "ScriptError",
    "ServiceTaskFailed",
    "SesshuScriptEngine",
    "attach_engine",
    "clock_in_effect",
    "dump_instance",
    "dump_spec",
    "load_instance",
    "load_spec",
    "new_parser",
    "system_clock",
]
