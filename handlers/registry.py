"""The operator allowlist: BPMN service tasks may call only functions registered here.

A handler is a plain function `handler(context, **params) -> JSON-serializable value`,
registered under an operator name (`spiffworkflow:serviceTaskOperator id=…`) with the
parameters it declares, usually at import of its module in `handlers/`; every module of
the package is imported before the first lookup, so a command or worker that never
imported it still knows the operator. The engine refuses, at validation, any service task naming an
unknown operator or passing an undeclared parameter, and at run time checks that every
required parameter is present.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may use besides its parameters: the caller's transaction and the case."""

    session: Session
    case_id: int
    instance_id: int
    now: datetime
    # The staff member whose completed user task led to this step; None for timers,
    # messages and retries run by the system.
    actor_id: int | None = None


@dataclass(frozen=True)
class Parameter:
    name: str
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Operator:
    name: str
    function: Callable[..., Any]
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parameters)

    def missing(self, given: set[str]) -> list[str]:
        return [p.name for p in self.parameters if p.required and p.name not in given]


_OPERATORS: dict[str, Operator] = {}
_discovered = False
_discover_lock = threading.Lock()


def discover() -> None:
    """Import every module of the `handlers` package once, so their registrations run."""
    global _discovered
    with _discover_lock:
        if _discovered:
            return
        _discovered = True
        import handlers

        for module in pkgutil.iter_modules(handlers.__path__):
            if module.name != "registry":
                importlib.import_module(f"handlers.{module.name}")


def register(
    name: str,
    function: Callable[..., Any],
    parameters: list[Parameter | str] | tuple[Parameter | str, ...] = (),
    description: str = "",
) -> Operator:
    """Add `function` to the allowlist under `name` (re-registering replaces it)."""
    params = tuple(p if isinstance(p, Parameter) else Parameter(p) for p in parameters)
    operator = Operator(name, function, params, description)
    _OPERATORS[name] = operator
    return operator


def operator(
    name: str, parameters: list[Parameter | str] | tuple[Parameter | str, ...] = (), description: str = ""
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of `register`."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        register(name, function, parameters, description)
        return function

    return decorate


def unregister(name: str) -> None:
    _OPERATORS.pop(name, None)


def get(name: str) -> Operator | None:
    discover()
    return _OPERATORS.get(name)


def names() -> list[str]:
    discover()
    return sorted(_OPERATORS)
