"""Task forms of the 中間サーバ procedures, registered by key for the BPMN user tasks.

transfer_in_history: exchange_identity, exchange_history_review, exchange_query_next,
exchange_query_wait; auto_response_block: exchange_flag_request, exchange_flag_removal,
exchange_flag_confirm, exchange_flag_send, exchange_flag_review; incoming_query:
exchange_manual_answer.

Case data stays in Sesshu's tables: the flag forms record the request or the decision
themselves (in `auto_response_flag_event`, through handlers.exchange.flags) and free-text
notes and reasons go to the case history (`task_event` notes), so the workflow carries
only decision values (選択肢, 接種回数, ids). When the engine only validates
(`clean_form`), the recording runs in a savepoint rolled back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from handlers.exchange.common import ExchangeError
from handlers.exchange.flags import FlagStep, record_flag_decision, record_flag_request
from models.auto_response_flag import REASON_LABELS
from models.identifiers import IdentifierError, validate_municipality_code
from models.task import TaskEvent
from web.forms import JapaneseForm
from web.forms.generic import JapaneseDateField, register
from workflows import forms as engine_forms
from workflows.errors import FormInvalid
from workflows.forms import FormContext

REQUIRED = InputRequired(message="入力してください")
DOSES = re.compile(r"^\s*\d{1,2}(\s*[,、，]\s*\d{1,2})*\s*$")


def _note(label: str = "備考", required: bool = False) -> TextAreaField:
    return TextAreaField(label, [REQUIRED if required else Optional(), Length(max=1000)])


def _dose_list(field: StringField, needed: bool) -> None:
    if needed and not (field.data or "").strip():
        raise ValidationError("接種回数を「1,2」のように入力してください")
    if (field.data or "").strip() and not DOSES.match(field.data):
        raise ValidationError("接種回数は数字を「,」で区切って入力してください")


class IdentityForm(JapaneseForm):
    identity_method = SelectField("本人確認の方法", [REQUIRED], choices=[
        ("juki_net", "住民基本台帳ネットワークで本人確認情報を照合"),
        ("my_number_card", "マイナンバーカードで確認（窓口）"),
        ("notice_and_id", "通知カード等と身元確認書類で確認（窓口）"),
    ])
    my_number_confirmed = BooleanField("個人番号が本人のものであることを確認した")
    provider_override = StringField("照会先の市町村コード（転入前の市町村と異なる場合だけ）",
                                    [Optional(), Length(max=7)])
    proceed = SelectField("照会", [REQUIRED], choices=[
        ("proceed", "転入前の市町村へ照会する"),
        ("stop", "照会しない（個人番号を確認できない・本人が接種済証を提出した等）"),
    ])
    note = _note()

    def validate_my_number_confirmed(self, field: BooleanField) -> None:
        if self.proceed.data == "proceed" and not field.data:
            raise ValidationError("照会する前に個人番号を確認してください")

    def validate_provider_override(self, field: StringField) -> None:
        if (field.data or "").strip():
            try:
                field.data = validate_municipality_code(field.data)
            except IdentifierError as exc:
                raise ValidationError(str(exc)) from exc


class HistoryReviewForm(JapaneseForm):
    accept = SelectField("照会結果の取扱い", [REQUIRED], choices=[
        ("all", "すべての接種記録を登録する"),
        ("some", "一部の接種記録だけを登録する"),
        ("none", "登録しない（内容に疑義がある等）"),
    ])
    dose_numbers = StringField("登録する接種回数（一部のとき。例: 1,2）", [Optional(), Length(max=60)])
    note = _note()

    def validate_dose_numbers(self, field: StringField) -> None:
        _dose_list(field, self.accept.data == "some")


class QueryNextForm(JapaneseForm):
    next_step = SelectField("対応", [REQUIRED], choices=[
        ("retry", "照会をやり直す"),
        ("close", "照会を終了する（本人に接種済証の提出を依頼する等）"),
    ])
    provider_override = StringField("照会先の市町村コード（変える場合だけ）", [Optional(), Length(max=7)])
    note = _note("対応の理由・経過", required=True)

    validate_provider_override = IdentityForm.validate_provider_override


class QueryWaitForm(QueryNextForm):
    next_step = SelectField("対応", [REQUIRED], choices=[
        ("retry", "照会をやり直す"),
        ("wait", "もう一度回答期限まで待つ"),
        ("close", "照会を終了する（本人に接種済証の提出を依頼する等）"),
    ])


class FlagRequestForm(JapaneseForm):
    reason_category = SelectField("理由区分", [REQUIRED], choices=[(k.value, v) for k, v in REASON_LABELS.items()])
    support_reference = StringField("支援措置の決定番号等", [REQUIRED, Length(max=60)])
    valid_from = JapaneseDateField("支援措置の開始日（申出の受付日）", [REQUIRED])
    valid_to = JapaneseDateField("支援措置の終了日（空欄なら開始日から1年）", [Optional()])
    evidence_checked = BooleanField("支援措置の決定通知等の証拠書類を確認した",
                                    [InputRequired(message="証拠書類を確認してください")])
    note = _note()

    def validate_valid_to(self, field: JapaneseDateField) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError("終了日は開始日より後の日付にしてください")


class FlagRemovalForm(JapaneseForm):
    removal_reason = TextAreaField("解除の理由（支援措置の終了・本人の申出等）", [REQUIRED, Length(max=1000)])
    evidence_checked = BooleanField("解除の根拠となる書類を確認した",
                                    [InputRequired(message="根拠となる書類を確認してください")])


class FlagConfirmForm(JapaneseForm):
    verdict = SelectField("確認結果", [REQUIRED], choices=[
        ("confirm", "依頼内容を証拠書類と照合し、承認する"),
        ("reject", "承認しない（内容に誤りがある等）"),
    ])
    evidence_checked = BooleanField("依頼者とは別の職員として証拠書類と照合した")
    confirm_note = _note("確認の記録")

    def validate_evidence_checked(self, field: BooleanField) -> None:
        if self.verdict.data == "confirm" and not field.data:
            raise ValidationError("承認する前に証拠書類と照合してください")


class FlagSendForm(JapaneseForm):
    next_step = SelectField("対応", [REQUIRED], choices=[
        ("retry", "中間サーバへもう一度送信する"),
        ("wait", "受領確認をもう一度待つ"),
    ])
    note = _note("対応の理由・経過", required=True)


class FlagReviewForm(JapaneseForm):
    action = SelectField("支援措置の状況", [REQUIRED], choices=[
        ("extend", "支援措置が延長された: フラグの期限を延長する"),
        ("remove", "支援措置が終了する: フラグを解除する"),
    ])
    new_valid_to = JapaneseDateField("延長後の終了日", [Optional()])
    new_reference = StringField("延長の決定番号等", [Optional(), Length(max=60)])
    review_note = _note("市民課・支援担当への確認内容", required=True)

    def validate_new_valid_to(self, field: JapaneseDateField) -> None:
        if self.action.data == "extend" and not field.data:
            raise ValidationError("延長するときは延長後の終了日を入力してください")


class ManualAnswerForm(JapaneseForm):
    content_checked = BooleanField(
        "照会者・事務・送信される接種記録を確認し、住所等が知られるおそれを検討した",
        [InputRequired(message="送信内容を確認してください")],
    )
    choice = SelectField("回答", [REQUIRED], choices=[
        ("provide", "提供する"),
        ("provide_in_part", "一部を提供する"),
        ("withhold", "提供しない"),
    ])
    dose_numbers = StringField("提供する接種回数（一部のとき。例: 1,2）", [Optional(), Length(max=60)])
    withhold_reason = TextAreaField("理由（一部提供・提供しないとき）", [Optional(), Length(max=200)])

    def validate_dose_numbers(self, field: StringField) -> None:
        _dose_list(field, self.choice.data == "provide_in_part")

    def validate_withhold_reason(self, field: TextAreaField) -> None:
        if self.choice.data != "provide" and not (field.data or "").strip():
            raise ValidationError("一部提供・提供しないときは理由を入力してください")


# --- registration -------------------------------------------------------------------------

Recorder = Callable[[JapaneseForm, FormContext], dict[str, Any]]

# Free-text fields kept in the case history instead of the workflow's data.
NOTE_FIELDS = ("note",)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value else None


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


def _step(context: FormContext) -> FlagStep:
    return FlagStep(context.session, context.case_id, context.staff_id, context.now)


def _request_set(form: FlagRequestForm, context: FormContext) -> dict[str, Any]:
    request = record_flag_request(
        _step(context), "set", reason_category=form.reason_category.data,
        support_reference=form.support_reference.data, valid_from=_day(form.valid_from.data),
        valid_to=_day(form.valid_to.data), note=form.note.data,
    )
    return {"evidence_checked": True, "flag_request": request}


def _request_removal(form: FlagRemovalForm, context: FormContext) -> dict[str, Any]:
    request = record_flag_request(_step(context), "remove", note=form.removal_reason.data)
    return {"evidence_checked": True, "flag_request": request}


def _request_review(form: FlagReviewForm, context: FormContext) -> dict[str, Any]:
    action = form.action.data
    request = record_flag_request(
        _step(context), action, support_reference=_text(form.new_reference.data),
        valid_to=_day(form.new_valid_to.data), note=form.review_note.data,
    )
    return {"action": action, "flag_request": request}


def _decide(form: FlagConfirmForm, context: FormContext) -> dict[str, Any]:
    state = record_flag_decision(_step(context), form.verdict.data, note=form.confirm_note.data)
    return {"verdict": form.verdict.data, "evidence_checked": bool(form.evidence_checked.data),
            "flag_state": state}


def _history_note(context: FormContext, text: str | None) -> int | None:
    """Store `text` in the case history (a `task_event` note); its id, or None when empty."""
    if not text:
        return None
    event = TaskEvent(case_id=context.case_id, task_guid=context.task_guid, bpmn_id=context.bpmn_id,
                      action="note", actor_id=context.staff_id, at=context.now, note=text)
    context.session.add(event)
    context.session.flush()
    return event.id


def _values(form: JapaneseForm) -> dict[str, Any]:
    return {name: value for name, value in form.data.items() if name not in ("csrf_token", "submit")}


def _notes_to_history(form: JapaneseForm, context: FormContext) -> dict[str, Any]:
    """Keep the form's decision values; its free-text note goes to the case history."""
    values = _values(form)
    for name in NOTE_FIELDS:
        if name in values and (text := _text(values.pop(name))):
            _history_note(context, f"{getattr(form, name).label.text}: {text}")
    return values


