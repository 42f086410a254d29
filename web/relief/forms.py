"""Forms of the claim page, the rate table and the public status page."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from handlers.relief.amounts import RATE_CODES
from handlers.relief.review import DENIAL_REASONS, RULINGS
from models.access_log import ACCESS_REASONS
from models.relief_review import NationalOutcome
from web.forms import JapaneseForm
from web.forms.generic import JapaneseDateField

REQUIRED = InputRequired(message="入力してください")


class ReasonForm(JapaneseForm):
    reason = SelectField("閲覧の理由", choices=[(r, r) for r in ACCESS_REASONS], default=ACCESS_REASONS[1])


class DocumentsReceivedForm(JapaneseForm):
    received = SelectMultipleField("受領した書類", coerce=int, choices=[])
    received_on = JapaneseDateField("受領日", [REQUIRED])


class UploadForm(JapaneseForm):
    purpose = SelectField("書類", choices=[])
    file = FileField("ファイル（PDF・JPEG・PNG）", [FileRequired(message="ファイルを選んでください")])


class ReceiptForm(JapaneseForm):
    paid_on = JapaneseDateField("支払日", [REQUIRED])
    amount = IntegerField("自己負担額（円）", [InputRequired(message="数値を入力してください"),
                                          NumberRange(min=1, max=100_000_000, message="1円以上で入力してください")])


class AllowanceForm(JapaneseForm):
    month = JapaneseDateField("月（その月の1日）", [REQUIRED])
    outpatient_days = IntegerField("通院日数", [Optional(), NumberRange(min=0, max=31, message="0〜31 日")], default=0)
    inpatient_days = IntegerField("入院日数", [Optional(), NumberRange(min=0, max=31, message="0〜31 日")], default=0)


class NationalResultForm(JapaneseForm):
    outcome = SelectField("国の審査結果", choices=[(o.value, o.label) for o in NationalOutcome])
    reason_code = SelectField("否認理由（否認の場合）", choices=[("", "—"), *DENIAL_REASONS.items()])
    notified_on = JapaneseDateField("通知を受けた日", [REQUIRED])
    note = StringField("備考", [Optional(), Length(max=500)])


class AppealForm(JapaneseForm):
    filed_on = JapaneseDateField("審査請求があった日", [REQUIRED])


class RulingForm(JapaneseForm):
    ruling = SelectField("裁決", choices=[(r, r) for r in RULINGS])
    ruled_on = JapaneseDateField("裁決日", [REQUIRED])


class WithdrawalForm(JapaneseForm):
    withdrawn_on = JapaneseDateField("取下げの日", [REQUIRED])
    reason = StringField("取下げの理由", [REQUIRED, Length(max=200)])


class RateForm(JapaneseForm):
    fiscal_year = IntegerField("年度（西暦）", [InputRequired(message="数値を入力してください"),
                                            NumberRange(min=2000, max=2100, message="2000〜2100 で入力してください")])
    code = SelectField("給付額の種類", choices=list(RATE_CODES.items()))
    amount = IntegerField("金額（円）", [InputRequired(message="数値を入力してください"),
                                     NumberRange(min=0, max=1_000_000_000, message="0円以上で入力してください")])


class StatusForm(JapaneseForm):
    receipt_no = StringField("受付番号", [REQUIRED, Length(max=30)])
    code = StringField("アクセスコード", [REQUIRED, Length(max=30)])


class VaccinationLookupForm(JapaneseForm):
    atena_no = StringField("宛名番号", [REQUIRED, Length(max=15)])
    reason = SelectField("検索の理由", choices=[(r, r) for r in ACCESS_REASONS], default=ACCESS_REASONS[1])
