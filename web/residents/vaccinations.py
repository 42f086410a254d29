"""接種記録の登録・訂正 by staff, and a record's change history (who changed what, old and new).

Both screens belong to a person opened with a 処理事由; each render writes a VIEW row and
each saved change an UPDATE row. A correction carries the version it was made from: when
someone saved the record in between, the screen says so and keeps what was typed.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from handlers.vaccination_rules import DOSE_FIELDS, FIELD_LABELS, Dose
from handlers.vaccinations import (
    VaccinationError,
    VersionConflict,
    correct_dose,
    record_history,
    register_dose,
)
from models.access_log import AccessAction
from models.resident import Resident
from models.staff import Staff
from models.vaccination import VaccinationCategory, VaccinationRecord
from models.vaccination_change import ChangeAction
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff
from web.db import session as db_session
from web.residents.access import RECORD_ROLES, reason_for
from web.residents.forms import CorrectionForm, DoseForm
from web.residents.views import bp
from web.security import roles
from web.timefmt import JST


def _dose(form: DoseForm) -> Dose:
    return Dose(
        dose_number=form.dose_number.data, vaccinated_on=form.vaccinated_on.data,
        product=form.product.data, manufacturer=form.manufacturer.data.strip(),
        lot_no=form.lot_no.data.strip(), clinic=form.clinic.data.strip(),
        doctor=(form.doctor.data or "").strip() or None, category=form.category.data,
        voucher_no=(form.voucher_no.data or "").strip() or None,
    )


def _today():
    return clock.now().astimezone(JST).date()


def _staff_id() -> int:
    staff = current_staff()
    assert staff is not None  # the route's declaration guarantees a logged-in person
    return staff.id


@bp.route("/<int:resident_id>/vaccinations/new", methods=["GET", "POST"])
@roles(*RECORD_ROLES)
def new_dose(resident_id: int):
    session = db_session()
    resident = session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    reason = reason_for(resident.id)
    if reason is None:
        return redirect(url_for("residents.show", resident_id=resident.id))
    form = DoseForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            record = register_dose(session, resident_id=resident.id, dose=_dose(form),
                                   staff_id=_staff_id(), today=_today(),
                                   municipality_code=current_app.config["SESSHU"].municipality_code)
        except VaccinationError as exc:
            session.rollback()
            problems = exc.problems
        else:
            log_access(AccessAction.UPDATE, atena_no=resident.atena_no, reason=reason,
                       detail=f"接種記録の登録（{record.dose_number}回目、記録ID {record.id}）")
            session.commit()
            flash(f"{record.dose_number}回目の接種記録を登録しました。", "success")
            return redirect(url_for("residents.show", resident_id=resident.id))
    status = 400 if form.is_submitted() else 200
    page = render_template("residents/dose_new.html", form=form, resident=resident, problems=problems)
    log_access(AccessAction.VIEW, atena_no=resident.atena_no, reason=reason, detail="接種記録の登録画面")
    session.commit()
    return page, status


@bp.route("/vaccinations/<int:record_id>", methods=["GET", "POST"])
@roles(*RECORD_ROLES)
def correct(record_id: int):
    session = db_session()
    record = session.get(VaccinationRecord, record_id)
    if record is None:
        abort(404)
    resident = record.resident
    reason = reason_for(resident.id)
    if reason is None:
        return redirect(url_for("residents.show", resident_id=resident.id))
    form = CorrectionForm(obj=record)  # what was typed wins over the stored values
    problems: list[str] = []
    conflict = False
    if form.validate_on_submit():
        dose = _dose(form)
        changes = {name: getattr(dose, name) for name in DOSE_FIELDS}
        try:
            saved = correct_dose(session, record_id=record.id, changes=changes, reason=form.reason.data,
                                 staff_id=_staff_id(), expected_version=_version(form),
                                 today=_today())
        except VersionConflict as exc:
            session.rollback()
            problems, conflict = exc.problems, True
        except VaccinationError as exc:
            session.rollback()
            problems = exc.problems
        else:
            log_access(AccessAction.UPDATE, atena_no=resident.atena_no, reason=reason,
                       detail=f"接種記録の訂正（記録ID {saved.id}、第{saved.version}版）: {form.reason.data.strip()[:100]}")
            session.commit()
            flash("接種記録を訂正しました。", "success")
            return redirect(url_for("residents.correct", record_id=record.id))
        session.refresh(record)
    status = 409 if conflict else (400 if _posted() else 200)
    page = render_template(
        "residents/dose_correct.html", form=form, record=record, resident=resident,
        problems=problems, conflict=conflict, history=_history(record.id),
    )
    log_access(AccessAction.VIEW, atena_no=resident.atena_no, reason=reason,
               detail=f"接種記録の訂正画面（記録ID {record.id}）")
    session.commit()
    return page, status


def _posted() -> bool:
    return request.method == "POST"


def _version(form: CorrectionForm) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1  # a tampered or missing version can only conflict


def _history(record_id: int) -> list[dict]:
    session = db_session()
    changes = record_history(session, record_id)
    names = dict(session.execute(
        select(Staff.id, Staff.full_name).where(Staff.id.in_({c.staff_id for c in changes if c.staff_id}))
    ).all())
    return [
        {
            "version": c.version, "at": c.changed_at,
            "action": "登録" if c.action == ChangeAction.CREATE else "訂正",
            "field": FIELD_LABELS.get(c.field or "", c.field or ""),
            "old": _shown(c.field, c.old_value), "new": _shown(c.field, c.new_value),
            "reason": c.reason or "",
            "who": names.get(c.staff_id, "") if c.staff_id else "取込（ファイル）",
        }
        for c in changes
    ]


def _shown(field: str | None, value: str | None) -> str:
    if value is None:
        return ""
    if field == "category":
        try:
            return VaccinationCategory(value).label
        except ValueError:
            return value
    return value
