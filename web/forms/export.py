"""Forms of the `data_export` process (外部媒体への書き出し), registered by key for its user tasks."""

from __future__ import annotations

import unicodedata

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from models.export_request import ExportKind
from web.forms import JapaneseForm
from web.forms.approval import ApprovalForm
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

    def validate(self, extra_validators=None) -> bool:
        # Which criteria are required depends on the kind, so they are checked here:
        # an Optional() field would skip its own inline validator when left empty.
        valid = super().validate(extra_validators)
        kind = self.kind.data
        checks = {
            ExportKind.VACCINATIONS_BY_PERIOD: [(self.date_to, self._period_problem)],
            ExportKind.PEOPLE: [(self.atena_nos, self._people_problem)],
            ExportKind.ACCESS_LOG: [(self.atena_no, self._person_problem),
                                    (self.date_to, self._period_problem)],
        }
        for field, check in checks.get(kind, []):
            if field.errors:
                continue
            problem = check()
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid

    def _period_problem(self) -> str | None:
        start, end = self.date_from.data, self.date_to.data
        if not start or not end:
            return "期間の始まりと終わりを入力してください"
        if end < start:
            return "期間の終わりが始まりより前になっています"
        if (end - start).days >= MAX_PERIOD_DAYS:
            return f"期間は{MAX_PERIOD_DAYS}日以内にしてください"
        return None

    def _people_problem(self) -> str | None:
        numbers = atena_list(self.atena_nos.data)
        if not numbers:
            return "宛名番号を1つ以上入力してください"
        if len(numbers) > MAX_PEOPLE:
            return f"宛名番号は{MAX_PEOPLE}件までです"
        bad = [n for n in numbers if not n.isdigit() or len(n) > 15]
        if bad:
            return f"宛名番号は15桁までの数字です: {'、'.join(bad[:5])}"
        return None

    def _person_problem(self) -> str | None:
        if not normalise_digits(self.atena_no.data or "").isdigit():
            return "宛名番号（数字）を入力してください"
        return None

    def criteria(self) -> dict:
        """The criteria of the chosen kind, as stored with the request."""
        kind = ExportKind(self.kind.data)
        if kind is ExportKind.PEOPLE:
            return {"atena_nos": atena_list(self.atena_nos.data)}
        period = {"date_from": self.date_from.data.isoformat(), "date_to": self.date_to.data.isoformat()}
        if kind is ExportKind.ACCESS_LOG:
            return {"atena_no": normalise_digits(self.atena_no.data or ""), **period}
        return period


class ExportApprovalForm(ApprovalForm):
    """書き出しの承認: a supervisor other than the requester decides."""


register("export_request", ExportRequestForm)
register("export_approval", ExportApprovalForm)

