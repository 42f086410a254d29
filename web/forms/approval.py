"""The second person's decision on a request (承認・却下), shared by the approval steps."""

from __future__ import annotations

from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from web.forms import JapaneseForm

DECISIONS = [("approve", "承認する"), ("reject", "却下する")]


class ApprovalForm(JapaneseForm):
    """承認 or 却下; a rejection must say why."""

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
