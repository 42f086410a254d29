"""Task forms for screens: WTForms classes registered by key, and generic forms built
from a user task's `fields` list (see workflows.forms).

Registering a class here also registers a server-side cleaner with the engine, so a task
naming that form key is validated by the same WTForms class whatever the screen sends.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Form,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from web.forms import JapaneseForm
from workflows import forms as engine_forms
from workflows.errors import FormInvalid

_CLASSES: dict[str, type[Form]] = {}


def discover() -> None:
    """Import every module of `web.forms`, so that forms registered at import are known
    (commands such as `processes validate` run without the screens loaded)."""
    import web.forms

    for module in pkgutil.iter_modules(web.forms.__path__):
        importlib.import_module(f"web.forms.{module.name}")
IGNORED = frozenset({"csrf_token", "submit"})


def register(key: str, form_class: type[Form]) -> None:
    """Make `form_class` available to BPMN user tasks as `form=key`."""
    _CLASSES[key] = form_class
    engine_forms.register_form(key, lambda data: clean_with(form_class, data))


def form_class(key: str) -> type[Form] | None:
    return _CLASSES.get(key)


def clean_with(form_class: type[Form], data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate `data` with `form_class`; FormInvalid (Japanese messages by label) when invalid."""
    formdata = MultiDict({k: ("y" if v is True else v) for k, v in data.items() if v not in (None, False)})
    kwargs = {"meta": {"csrf": False}} if issubclass(form_class, FlaskForm) else {}
    form = form_class(formdata=formdata, **kwargs)
    if not form.validate():
        raise FormInvalid(
            {getattr(form, name).label.text: "、".join(errors) for name, errors in form.errors.items()}
        )
    return {name: _plain(value) for name, value in form.data.items() if name not in IGNORED}


def _plain(value: Any) -> Any:
    from datetime import date
    from decimal import Decimal

    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class NumberField(DecimalField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("数値を入力してください") from exc


class JapaneseDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("日付を YYYY-MM-DD で入力してください") from exc


class ChoiceField(SelectField):
    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices} and self.data not in (None, ""):
            raise ValidationError("選択肢から選んでください")


def generic_form_class(fields: Sequence[engine_forms.Field]) -> type[FlaskForm]:
    """A FlaskForm with one WTForms field per generic field declared in the BPMN."""
    attrs: dict[str, Any] = {}
    for field in fields:
        required = [InputRequired(message="入力してください")] if field.required else [Optional()]
        if field.type == "text":
            attrs[field.name] = StringField(field.label, [*required, Length(max=engine_forms.MAX_TEXT)])
        elif field.type == "textarea":
            attrs[field.name] = TextAreaField(field.label, [*required, Length(max=engine_forms.MAX_TEXT)])
        elif field.type == "number":
            attrs[field.name] = NumberField(field.label, required, places=None)
        elif field.type == "date":
            attrs[field.name] = JapaneseDateField(field.label, required)
        elif field.type == "select":
            attrs[field.name] = ChoiceField(field.label, required, choices=list(field.choices))
        elif field.type == "checkbox":
            attrs[field.name] = BooleanField(
                field.label, [DataRequired(message="確認が必要です")] if field.required else []
            )
    return type("GenericTaskForm", (JapaneseForm,), attrs)