def _manual_answer(form: ManualAnswerForm, context: FormContext) -> dict[str, Any]:
    values = _values(form)
    values["reason_note_id"] = _history_note(context, _text(values.pop("withhold_reason")))
    return values


def _formdata(data: Mapping[str, Any]) -> MultiDict:
    if isinstance(data, MultiDict):
        return data
    return MultiDict({key: ("y" if value is True else value) for key, value in data.items()
                      if value not in (None, False)})


def clean(form_class: type[JapaneseForm], recorder: Recorder, data: Mapping[str, Any],
          context: FormContext) -> dict[str, Any]:
    """Validate `data`, then record it (in a savepoint; rolled back unless completing)."""
    form = form_class(formdata=_formdata(data), meta={"csrf": False})
    if not form.validate():
        raise FormInvalid({getattr(form, name).label.text: "、".join(errors) for name, errors in form.errors.items()})
    savepoint = context.session.begin_nested()
    try:
        result = recorder(form, context)
    except ExchangeError as exc:
        savepoint.rollback()
        raise FormInvalid({"自動応答不可フラグ": str(exc)}) from exc
    if context.completing:
        savepoint.commit()
    else:
        savepoint.rollback()
    return result


FORMS: dict[str, tuple[type[JapaneseForm], Recorder]] = {
    "exchange_identity": (IdentityForm, _notes_to_history),
    "exchange_history_review": (HistoryReviewForm, _notes_to_history),
    "exchange_query_next": (QueryNextForm, _notes_to_history),
    "exchange_query_wait": (QueryWaitForm, _notes_to_history),
    "exchange_flag_request": (FlagRequestForm, _request_set),
    "exchange_flag_removal": (FlagRemovalForm, _request_removal),
    "exchange_flag_confirm": (FlagConfirmForm, _decide),
    "exchange_flag_send": (FlagSendForm, _notes_to_history),
    "exchange_flag_review": (FlagReviewForm, _request_review),
    "exchange_manual_answer": (ManualAnswerForm, _manual_answer),
}


def _register(key: str, form_class: type[JapaneseForm], recorder: Recorder) -> None:
    register(key, form_class)
    engine_forms.register_form(key, lambda data, context: clean(form_class, recorder, data, context),
                               needs_context=True)


for _key, (_form, _recorder) in FORMS.items():
    _register(_key, _form, _recorder)
