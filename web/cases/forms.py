"""Forms of the case screens: the search (GET) and the supervisor's actions (POST)."""

from __future__ import annotations

import re
import unicodedata

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from models.access_log import ACCESS_REASONS
from models.case import CaseStatus, Procedure
from web.forms import JapaneseForm

PHONE_ENQUIRY = "本人・代理人からの問い合わせ"
_KATAKANA = re.compile(r"^[\u30a0-\u30ff\u3000]+$")


def normalise_kana(text: str | None) -> str:
    """Full-width katakana with one ideographic space between words (as `name_kana` is stored).

    Half-width katakana and hiragana are accepted: counter staff type with the IME on.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)
    return re.sub(r"\s+", "\u3000", text)


class CaseSearchForm(JapaneseForm):
    class Meta:
        csrf = False
        locales = JapaneseForm.Meta.locales

    case_no = StringField("案件番号", validators=[Optional(), Length(max=30)])
    procedure = SelectField("手続", choices=[("", "すべて"), *((p.value, p.label) for p in Procedure)],
                            validators=[Optional()])
    status = SelectField("状態", choices=[("", "すべて"), *((s.value, s.label) for s in CaseStatus)],
                         validators=[Optional()])
    date_from = DateField("開始日（から）", validators=[Optional()])
    date_to = DateField("開始日（まで）", validators=[Optional()])
    kana = StringField("カナ氏名", validators=[Optional(), Length(max=100)])
    birth_date = DateField("生年月日", validators=[Optional()])
    atena_no = StringField("宛名番号", validators=[Optional(), Length(max=15)])
    reason = SelectField("処理事由", choices=[(r, r) for r in ACCESS_REASONS], default=PHONE_ENQUIRY)
    page = IntegerField("ページ", validators=[Optional(), NumberRange(min=1)], default=1)

    def validate_kana(self, field: StringField) -> None:
        if field.data and not _KATAKANA.match(normalise_kana(field.data)):
            raise ValidationError("カタカナ（またはひらがな）で入力してください。姓と名の間は空白です。")

    def validate_atena_no(self, field: StringField) -> None:
        if field.data and not unicodedata.normalize("NFKC", field.data).strip().isdigit():
            raise ValidationError("数字で入力してください。")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("期間の終わりが始まりより前になっています。")

    def has_conditions(self) -> bool:
        return any(f.data for f in (self.case_no, self.procedure, self.status, self.date_from,
                                    self.date_to, self.kana, self.birth_date, self.atena_no))

    def has_subject(self) -> bool:
        return any(f.data for f in (self.kana, self.birth_date, self.atena_no))


class RetryForm(JapaneseForm):
    """Only the CSRF token: retrying needs no input."""


class CancelForm(JapaneseForm):
    reason = TextAreaField("取消理由", validators=[DataRequired(message="取消理由を入力してください。"),
                                                 Length(max=500)])
