"""Forms of the resident screens."""

from __future__ import annotations

from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from handlers.vaccination_rules import MAX_DOSE_NUMBER
from handlers.vaccine_products import PRODUCTS
from models.access_log import ACCESS_REASONS
from models.vaccination import VaccinationCategory
from web.forms import JapaneseForm

OTHER_REASON = "その他"


class SearchForm(JapaneseForm):
    """One form, three ways to search; `mode` says which the person used."""

    mode = HiddenField()
    voucher_no = StringField("接種券番号", validators=[Optional(), Length(max=30)])
    my_number = StringField("個人番号", validators=[Optional(), Length(max=30)])
    name = StringField("氏名（漢字またはカナ）", validators=[Optional(), Length(max=60)])
    birth_date = StringField("生年月日（例: 1980-03-01、昭和55年3月1日、S55.3.1）",
                             validators=[Optional(), Length(max=30)])
    address = StringField("住所（一部でも可）", validators=[Optional(), Length(max=100)])


class ReasonForm(JapaneseForm):
    """処理事由: why the person is opened; picked from the list or typed."""

    reason = SelectField("処理事由", choices=[("", "選んでください"), *((r, r) for r in ACCESS_REASONS)],
                         validators=[InputRequired(message="処理事由を選んでください")])
    reason_other = StringField("処理事由（その他の内容）", validators=[Optional(), Length(max=150)])

    def validate_reason(self, field: SelectField) -> None:
        if field.data not in ACCESS_REASONS:
            raise ValidationError("処理事由を選んでください")
        # Here rather than on reason_other: Optional() there skips its own validators when empty.
        if field.data == OTHER_REASON and not (self.reason_other.data or "").strip():
            raise ValidationError("「その他」を選んだときは処理事由を入力してください")

    def chosen(self) -> str:
        if self.reason.data == OTHER_REASON:
            return f"{OTHER_REASON}: {(self.reason_other.data or '').strip()}"
        return self.reason.data


class DoseForm(JapaneseForm):
    """接種記録の登録・訂正."""

    dose_number = IntegerField("接種回数", validators=[
        InputRequired(message="入力してください"), NumberRange(min=1, max=MAX_DOSE_NUMBER)])
    vaccinated_on = DateField("接種日", validators=[InputRequired(message="YYYY-MM-DD で入力してください")])
    product = SelectField("ワクチン名", validators=[InputRequired(message="選んでください")])
    manufacturer = StringField("メーカー", validators=[InputRequired(message="入力してください"), Length(max=40)])
    lot_no = StringField("Lot.No", validators=[InputRequired(message="入力してください"), Length(max=20)])
    clinic = StringField("実施医療機関", validators=[InputRequired(message="入力してください"), Length(max=100)])
    doctor = StringField("接種医", validators=[Optional(), Length(max=50)])
    category = SelectField("接種区分", choices=[(c.value, c.label) for c in VaccinationCategory],
                           validators=[InputRequired(message="選んでください")])
    voucher_no = StringField("接種券番号", validators=[Optional(), Length(max=20)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = [p.name for p in PRODUCTS]
        current = self.product.data
        if current and current not in names:  # an older record may name a product no longer listed
            names.append(current)
        self.product.choices = [(n, n) for n in names]


class CorrectionForm(DoseForm):
    version = HiddenField()
    reason = TextAreaField("訂正理由", validators=[InputRequired(message="訂正理由を入力してください"),
                                                Length(max=200)])
