"""Task forms of the 健康被害救済 process (`bpmn/relief_claim.bpmn`), registered by key.

The field names are the names the process's expressions and service-task parameters use.
"""

from __future__ import annotations

import unicodedata

from flask import has_app_context
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from handlers.relief.checklist import needs_deadline_basis
from handlers.relief.claims import intake_problems
from handlers.relief.review import COMMITTEE_CONCLUSIONS, RULINGS
from models.relief_claim import BENEFIT_LABELS, BenefitKind, ClaimantType
from models.vaccination import VaccinationCategory
from web.forms import JapaneseForm
from web.forms.generic import ChoiceField, JapaneseDateField, NumberField, register

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


register("relief_intake", IntakeForm)
register("relief_documents", DocumentsForm)
register("relief_correction_received", CorrectionReceivedForm)
register("relief_reminder", ReminderForm)
register("relief_correction_expired", CorrectionExpiredForm)
register("relief_committee", CommitteeForm)
register("relief_forward", ForwardForm)
register("relief_additional", ForwardForm)
register("relief_decision_draft", DecisionDraftForm)
register("relief_approval", ApprovalForm)
register("relief_payment", PaymentForm)
