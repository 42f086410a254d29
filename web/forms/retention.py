"""Forms of the `retention_purge` process (保存期間経過記録の削除), registered by key."""

from __future__ import annotations

from wtforms import DateField, TextAreaField
from wtforms.validators import InputRequired, Length

from web.forms import JapaneseForm
from web.forms.approval import ApprovalForm
from web.forms.generic import register


class PurgeRequestForm(JapaneseForm):
    """削除の申請: the report's date and why the records should go."""

    as_of = DateField("基準日（保存期間経過記録一覧の日付）",
                      validators=[InputRequired(message="入力してください")])
    reason = TextAreaField("処理事由", validators=[InputRequired(message="入力してください"),
                                                   Length(max=200)])


class PurgeApprovalForm(ApprovalForm):
    """削除の承認: a supervisor other than the requester decides."""


register("retention_purge_request", PurgeRequestForm)
register("retention_purge_approval", PurgeApprovalForm)
