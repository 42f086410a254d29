"""Forms of the `data_export` process (外部媒体への書き出し), registered by key for its user tasks."""

from __future__ import annotations

import unicodedata

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models.export_request import ExportKind
from web.forms import JapaneseForm
from web.forms.generic import register

MAX_PERIOD_DAYS = 366
MAX_PEOPLE = 100


def normalise_digits(text: str) -> str:
    """全角 digits typed with the IME on become ASCII; spaces go."""
    return unicodedata.normalize("NFKC", text).strip()


def atena_list(text: str | None) -> list[str]:
    """宛名番号 typed one per line (or separated by commas or spaces), in order, without repeats."""
    seen: list[str] = []
    for item in (text or "").replace(",", " ").replace("、", " ").split():
        number = normalise_digits(item)
        if number not in seen:
            seen.append(number)
    return seen


class ExportRequestForm(JapaneseForm):
    """書き出しの申請: what to export and why."""

    kind = SelectField("書き出す内容", choices=[(k.value, k.label) for k in ExportKind],
                       validators=[InputRequired(message="選んでください")])
    date_from = DateField("期間（から）", validators=[Optional()])
    date_to = DateField("期間（まで）", validators=[Optional()])
    atena_nos = TextAreaField("宛名番号（1行に1つ）", validators=[Optional(), Length(max=2000)])
    atena_no = StringField("対象者の宛名番号", validators=[Optional(), Length(max=15)])
    reason = TextAreaField("処理事由（書き出す目的と提供先）",
                           validators=[InputRequired(message="入力してください"), Length(max=200)])

    def validate_date_to(self, field: DateField) -> None:
        if self.kind.data not in (ExportKind.VACCINATIONS_BY_PERIOD, ExportKind.ACCESS_LOG):
            return
        start, end = self.date_from.data, field.data
        if not start or not end:
            raise ValidationError("期間の始まりと終わりを入力してください")
        if end < start:
            raise ValidationError("期間の終わりが始まりより前になっています")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError(f"期間は{MAX_PERIOD_DAYS}日以内にしてください")

    def validate_atena_nos(self, field: TextAreaField) -> None:
        if self.kind.data != ExportKind.PEOPLE:
            return
        numbers = atena_list(field.data)
        if not numbers:
            raise ValidationError("宛名番号を1つ以上入力してください")
        if len(numbers) > MAX_PEOPLE:
            raise ValidationError(f"宛名番号は{MAX_PEOPLE}件までです")
        bad = [n for n in numbers if not n.isdigit() or len(n) > 15]
        if bad:
            raise ValidationError(f"宛名番号は15桁までの数字です: {'、'.join(bad[:5])}")

    def validate_atena_no(self, field: StringField) -> None:
        if self.kind.data != ExportKind.ACCESS_LOG:
            return
        number = normalise_digits(field.data or "")
        if not number.isdigit():
            raise ValidationError("宛名番号（数字）を入力してください")

    def criteria(self) -> dict:
        """The criteria of the chosen kind, as stored with the request."""
        kind = ExportKind(self.kind.data)
        if kind is ExportKind.PEOPLE:
            return {"atena_nos": atena_list(self.atena_nos.data)}
        period = {"date_from": self.date_from.data.isoformat(), "date_to": self.date_to.data.isoformat()}
        if kind is ExportKind.ACCESS_LOG:
            return {"atena_no": normalise_digits(self.atena_no.data or ""), **period}
        return period


DECISIONS = [("approve", "承認する"), ("reject", "却下する")]


class ExportApprovalForm(JapaneseForm):
    """書き出しの承認: a supervisor other than the requester decides."""

    decision = SelectField("判断", choices=[("", "選んでください"), *DECISIONS],
                           validators=[InputRequired(message="選んでください")])
    decision_comment = TextAreaField("コメント（却下の理由など）", validators=[Optional(), Length(max=200)])

    def validate_decision(self, field: SelectField) -> None:
        if field.data not in dict(DECISIONS):
            raise ValidationError("承認するか却下するかを選んでください")

    def validate_decision_comment(self, field: TextAreaField) -> None:
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError("却下の理由を入力してください")


register("export_request", ExportRequestForm)
register("export_approval", ExportApprovalForm)

