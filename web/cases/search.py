"""案件検索: finding a case while a resident is on the phone (「私の申請はどうなっていますか」)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, select

from models.case import Case
from models.resident import Resident
from web.cases.forms import CaseSearchForm, normalise_kana
from web.timefmt import jst_day_start

FULL_CASE_NO = re.compile(r"^[A-Z]+\d+-[A-Z]+-\d{6}$")  # e.g. R8-CERT-000123


@dataclass(frozen=True)
class Criteria:
    case_no: str | None = None
    procedure: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    kana: str | None = None
    birth_date: date | None = None
    atena_no: str | None = None

    @classmethod
    def of(cls, form: CaseSearchForm) -> Criteria:
        def text(value: str | None) -> str | None:
            return unicodedata.normalize("NFKC", value or "").strip().upper() or None

        return cls(
            case_no=text(form.case_no.data), procedure=form.procedure.data or None,
            status=form.status.data or None, date_from=form.date_from.data, date_to=form.date_to.data,
            kana=normalise_kana(form.kana.data) or None, birth_date=form.birth_date.data,
            atena_no=text(form.atena_no.data),
        )

    def describe(self) -> str:
        """The conditions in words, for the access log's 詳細."""
        labels = (("case_no", "案件番号"), ("procedure", "手続"), ("status", "状態"), ("date_from", "開始日から"),
                  ("date_to", "開始日まで"), ("kana", "カナ氏名"), ("birth_date", "生年月日"),
                  ("atena_no", "宛名番号"))
        parts = [f"{label}={getattr(self, name)}" for name, label in labels if getattr(self, name)]
        return "、".join(parts) or "条件なし"


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def case_query(criteria: Criteria) -> Select:
    """Cases with their subject (if any), newest first; subject conditions use the registry's indexes."""
    query = select(Case, Resident).outerjoin(Resident, Resident.id == Case.resident_id)
    if criteria.case_no and FULL_CASE_NO.match(criteria.case_no):
        query = query.where(Case.case_no == criteria.case_no)
    elif criteria.case_no:  # a part, e.g. the serial "123" read out on the phone
        query = query.where(Case.case_no.like("%" + _like_prefix(criteria.case_no), escape="\\"))
    if criteria.procedure:
        query = query.where(Case.procedure == criteria.procedure)
    if criteria.status:
        query = query.where(Case.status == criteria.status)
    if criteria.date_from:
        query = query.where(Case.opened_at >= jst_day_start(criteria.date_from))
    if criteria.date_to:
        query = query.where(Case.opened_at < jst_day_start(criteria.date_to + timedelta(days=1)))
    if criteria.kana:
        query = query.where(Resident.name_kana.like(_like_prefix(criteria.kana), escape="\\"))
    if criteria.birth_date:
        query = query.where(Resident.birth_date == criteria.birth_date)
    if criteria.atena_no:
        query = query.where(Resident.atena_no == criteria.atena_no)
    return query.order_by(Case.opened_at.desc(), Case.id.desc())
