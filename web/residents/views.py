"""住民検索 and the resident page (住民の詳細).

Searches are POSTed (a 個人番号 or 接種券番号 never lands in a URL, a proxy log or the
browser history) and each one writes a SEARCH row. Opening a person asks for the
処理事由; every view of the page writes a VIEW row with it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from sqlalchemy import select

from handlers.dose_schedule import dose_schedule
from handlers.residence_history import residence_history
from handlers.resident_search import (
    SearchError,
    SearchNotPermitted,
    SearchResult,
    search_by_my_number,
    search_by_three_items,
    search_by_voucher_no,
)
from models.access_log import AccessAction
from models.case import PROTECTED_PROCEDURES, Case, CaseStatus, Procedure
from models.resident import Resident, ResidentStatus, Sex
from models.wareki import format_wareki
from web.access_log import log_access
from web.db import session as db_session
from web.masking import current_may_view_my_number, require_my_number_search
from web.residents.access import (
    FLAG_ENDPOINT,
    RESIDENT_ROLES,
    may_record,
    reachable_url,
    reason_for,
    remember_reason,
    shows_flag,
)
from web.residents.flag import flag_state
from web.residents.forms import ReasonForm, SearchForm
from web.security import roles

bp = Blueprint("residents", __name__, url_prefix="/residents")

MODES = {"voucher": "接種券番号", "my_number": "個人番号", "three": "3情報"}


@bp.get("/")
@roles(*RESIDENT_ROLES)
def search():
    return render_template("residents/search.html", form=SearchForm(), reason_form=ReasonForm(),
                           result=None, mode="voucher", may_search_my_number=current_may_view_my_number())


@bp.post("/")
@roles(*RESIDENT_ROLES)
def run_search():
    form = SearchForm()
    mode = form.mode.data if form.mode.data in MODES else "voucher"
    permitted = current_may_view_my_number()
    if mode == "my_number":
        require_my_number_search()  # 403 for staff without the permission, before anything else
    result: SearchResult | None = None
    error = None
    if form.validate():
        try:
            result = _search(mode, form, permitted)
        except SearchNotPermitted:
            abort(403, description="個人番号で検索する権限がありません。")
        except SearchError as exc:
            error = str(exc)
    else:
        error = "入力内容を確認してください。"
    if result is not None:
        _log_search(mode, result)
    form.my_number.data = ""  # never echo a 個人番号 back into the page
    return render_template("residents/search.html", form=form, reason_form=ReasonForm(), result=result,
                           mode=mode, error=error, may_search_my_number=permitted), 400 if error else 200


def _log_search(mode: str, result: SearchResult) -> None:
    """One SEARCH row per person the results show (so an auditor finds it under the person's
    宛名番号), or one row without a person when nobody matched. The terms are not logged."""
    session = db_session()
    count = f"{len(result.people)}件{'以上' if result.truncated else ''}"
    detail = f"住民検索（{MODES[mode]}）該当 {count}"
    ids = [p.resident_id for p in result.people]
    atena_nos = session.scalars(select(Resident.atena_no).where(Resident.id.in_(ids))
                                .order_by(Resident.atena_no)).all() if ids else [None]
    for atena_no in atena_nos:
        log_access(AccessAction.SEARCH, atena_no=atena_no, detail=detail)
    session.commit()


def _search(mode: str, form: SearchForm, permitted: bool) -> SearchResult:
    session = db_session()
    if mode == "my_number":
        return search_by_my_number(session, form.my_number.data or "", may_search_by_my_number=permitted)
    if mode == "three":
        return search_by_three_items(session, name=form.name.data, birth_date=form.birth_date.data,
                                     address=form.address.data)
    return search_by_voucher_no(session, form.voucher_no.data or "")


def _resident(resident_id: int) -> Resident:
    resident = db_session().get(Resident, resident_id)
    if resident is None:
        abort(404)
    return resident


@bp.post("/<int:resident_id>/open")
@roles(*RESIDENT_ROLES)
def open_person(resident_id: int):
    """Open a person from the results: the 処理事由 is required and written with the view."""
    resident = _resident(resident_id)
    form = ReasonForm()
    if not form.validate():
        return render_template("residents/reason.html", form=form, resident_id=resident.id), 400
    remember_reason(resident.id, form.chosen())
    return redirect(url_for("residents.show", resident_id=resident.id))


@bp.get("/<int:resident_id>")
@roles(*RESIDENT_ROLES)
def show(resident_id: int):
    resident = _resident(resident_id)
    reason = reason_for(resident.id)
    if reason is None:  # reached without giving a reason (a bookmark, a link): ask first
        return render_template("residents/reason.html", form=ReasonForm(), resident_id=resident.id)
    session = db_session()
    settings = current_app.config["SESSHU"]
    shown = shows_flag()
    cases = session.scalars(select(Case).where(Case.resident_id == resident.id)
                            .order_by(Case.opened_at.desc())).all()
    if not shown:
        cases = [c for c in cases if c.procedure not in PROTECTED_PROCEDURES]
    page = render_template(
        "residents/show.html", resident=resident, reason=reason,
        status_label=ResidentStatus(resident.status).label, sex_label=Sex(resident.sex).label,
        birth_wareki=format_wareki(resident.birth_date),
        history=residence_history(session, resident.id),
        schedule=dose_schedule(session, resident.id, settings.municipality_code),
        cases=[(c, _label(Procedure, c.procedure), _label(CaseStatus, c.status),
                reachable_url("cases.show", case_id=c.id)) for c in cases],
        may_record=may_record(), shows_flag=shown,
        flag_state=flag_state(session, resident) if shown else None,
        flag_url=reachable_url(FLAG_ENDPOINT, atena_no=resident.atena_no),
    )
    log_access(AccessAction.VIEW, atena_no=resident.atena_no, reason=reason, detail="住民の詳細画面")
    session.commit()
    return page


def _label(enum_class, value: str) -> str:
    try:
        return enum_class(value).label
    except ValueError:
        return value
