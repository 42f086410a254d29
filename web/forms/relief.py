"""Task forms of the 健康被害救済 process (`bpmn/relief_claim.bpmn`), registered by key.

Forms that carry personal or medical data (請求受付, 調査委員会, 進達, 決定の起案) store it
in Sesshu's tables when the task completes and give the workflow only ids and small
decision values; the other forms' field names are the names the process's expressions use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from flask import has_app_context
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from handlers.relief import claims, review
from handlers.relief.checklist import needs_deadline_basis
from handlers.relief.claims import intake_problems
from handlers.relief.common import ReliefError
from handlers.relief.review import COMMITTEE_CONCLUSIONS, RULINGS
from models.relief_claim import BENEFIT_LABELS, BenefitKind, ClaimantType
from models.vaccination import VaccinationCategory
from web.forms import JapaneseForm
from web.forms.generic import ChoiceField, JapaneseDateField, NumberField, register
from workflows import forms as engine_forms
from workflows.errors import FormInvalid
from workflows.forms import FormContext

REQUIRED = InputRequired(message="入力してください")
CONFIRM = DataRequired(message="確認が必要です")


class IntakeForm(JapaneseForm):
    """請求受付: who claims, for which vaccination, which benefits, what happened."""

    atena_no = StringField("宛名番号（接種を受けた方）", [REQUIRED, Length(max=15)])
    vaccination_record_id = IntegerField("接種記録の番号", [InputRequired(message="数値を入力してください")])
    category = ChoiceField("接種区分", [REQUIRED], choices=[(c.value, c.label) for c in VaccinationCategory])
    claimant_type = ChoiceField("請求者", [REQUIRED], choices=[(c.value, c.label) for c in ClaimantType])
    claimant_name = StringField("請求者氏名", [REQUIRED, Length(max=100)])
    claimant_relation = StringField("接種を受けた方との続柄", [REQUIRED, Length(max=50)])
    b_medical_cost = BooleanField(BENEFIT_LABELS[BenefitKind.MEDICAL_COST])
    b_medical_allowance = BooleanField(BENEFIT_LABELS[BenefitKind.MEDICAL_ALLOWANCE])
    b_child_pension = BooleanField(BENEFIT_LABELS[BenefitKind.CHILD_PENSION])
    b_disability_pension = BooleanField(BENEFIT_LABELS[BenefitKind.DISABILITY_PENSION])
    b_death_lump_sum = BooleanField(BENEFIT_LABELS[BenefitKind.DEATH_LUMP_SUM])
    b_funeral = BooleanField(BENEFIT_LABELS[BenefitKind.FUNERAL])
    b_survivor_pension = BooleanField(BENEFIT_LABELS[BenefitKind.SURVIVOR_PENSION])
    b_survivor_lump_sum = BooleanField(BENEFIT_LABELS[BenefitKind.SURVIVOR_LUMP_SUM])
    onset_date = JapaneseDateField("発症日", [REQUIRED])
    symptoms = TextAreaField("症状の概要", [REQUIRED, Length(max=2000)])
    deadline_basis_date = JapaneseDateField("請求期限の起算日（B類: 医療費の支払日または死亡日）", [Optional()])
    prior_benefits_paid = BooleanField("同じ健康被害で医療費・医療手当・障害年金を受けたことがある")

    def claimed(self) -> list[BenefitKind]:
        return [kind for kind in BenefitKind if getattr(self, f"b_{kind.value}").data]

    def validate_atena_no(self, field) -> None:
        field.data = unicodedata.normalize("NFKC", field.data or "").strip()
        if not field.data.isdigit():
            raise ValidationError("数字で入力してください")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        category = self.category.data
        if category != VaccinationCategory.VOLUNTARY and not self.claimed():
            self.b_medical_cost.errors.append("請求する給付を一つ以上選んでください")
            return False
        if needs_deadline_basis(category, self.claimed()) and self.deadline_basis_date.data is None:
            self.deadline_basis_date.errors.append("定期接種（B類）では請求期限の確認のため入力してください")
            return False
        if has_app_context():
            from web.db import session

            for problem in intake_problems(session(), self.atena_no.data, self.vaccination_record_id.data):
                getattr(self, problem.field).errors.append(problem.message)
                valid = False
        return valid


class DocumentsForm(JapaneseForm):
    """書類確認: the checklist is kept on the claim screen; missing lines lead to 補正依頼."""

    checked = BooleanField("書類チェックリストと請求期限を確認した", [CONFIRM])
    correction_days = NumberField("補正期限（日数、不足がある場合。既定 60 日）",
                                  [Optional(), NumberRange(min=2, max=365, message="2〜365 日で入力してください")],
                                  places=None)


class CorrectionReceivedForm(JapaneseForm):
    received = BooleanField("提出された書類をチェックリストに記録した", [CONFIRM])


class ReminderForm(JapaneseForm):
    sent = BooleanField("督促の連絡をした", [CONFIRM])


class CorrectionExpiredForm(JapaneseForm):
    expiry_action = ChoiceField("補正期限が過ぎました", [REQUIRED], choices=[
        ("remind", "督促し、新しい期限で待つ"), ("withdraw", "取下げ扱いで終える")])


class CommitteeForm(JapaneseForm):
    meeting_date = JapaneseDateField("調査委員会の開催日", [REQUIRED])
    conclusion = ChoiceField("委員会の結論", [REQUIRED], choices=list(COMMITTEE_CONCLUSIONS.items()))
    opinion = TextAreaField("委員会の意見（意見書は請求の画面で添付）", [REQUIRED, Length(max=2000)])


class ForwardForm(JapaneseForm):
    sent_date = JapaneseDateField("県へ送付した日", [REQUIRED])
    forward_note = StringField("備考", [Optional(), Length(max=500)])


class DecisionDraftForm(JapaneseForm):
    decision_reason = TextAreaField("決定の理由", [REQUIRED, Length(max=2000)])
    disability_grade = ChoiceField("障害の等級（年金の場合）", [Optional()],
                                   choices=[("", "—"), ("1", "1級"), ("2", "2級"), ("3", "3級")])


class ApprovalForm(JapaneseForm):
    approval = ChoiceField("決裁", [REQUIRED], choices=[("approve", "承認する"), ("return", "差し戻す")])
    decision_date = JapaneseDateField("決定日", [REQUIRED])


class PaymentForm(JapaneseForm):
    paid_date = JapaneseDateField("支払日", [REQUIRED])
    confirmed = BooleanField("支給額（請求の画面で算定）を確認した", [CONFIRM])


class RulingForm(JapaneseForm):
    ruling = ChoiceField("裁決", [REQUIRED], choices=[(r, r) for r in RULINGS])
    ruled_date = JapaneseDateField("裁決日", [REQUIRED])


# --- steps that keep the case data in Sesshu's tables ---------------------------------------


def take_intake(form: IntakeForm, context: FormContext) -> dict:
    claim_id = claims.register_claim(
        context.session, context.case_id, context.now, atena_no=form.atena_no.data,
        vaccination_record_id=form.vaccination_record_id.data, category=form.category.data,
        claimant_type=form.claimant_type.data, claimant_name=form.claimant_name.data.strip(),
        claimant_relation=form.claimant_relation.data.strip(), benefits=form.claimed(),
        onset_on=form.onset_date.data, symptoms=form.symptoms.data.strip(),
        deadline_basis_on=form.deadline_basis_date.data, prior_benefits_paid=bool(form.prior_benefits_paid.data),
    )
    return {"claim": {"claim_id": claim_id}, "category": form.category.data}


def record_committee(form: CommitteeForm, context: FormContext) -> dict:
    opinion_id = review.record_committee(context.session, context.case_id, form.meeting_date.data,
                                         form.conclusion.data, form.opinion.data.strip(), context.now)
    return {"committee_done": {"opinion_id": opinion_id}}


def record_forwarding(form: ForwardForm, context: FormContext) -> dict:
    kind = "additional" if context.bpmn_id == "additional_material" else "initial"
    forwarding_id = review.record_forwarding(context.session, context.case_id, form.sent_date.data, kind,
                                             (form.forward_note.data or "").strip() or None)
    return {"forwarding": {"forwarding_id": forwarding_id}}


def draft_decision(form: DecisionDraftForm, context: FormContext) -> dict:
    review.draft_decision(context.session, context.case_id, form.decision_reason.data.strip(),
                          int(form.disability_grade.data) if form.disability_grade.data else None)
    return {}


Step = Callable[[Any, FormContext], dict]


def _register(key: str, form_class: type[JapaneseForm], step: Step) -> None:
    register(key, form_class)
    engine_forms.register_form(key, lambda data, context: clean(form_class, step, data, context),
                               needs_context=True)


def clean(form_class: type[JapaneseForm], step: Step, data: Mapping[str, Any], context: FormContext) -> dict:
    """Validate `data`, then run `step` in a savepoint kept only when the task completes."""
    formdata = MultiDict({k: ("y" if v is True else v) for k, v in data.items() if v not in (None, False)})
    form = form_class(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise FormInvalid({getattr(form, name).label.text: "、".join(errors) for name, errors in form.errors.items()})
    savepoint = context.session.begin_nested()
    try:
        result = step(form, context)
    except ReliefError as exc:
        savepoint.rollback()
        raise FormInvalid({"請求": str(exc)}) from exc
    if context.completing:
        savepoint.commit()
    else:
        savepoint.rollback()
    return result


_register("relief_intake", IntakeForm, take_intake)
register("relief_documents", DocumentsForm)
register("relief_correction_received", CorrectionReceivedForm)
register("relief_reminder", ReminderForm)
register("relief_correction_expired", CorrectionExpiredForm)
_register("relief_committee", CommitteeForm, record_committee)
_register("relief_forward", ForwardForm, record_forwarding)
_register("relief_additional", ForwardForm, record_forwarding)
_register("relief_decision_draft", DecisionDraftForm, draft_decision)
register("relief_approval", ApprovalForm)
register("relief_payment", PaymentForm)
