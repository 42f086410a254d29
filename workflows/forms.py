"""Task forms: the generic field list declared in BPMN, and registered forms by key.

A user task names its form with the extension property `form` (a key registered here,
usually by web/ for a WTForms class) or declares `fields`, a JSON list of generic fields:

    [{"name": "result", "label": "確認結果", "type": "select", "required": true,
      "choices": [["ok", "問題なし"], ["fix", "補正が必要"]]}]

Types: text, number, date, select, checkbox, textarea. Whatever the screen does, the
engine validates submitted data against this before completing the task.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from workflows.errors import FormInvalid

FIELD_TYPES = ("text", "number", "date", "select", "checkbox", "textarea")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_TEXT = 2000

Cleaner = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()


class FieldSpecError(ValueError):
    """The `fields` property is malformed; the message is Japanese."""


@functools.lru_cache(maxsize=1024)
def fields_of(raw: str) -> tuple[Field, ...]:
    """parse_fields, remembered: a deployed definition's field lists never change."""
    return tuple(parse_fields(raw))


def parse_fields(raw: str) -> list[Field]:
    """Parse the `fields` extension property; raises FieldSpecError with a Japanese message."""
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise FieldSpecError(f"fields が JSON として読めません（{exc.msg}）") from exc
    if not isinstance(items, list) or not items:
        raise FieldSpecError("fields は項目の一覧（JSON 配列）で指定してください")
    fields: list[Field] = []
    for position, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise FieldSpecError(f"fields の {position} 番目が項目の形式ではありません")
        name, label, kind = item.get("name"), item.get("label"), item.get("type", "text")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise FieldSpecError(f"fields の {position} 番目の name は英小文字で始まる英数字と _ で指定してください")
        if not isinstance(label, str) or not label.strip():
            raise FieldSpecError(f"項目 {name} に label（表示名）がありません")
        if kind not in FIELD_TYPES:
            raise FieldSpecError(f"項目 {name} の type「{kind}」は使えません（{', '.join(FIELD_TYPES)}）")
        choices = _choices(name, kind, item.get("choices"))
        if any(f.name == name for f in fields):
            raise FieldSpecError(f"項目 {name} が重複しています")
        fields.append(Field(name, label, kind, bool(item.get("required", False)), choices))
    return fields


def _choices(name: str, kind: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if kind != "select":
        return ()
    if not isinstance(raw, list) or not raw:
        raise FieldSpecError(f"選択項目 {name} に choices がありません")
    pairs = []
    for choice in raw:
        if isinstance(choice, str):
            pairs.append((choice, choice))
        elif isinstance(choice, list) and len(choice) == 2 and all(isinstance(c, str) for c in choice):
            pairs.append((choice[0], choice[1]))
        else:
            raise FieldSpecError(f"選択項目 {name} の choices は文字列か [値, 表示名] で指定してください")
    return tuple(pairs)


def clean_submission(fields: Sequence[Field], data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and convert submitted values; unknown keys are dropped, errors raise FormInvalid."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        value = data.get(field.name)
        if isinstance(value, str):
            value = value.strip()
        if field.type == "checkbox":
            cleaned[field.name] = value in (True, "y", "on", "true", "1", 1)
            if field.required and not cleaned[field.name]:
                errors[field.label] = "確認が必要です"
            continue
        if value in (None, ""):
            if field.required:
                errors[field.label] = "入力してください"
            else:
                cleaned[field.name] = None
            continue
        try:
            cleaned[field.name] = _convert(field, value)
        except ValueError as exc:
            errors[field.label] = str(exc)
    if errors:
        raise FormInvalid(errors)
    return cleaned


def _convert(field: Field, value: Any) -> Any:
    if field.type in ("text", "textarea"):
        text = str(value)
        if len(text) > MAX_TEXT:
            raise ValueError(f"{MAX_TEXT} 文字以内で入力してください")
        return text
    if field.type == "number":
        if isinstance(value, bool):
            raise ValueError("数値を入力してください")
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError("数値を入力してください") from exc
        if not number.is_finite():
            raise ValueError("数値を入力してください")
        return int(number) if number == number.to_integral_value() else float(number)
    if field.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise ValueError("日付を YYYY-MM-DD で入力してください") from exc
    if field.type == "select":
        if str(value) not in {c[0] for c in field.choices}:
            raise ValueError("選択肢から選んでください")
        return str(value)
    raise ValueError("未対応の項目です")


# Registered forms (by key). web/ registers its WTForms classes here with a cleaner that
# validates on the server; the engine only knows keys and cleaners, never WTForms.


@dataclass(frozen=True)
class FormContext:
    """What a cleaner registered with `needs_context` receives besides the submitted data.

    Such a cleaner may read the case's tables (e.g. to find the person named on the form)
    and, when `completing`, store the case data the form carries in Sesshu's own tables,
    returning only ids and small decision values for the workflow.
    """

    session: Session
    case_id: int
    task_guid: str
    bpmn_id: str
    staff_id: int | None
    terminal: str | None
    now: datetime
    completing: bool  # False when only validating (clean_form): write nothing then


ContextCleaner = Callable[[Mapping[str, Any], FormContext], dict[str, Any]]

_REGISTERED: dict[str, tuple[Callable[..., dict[str, Any]], bool]] = {}


def register_form(key: str, cleaner: Cleaner | ContextCleaner, *, needs_context: bool = False) -> None:
    _REGISTERED[key] = (cleaner, needs_context)


def unregister_form(key: str) -> None:
    _REGISTERED.pop(key, None)


def form_cleaner(key: str, context: FormContext | None = None) -> Cleaner | None:
    """The cleaner of a registered form, bound to `context` when it needs one."""
    entry = _REGISTERED.get(key)
    if entry is None:
        return None
    cleaner, needs_context = entry
    if not needs_context:
        return cleaner
    return lambda data: cleaner(data, context)


def registered_form_keys() -> list[str]:
    return sorted(_REGISTERED)
