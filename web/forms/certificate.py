"""Forms of the process `certificate_issuance` (予防接種証明書の交付), registered by key.

Each form validates its fields with WTForms, then hands the values to its step in
`handlers.certificate.procedure`, which stores the case data in `certificate_application`
and returns the small values the workflow carries. A step's refusal (an unknown 接種券番号,
an expired passport for 海外用, …) comes back as a message under the field concerned.
When the engine only validates (`clean_form`), the step runs in a savepoint rolled back.

The 対象者の選択 and 証明する接種の選択 forms build their choices from the case: from the
engine's context when cleaning, from the task in the URL (`/tasks/<task_guid>`) when a
screen renders them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from handlers.certificate import procedure
from handlers.certificate.eligibility import PassportError, validate_passport
from handlers.certificate.errors import CertificateError
from models.certificate import CertificateKind
from models.certificate_application import ApplicantType, Channel, Outcome, SearchMethod
from models.identifiers import IdentifierError, validate_my_number, validate_voucher_no
from models.task import HumanTask
from models.wareki import format_wareki
from web.certificate_settings import certificate_config
from web.forms import JapaneseForm
from web.forms.generic import JapaneseDateField, register
from workflows import forms as engine_forms
from workflows.errors import FormInvalid
from workflows.forms import FormContext

JST = timezone(timedelta(hours=9), "JST")
REQUIRED = "入力してください"

IDENTITY_DOCUMENTS = [
    ("my_number_card", "マイナンバーカード"),
    ("driver_license", "運転免許証"),
    ("passport", "旅券（パスポート）"),
    ("residence_card", "在留カード"),
    ("health_insurance", "健康保険証・資格確認書"),
    ("other", "その他の本人確認書類"),
]


def _required(message: str = REQUIRED):
    return [InputRequired(message=message)]


class ApplicationForm(JapaneseForm):
    """申請受付."""

    application_type = RadioField("申請の種類", choices=[("new", "新規"), ("reissue", "再交付")], default="new",
                                  validators=_required("選んでください"))
    reissue_of_no = StringField("再交付する証明書の証明書ID", [Length(max=12)])
    reissue_reason = StringField("再交付の理由（紛失・氏名の変更・旅券の更新など）", [Length(max=200)])
    channel = RadioField("受付方法", choices=[(c.value, c.label) for c in Channel], default=Channel.COUNTER.value,
                         validators=_required("選んでください"))
    applicant_type = RadioField("申請者", choices=[(a.value, a.label) for a in ApplicantType],
                                default=ApplicantType.SELF.value, validators=_required("選んでください"))
    applicant_name = StringField("代理人・法定代理人の氏名", [Length(max=100)])
    proxy_letter_received = BooleanField("本人が自署した委任状を受け取った（代理人）")
    authority_document = StringField("代理権を証明する書面（法定代理人: 戸籍謄本、登記事項証明書など）",
                                     [Length(max=100)])
    use = RadioField("証明書の種類", choices=[(k.value, k.label) for k in CertificateKind],
                     default=CertificateKind.DOMESTIC.value, validators=_required("選んでください"))
    passport_no = StringField("旅券番号（海外用）", [Optional(), Length(max=20)])
    roman_family_name = StringField("ローマ字氏名 姓（海外用、旅券の表記どおり）", [Optional(), Length(max=39)])
    roman_given_name = StringField("ローマ字氏名 名（海外用）", [Optional(), Length(max=39)])
    nationality = StringField("国籍・地域（海外用、英字3文字 例: JPN）", [Optional(), Length(max=3)])
    passport_expires_on = JapaneseDateField("旅券の有効期間満了日（海外用）", [Optional()])
    return_envelope_received = BooleanField("切手を貼った返信用封筒を受け取った（郵送）")
    contact_phone = StringField("連絡先電話番号", [Optional(), Length(max=20)])
    contact_note = StringField("連絡事項", [Optional(), Length(max=200)])

    def validate_applicant_name(self, field) -> None:
        if self.applicant_type.data != ApplicantType.SELF and not (field.data or "").strip():
            raise ValidationError("代理人・法定代理人の氏名を入力してください。")

    def validate_proxy_letter_received(self, field) -> None:
        if self.applicant_type.data == ApplicantType.AGENT and not field.data:
            raise ValidationError(
                "代理人による申請には、接種を受けた本人が自署した委任状が必要です（同一世帯の方も同じです）。")

    def validate_authority_document(self, field) -> None:
        if self.applicant_type.data == ApplicantType.LEGAL and not (field.data or "").strip():
            raise ValidationError("法定代理人の代理権を証明する書面（戸籍謄本など）を入力してください。")

    def validate_return_envelope_received(self, field) -> None:
        if self.channel.data == Channel.POST and not field.data:
            raise ValidationError("郵送による申請では、切手を貼った返信用封筒が必要です（受け取ったら確認してください）。")

    def validate_reissue_of_no(self, field) -> None:
        if self.application_type.data == "reissue" and not (field.data or "").strip():
            raise ValidationError("再交付する証明書の証明書IDを入力してください。")

    def validate_reissue_reason(self, field) -> None:
        if self.application_type.data == "reissue" and not (field.data or "").strip():
            raise ValidationError("再交付の理由を入力してください。")


PASSPORT_FIELDS = {
    "number": "passport_no", "family_name": "roman_family_name", "given_name": "roman_given_name",
    "roman_name": "roman_family_name", "nationality": "nationality", "expires_on": "passport_expires_on",
}


def receive(form: ApplicationForm, context: FormContext) -> dict:
    today = context.now.astimezone(JST).date()
    kind = CertificateKind(form.use.data)
    passport = None
    if kind is CertificateKind.OVERSEAS:
        try:
            passport = validate_passport(
                number=form.passport_no.data or "", family_name=form.roman_family_name.data or "",
                given_name=form.roman_given_name.data or "", nationality=form.nationality.data or "",
                expires_on=form.passport_expires_on.data, application_date=today,
            )
        except PassportError as exc:
            errors = {PASSPORT_FIELDS[key]: message for key, message in exc.errors.items()}
            if exc.expired:
                errors["use"] = ("旅券の有効期限が切れているため、海外用は発行できません。"
                                 "「国内用」を選んで受け付けてください（旅券の情報は記載されません）。")
            raise procedure.StepRefused(errors) from exc
    reissue = form.application_type.data == "reissue"
    data = procedure.Application(
        application_date=today,
        channel=Channel(form.channel.data),
        applicant_type=ApplicantType(form.applicant_type.data),
        applicant_name=(form.applicant_name.data or "").strip() or None,
        proxy_letter_received=bool(form.proxy_letter_received.data),
        authority_document=(form.authority_document.data or "").strip() or None,
        kind=kind,
        passport=passport,
        return_envelope_received=bool(form.return_envelope_received.data),
        contact_phone=(form.contact_phone.data or "").strip() or None,
        contact_note=(form.contact_note.data or "").strip() or None,
        reissue_of_no=(form.reissue_of_no.data or "").strip() or None if reissue else None,
        reissue_reason=(form.reissue_reason.data or "").strip() or None if reissue else None,
    )
    return procedure.receive(context.session, context.case_id, data, _performer(context))


class IdentityForm(JapaneseForm):
    """本人確認: the document seen; the clerk completing the step is recorded as the checker."""

    identity_document = SelectField("接種を受けた方の本人確認書類", choices=[("", "選んでください"), *IDENTITY_DOCUMENTS],
                                    validators=_required("確認した書類を選んでください"))
    agent_identity_document = SelectField("代理人の本人確認書類（代理人・法定代理人の申請）",
                                          choices=[("", "（本人の申請）"), *IDENTITY_DOCUMENTS],
                                          validators=[Optional()])


def confirm_identity(form: IdentityForm, context: FormContext) -> dict:
    return procedure.confirm_identity(context.session, context.case_id, form.identity_document.data,
                                      form.agent_identity_document.data or None, _performer(context))


class LookupForm(JapaneseForm):
    """接種記録照会: 接種券番号, 個人番号 (permission needed) or 3情報."""

    search_by = RadioField("照会の方法", choices=[(m.value, m.label) for m in SearchMethod],
                           default=SearchMethod.VOUCHER.value, validators=_required("選んでください"))
    voucher_no = StringField("接種券番号（10桁）", [Length(max=20)])
    my_number = StringField("個人番号（閲覧権限のある職員のみ）", [Length(max=20)])
    name = StringField("氏名（カナまたは漢字）", [Length(max=100)])
    birth_date = JapaneseDateField("生年月日", [Optional()])
    address = StringField("住所（一部でも可）", [Length(max=200)])

    def validate_voucher_no(self, field) -> None:
        if self.search_by.data == SearchMethod.VOUCHER:
            try:
                field.data = validate_voucher_no(field.data)
            except IdentifierError as exc:
                raise ValidationError(str(exc)) from exc

    def validate_my_number(self, field) -> None:
        if self.search_by.data == SearchMethod.MY_NUMBER:
            try:
                field.data = validate_my_number(field.data)
            except IdentifierError as exc:
                raise ValidationError(str(exc)) from exc

    def validate_name(self, field) -> None:
        if self.search_by.data == SearchMethod.THREE_INFO and not (field.data or "").strip():
            raise ValidationError("3情報で照会するときは氏名を入力してください。")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.search_by.data == SearchMethod.THREE_INFO and self.birth_date.data is None \
                and not self.birth_date.errors:
            self.birth_date.errors = ["3情報で照会するときは生年月日を入力してください。"]
            valid = False
        return valid

    def validate_address(self, field) -> None:
        if self.search_by.data == SearchMethod.THREE_INFO and not (field.data or "").strip():
            raise ValidationError("3情報で照会するときは住所（一部でも可）を入力してください。")


def search(form: LookupForm, context: FormContext) -> dict:
    criteria = procedure.Search(
        SearchMethod(form.search_by.data), voucher_no=form.voucher_no.data, my_number=form.my_number.data,
        name=form.name.data, birth_date=form.birth_date.data, address=form.address.data,
    )
    return procedure.search(context.session, context.case_id, criteria, _performer(context))


class CaseForm(JapaneseForm):
    """A form whose choices come from the case: `case_id`/`session` given, or the task in the URL."""

    def __init__(self, *args: Any, case_id: int | None = None, session: Session | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case_id is None:
            case_id, session = _case_of_request()
        self.case_id = case_id
        self.load_choices(session, case_id)

    def load_choices(self, session: Session | None, case_id: int | None) -> None:
        raise NotImplementedError


class CandidateForm(CaseForm):
    """対象者の選択: the people a 3情報 search matched, described so namesakes can be told apart."""

    resident_id = RadioField("照会に該当した方（宛名番号・氏名・生年月日・性別・住所で確認してください）", coerce=int,
                             validators=_required("対象者を選んでください"))

    def load_choices(self, session: Session | None, case_id: int | None) -> None:
        people = procedure.candidates(session, case_id) if session is not None and case_id else []
        self.resident_id.choices = [(r.id, procedure.describe_candidate(r)) for r in people]
        self.resident_id.choices.append((0, "いずれにも該当しない（照会し直す）"))
        if people:
            self.resident_id.description = (
                f"3情報に該当する方が{len(people)}名います。申請書・本人確認書類と照らして対象者を選んでください。")


def choose_candidate(form: CandidateForm, context: FormContext) -> dict:
    return procedure.choose_candidate(context.session, context.case_id, form.resident_id.data or None,
                                      _performer(context))


@dataclass(frozen=True)
class DoseRow:
    """One recorded dose as the 証明する接種の選択 screen lists it."""

    dose_number: int
    vaccinated_on: str  # 和暦
    product: str
    manufacturer: str
    lot_no: str
    municipality_code: str
    remark: str | None  # why it is not certified; None when it is


class DosesForm(CaseForm):
    """証明する接種の選択: every recorded dose with the reason it cannot be certified, if any.

    Doses are picked by 接種回数 in one text field ("2,3"), so the choice survives any
    screen that submits one value per field; it starts with the doses a certificate would list.
    """

    outcome = RadioField("処理", choices=[(Outcome.ISSUE.value, "証明書を発行する"),
                                        (Outcome.REJECT.value, "却下する（却下通知書を作成）")],
                         default=Outcome.ISSUE.value, validators=_required("選んでください"))
    dose_numbers = StringField("証明する接種の回数（カンマ区切り。例: 1,2,3）", [Length(max=100)])
    reason = TextAreaField("却下の理由（証明できる接種がないときは空欄で台帳の理由を記載）", [Optional(), Length(max=500)])

    def load_choices(self, session: Session | None, case_id: int | None) -> None:
        self.dose_rows: list[DoseRow] = []
        self.notes: list[str] = []
        if session is None or not case_id:
            return
        try:
            _, eligibility = procedure.eligibility_of(session, certificate_config(), case_id)
        except CertificateError as exc:
            self.notes = [str(exc)]
            return
        for decision in eligibility.decisions:
            record = decision.record
            self.dose_rows.append(DoseRow(record.dose_number, format_wareki(record.vaccinated_on), record.product,
                                          record.manufacturer, record.lot_no, record.municipality_code,
                                          decision.remark))
        self.notes = [n for n in (eligibility.rejection_reason, eligibility.note) if n]
        if self.dose_numbers.data is None:  # first display: the doses a certificate would list
            self.dose_numbers.data = ",".join(str(r.dose_number) for r in eligibility.printed_records)
        self.dose_numbers.description = "　".join(
            [f"{row.dose_number}回目 {row.vaccinated_on} {row.product}: {row.remark or '証明できます'}"
             for row in self.dose_rows] + self.notes)

    def validate_dose_numbers(self, field) -> None:
        field.numbers = parse_dose_numbers(field.data or "")


def parse_dose_numbers(text: str) -> list[int]:
    """"1,2,3", "１、２" or "1 2" → [1, 2, 3]; anything else is refused with a message."""
    parts = [p for p in re.split(r"[,、，\s]+", unicodedata.normalize("NFKC", text)) if p]
    if not all(p.isdigit() and 0 < int(p) < 100 for p in parts):
        raise ValidationError("接種の回数を数字とカンマで入力してください（例: 1,2,3）。")
    return [int(p) for p in parts]


def decide(form: DosesForm, context: FormContext) -> dict:
    return procedure.decide(
        context.session, certificate_config(), context.case_id, outcome=Outcome(form.outcome.data),
        dose_numbers=form.dose_numbers.numbers, reason=form.reason.data, by=_performer(context),
    )


class DeliveryForm(CaseForm):
    """交付 (the certificate, or the rejection notice): at the counter or by post."""

    method = RadioField("交付方法", choices=[(Channel.COUNTER.value, "窓口で手渡し"), (Channel.POST.value, "郵送")],
                        default=Channel.COUNTER.value, validators=_required("選んでください"))
    delivered_on = JapaneseDateField("交付日・発送日", _required("交付日または発送日を入力してください"),
                                     default=lambda: datetime.now(JST).date())
    delivered_to = StringField("窓口で受け取った方の氏名", [Optional(), Length(max=100)])
    other_address = StringField("郵送先（住民登録の住所以外へ送るときのみ）", [Optional(), Length(max=200)])
    other_address_reason = StringField("住民登録の住所以外へ送る理由", [Optional(), Length(max=200)])

    def load_choices(self, session: Session | None, case_id: int | None) -> None:
        """What is handed over: the certificate (with its 証明書ID) or the rejection notice."""
        application = procedure.application_of(session, case_id) if session is not None and case_id else None
        self.certificate_no = application.certificate.certificate_no if application and application.certificate \
            else None
        self.rejected = bool(application and application.outcome == Outcome.REJECT)
        self.registered_address = application.resident.address if application and application.resident else None
        if application is not None and self.method.raw_data is None:  # first display
            self.method.data = application.channel


def deliver(form: DeliveryForm, context: FormContext) -> dict:
    return procedure.deliver(
        context.session, context.case_id, method=Channel(form.method.data), delivered_on=form.delivered_on.data,
        delivered_to=(form.delivered_to.data or "").strip() or None,
        other_address=(form.other_address.data or "").strip() or None,
        other_address_reason=(form.other_address_reason.data or "").strip() or None,
        by=_performer(context),
    )


# --- registration -------------------------------------------------------------------------

Step = Callable[[Any, FormContext], dict]


def _register(key: str, form_class: type[JapaneseForm], step: Step) -> None:
    register(key, form_class)
    engine_forms.register_form(key, lambda data, context: clean(form_class, step, data, context),
                               needs_context=True)


def clean(form_class: type[JapaneseForm], step: Step, data: Mapping[str, Any], context: FormContext) -> dict:
    """Validate `data` with `form_class`, then run `step` (in a savepoint; rolled back unless completing)."""
    kwargs: dict[str, Any] = {"meta": {"csrf": False}}
    if issubclass(form_class, CaseForm):
        kwargs.update(case_id=context.case_id, session=context.session)
    form = form_class(formdata=_formdata(data), **kwargs)
    if not form.validate():
        raise FormInvalid({getattr(form, name).label.text: "、".join(errors) for name, errors in form.errors.items()})
    savepoint = context.session.begin_nested()
    try:
        result = step(form, context)
    except procedure.StepRefused as exc:
        savepoint.rollback()
        raise FormInvalid({_label(form, name): message for name, message in exc.errors.items()}) from exc
    except CertificateError as exc:
        savepoint.rollback()
        raise FormInvalid({"証明書": str(exc)}) from exc
    if context.completing:
        savepoint.commit()
    else:
        savepoint.rollback()
    return result


def _label(form: JapaneseForm, name: str) -> str:
    field = getattr(form, name, None)
    return field.label.text if field is not None else name


def _formdata(data: Mapping[str, Any]) -> MultiDict:
    """Submitted data as WTForms expects it; repeated keys (checkbox lists) are kept."""
    if isinstance(data, MultiDict):
        return data
    formdata: MultiDict = MultiDict()
    for key, value in data.items():
        if value is None or value is False:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            formdata.add(key, "y" if item is True else item)
    return formdata


def _performer(context: FormContext) -> procedure.Performer:
    if context.staff_id is None:
        raise CertificateError("職員が特定できないため処理できません。")
    return procedure.Performer(context.staff_id, context.terminal, context.now)


def _case_of_request() -> tuple[int | None, Session | None]:
    """The case of the task screen being rendered (`/tasks/<task_guid>`), if any."""
    if not has_request_context() or not request.view_args or "task_guid" not in request.view_args:
        return None, None
    from web.db import session as request_session

    session = request_session()
    case_id = session.scalar(select(HumanTask.case_id).where(HumanTask.task_guid == request.view_args["task_guid"]))
    return case_id, session


_register("certificate_application", ApplicationForm, receive)
_register("certificate_identity", IdentityForm, confirm_identity)
_register("certificate_lookup", LookupForm, search)
_register("certificate_candidate", CandidateForm, choose_candidate)
_register("certificate_doses", DosesForm, decide)
_register("certificate_delivery", DeliveryForm, deliver)
