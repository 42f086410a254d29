"""Search forms of the audit screens (GET; they change nothing)."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from models.access_log import AccessAction
from models.security_event import SecurityEventKind
from web.forms import JapaneseForm


class _SearchForm(JapaneseForm):
    class Meta:
        csrf = False
        locales = JapaneseForm.Meta.locales

    date_from = DateField("期間（から）", validators=[Optional()])
    date_to = DateField("期間（まで）", validators=[Optional()])
    page = IntegerField("ページ", validators=[Optional(), NumberRange(min=1)], default=1)

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("期間の終わりが始まりより前になっています。")


class AccessLogSearchForm(_SearchForm):
    person = StringField("対象者（宛名番号）", validators=[Optional()])
    staff = StringField("職員（ID・氏名の一部）", validators=[Optional()])
    action = SelectField(
        "処理内容", choices=[("", "すべて"), *((a.value, a.label) for a in AccessAction)],
        validators=[Optional()],
    )


class SecurityLogSearchForm(_SearchForm):
    staff = StringField("職員（ID・氏名の一部）", validators=[Optional()])
    event = SelectField(
        "種別", choices=[("", "すべて"), *((k.value, k.label) for k in SecurityEventKind)],
        validators=[Optional()],
    )
