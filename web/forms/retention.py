"""Forms of the `retention_purge` process (保存期間経過記録の削除), registered by key."""

from __future__ import annotations

from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from web.forms import JapaneseForm
from web.forms.generic import register


class PurgeRequestForm(JapaneseForm):
    """削除の申請: the report's date and why the records should go."""

    as_of = DateField("基準日（保存期間経過記録一覧の日付）",
                      validators=[InputRequired(message="入力してください")])
    reason = TextAreaField("処理事由", validators=[InputRequired(message="入力してください"),
                                                   Length(max=200)])


DECISIONS = [("approve", "承認する"), ("reject", "却下する")]


class PurgeApprovalForm(JapaneseForm):
    """削除の承認: a supervisor other than the requester decides."""

    decision = SelectField("判断", choices=[("", "選んでください"), *DECISIONS],
                           validators=[InputRequired(message="選んでください")])
    decision_comment = TextAreaField("コメント（却下の理由など）", validators=[Optional(), Length(max=200)])

    def validate_decision(self, field: SelectField) -> None:
        if field.data not in dict(DECISIONS):
            raise ValidationError("承認するか却下するかを選んでください")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == "reject" and not (self.decision_comment.data or "").strip():
            self.decision_comment.errors = [*self.decision_comment.errors, "却下の理由を入力してください"]
            valid = False
        return valid


register("retention_purge_request", PurgeRequestForm)
register("retention_purge_approval", PurgeApprovalForm)
