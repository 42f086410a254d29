"""Claims list and claim page for the staff who handle 健康被害救済 claims.

Work that belongs to a process step is done in the step's task screen; here staff keep
the claim's files (checklist, attachments, receipts, 医療手当 months), print its letters,
and enter what arrives from outside: the national result, an appeal, a withdrawal.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select

from handlers.relief import attachments, letters
from handlers.relief.amounts import compute
from handlers.relief.claims import issue_access_code
from handlers.relief.common import ReliefError, local_date
from handlers.relief.documents import documents_of, latest_correction
from handlers.relief.review import latest, record_national_result
from models.access_log import AccessAction
from models.case import Case, CaseStatus, Procedure
from models.case_milestone import CaseMilestone
from models.relief_claim import BenefitKind, ReliefClaim
from models.relief_document import ReliefAttachment, ReliefCorrection
from models.relief_payment import AllowanceMonth, PensionInstalment, ReliefPayment, ReliefReceipt
from models.relief_review import (
    CommitteeOpinion,
    Forwarding,
    NationalResult,
    ReliefAppeal,
    ReliefDecision,
)
from models.resident import Resident
from models.staff import Role
from models.vaccination import VaccinationCategory, VaccinationRecord
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff
from web.db import session as db_session
from web.relief.forms import (
    AllowanceForm,
    AppealForm,
    DocumentsReceivedForm,
    NationalResultForm,
    ReceiptForm,
    RulingForm,
    UploadForm,
    VaccinationLookupForm,
    WithdrawalForm,
)
from web.relief.settings import relief_settings
from web.security import roles
from workflows.errors import WorkflowError
from workflows.service import Actor, send_message, start_case
from workflows.service import claim as claim_task

bp = Blueprint("relief", __name__, url_prefix="/relief")
PROCESS_KEY = "relief_claim"
STAFF = (Role.COUNTER, Role.EXAMINER, Role.SUPERVISOR)
REVIEWERS = (Role.EXAMINER, Role.SUPERVISOR)
REASON = "健康被害救済給付の請求・審査"
# Stages during which the claim is with the prefecture / national council.
AT_NATIONAL_COUNCIL = ("県経由で国へ進達済", "国審査会審議中", "保留（追加資料依頼）")


def _claim_or_404(claim_id: int) -> ReliefClaim:
    claim = db_session().get(ReliefClaim, claim_id)
    if claim is None:
        abort(404)
    return claim


def _actor() -> Actor:
    return Actor.of(current_staff(), terminal=f"{request.remote_addr} {request.user_agent}"[:200])


def _folder() -> Path:
    return Path(current_app.instance_path) / "relief_attachments"


def _today() -> date:
    return local_date(clock.now())


def _back(claim: ReliefClaim):
    return redirect(url_for("relief.claim", claim_id=claim.id))


@bp.get("/")
@roles(*STAFF)
def index():
    """Claims by stage; for those with the national council, how long they have waited."""
    session = db_session()
    stage = request.args.get("stage") or None
    query = select(ReliefClaim, Case).join(Case, Case.id == ReliefClaim.case_id).order_by(Case.opened_at)
    rows = session.execute(query).all()
    first_sent = dict(session.execute(
        select(Forwarding.claim_id, Forwarding.sent_on).where(Forwarding.kind == "initial").order_by(Forwarding.id.desc())
    ).all())
    today = _today()
    counts: dict[str, int] = {}
    listed = []
    for claim, case in rows:
        current = case.stage or "受付済"
        counts[current] = counts.get(current, 0) + 1
        if stage and current != stage:
            continue
        waiting = (today - first_sent[claim.id]).days if current in AT_NATIONAL_COUNCIL and claim.id in first_sent else None
        listed.append({"claim": claim, "case": case, "stage": current, "waiting_days": waiting,
                       "sent_on": first_sent.get(claim.id)})
    listed.sort(key=lambda r: -(r["waiting_days"] or -1))
    return render_template("relief/index.html", rows=listed, counts=sorted(counts.items()), stage=stage,
                           may_open=Role.COUNTER in current_staff().roles,
                           benefit_label=lambda kind: BenefitKind(kind).label)


class StartForm(FlaskForm):
    """Only the CSRF token: opening a claim takes no input (請求受付 asks for it)."""


@bp.route("/claims/new", methods=["GET", "POST"])
@roles(Role.COUNTER)
def new():
    """Open a claim case and go to its 請求受付 task, claimed by the clerk."""
    form = StartForm()
    error = None
    if form.validate_on_submit():
        session = db_session()
        actor = _actor()
        try:
            state = start_case(session, Procedure.RELIEF, PROCESS_KEY, actor)
            if state.ready_tasks:
                claim_task(session, state.ready_tasks[0], actor)
            session.commit()
        except WorkflowError as exc:
            session.rollback()
            error = str(exc)
        else:
            if state.ready_tasks:
                return redirect(url_for("tasks.show", task_guid=state.ready_tasks[0]))
            error = "請求受付の作業が作成されませんでした。工程定義を確認してください。"
    return render_template("relief/new.html", form=form, error=error)


@bp.get("/vaccinations")
@roles(*STAFF)
def vaccinations():
    """接種記録の確認: the records of one person by 宛名番号, with the number 請求受付 asks for."""
    session = db_session()
    form = VaccinationLookupForm(request.args, meta={"csrf": False})
    resident, records = None, []
    if request.args and form.validate():
        resident = session.scalars(select(Resident).where(Resident.atena_no == form.atena_no.data.strip())).first()
        if resident is None:
            flash("この宛名番号の住民が見つかりません。", "error")
        else:
            records = list(session.scalars(select(VaccinationRecord).where(VaccinationRecord.resident_id == resident.id)
                                           .order_by(VaccinationRecord.vaccinated_on)))
            log_access(AccessAction.SEARCH, atena_no=resident.atena_no, reason=form.reason.data,
                       detail="救済請求のための接種記録の確認")
            session.commit()
    return render_template("relief/vaccinations.html", form=form, resident=resident, records=records,
                           category_label=lambda c: VaccinationCategory(c).label)


@bp.get("/claims/<int:claim_id>")
@roles(*STAFF)
def claim(claim_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    documents = documents_of(session, claim.id)

    def rows(model, order=None):
        return list(session.scalars(select(model).where(model.claim_id == claim.id).order_by(order or model.id)))

    payments = rows(ReliefPayment)
    instalments = list(session.scalars(select(PensionInstalment).where(
        PensionInstalment.payment_id.in_([p.id for p in payments])).order_by(PensionInstalment.due_on)))
    try:
        preview = [] if payments else compute(session, claim, _today())
    except ReliefError as exc:
        preview, preview_error = [], str(exc)
    else:
        preview_error = None
    documents_form = DocumentsReceivedForm(received_on=_today())
    documents_form.received.choices = [(d.id, d.name) for d in documents if d.received_on is None]
    upload_form = UploadForm()
    upload_form.purpose.choices = [(d.code, d.name) for d in documents] + [("committee", "調査委員会の意見書"),
                                                                          ("other", "その他")]
    context = dict(
        claim=claim, case=claim.case, documents=documents, attachments=rows(ReliefAttachment),
        corrections=rows(ReliefCorrection), opinions=rows(CommitteeOpinion), forwardings=rows(Forwarding),
        results=rows(NationalResult), decisions=rows(ReliefDecision), appeals=rows(ReliefAppeal),
        receipts=rows(ReliefReceipt, ReliefReceipt.paid_on), months=rows(AllowanceMonth, AllowanceMonth.month),
        payments=payments, instalments=instalments, preview=preview, preview_error=preview_error,
        milestones=list(session.scalars(select(CaseMilestone).where(CaseMilestone.case_id == claim.case_id)
                                        .order_by(CaseMilestone.reached_at, CaseMilestone.id))),
        documents_form=documents_form, upload_form=upload_form, receipt_form=ReceiptForm(),
        allowance_form=AllowanceForm(), result_form=NationalResultForm(notified_on=_today()),
        appeal_form=AppealForm(filed_on=_today()), ruling_form=RulingForm(ruled_on=_today()),
        withdrawal_form=WithdrawalForm(withdrawn_on=_today()), is_reviewer=not current_staff().roles.isdisjoint(REVIEWERS),
        benefit_label=lambda kind: BenefitKind(kind).label, status_label=CaseStatus(claim.case.status).label,
    )
    log_access(AccessAction.VIEW, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"救済請求 {claim.receipt_no}")
    session.commit()
    return render_template("relief/claim.html", **context)


@bp.get("/cases/<int:case_id>")
@roles(*STAFF)
def claim_of_case(case_id: int):
    """The claim page of a case (the task screens link here)."""
    claim = db_session().scalars(select(ReliefClaim).where(ReliefClaim.case_id == case_id)).first()
    if claim is None:
        abort(404)
    return _back(claim)


@bp.post("/claims/<int:claim_id>/receipt-slip")
@roles(*STAFF)
def receipt_slip(claim_id: int):
    """Print the 受付票 with a new one-time access code (any earlier code stops working)."""
    session = db_session()
    claim = _claim_or_404(claim_id)
    code = issue_access_code(session, claim, clock.now())
    settings = relief_settings()
    pdf = letters.receipt_slip(claim, code, settings.sender, _today(), url_for("relief_status.index", _external=True))
    log_access(AccessAction.PRINT, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"受付票（アクセスコード発行） {claim.receipt_no}")
    session.commit()
    return _pdf(pdf, f"receipt-{claim.receipt_no}.pdf")


@bp.get("/claims/<int:claim_id>/letters/<kind>.pdf")
@roles(*STAFF)
def letter(claim_id: int, kind: str):
    session = db_session()
    claim = _claim_or_404(claim_id)
    settings = relief_settings()
    if kind == "correction":
        correction = latest_correction(session, claim.id)
        if correction is None:
            abort(404)
        pdf, title = letters.correction_letter(claim, correction, settings.sender, _today()), "補正依頼書"
    elif kind == "forwarding":
        forwarding = latest(session, Forwarding, claim.id)
        if forwarding is None:
            abort(404)
        pdf = letters.forwarding_cover(claim, forwarding, latest(session, CommitteeOpinion, claim.id),
                                       settings.sender, settings.prefecture)
        title = "進達書"
    elif kind == "decision":
        decision = latest(session, ReliefDecision, claim.id)
        if decision is None:
            abort(404)
        pdf = letters.decision_notice(claim, decision, latest(session, NationalResult, claim.id), settings.sender,
                                      settings.prefecture)
        title = "決定通知書"
    else:
        abort(404)
    log_access(AccessAction.PRINT, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"{title} {claim.receipt_no}")
    session.commit()
    return _pdf(pdf, f"{kind}-{claim.receipt_no}.pdf")


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.post("/claims/<int:claim_id>/documents")
@roles(*STAFF)
def documents(claim_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    form = DocumentsReceivedForm()
    open_documents = [d for d in documents_of(session, claim.id) if d.received_on is None]
    form.received.choices = [(d.id, d.name) for d in open_documents]
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(claim)
    chosen = set(form.received.data or [])
    for document in open_documents:
        if document.id in chosen:
            document.received_on, document.received_by_id = form.received_on.data, current_staff().id
    log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"書類の受領 {len(chosen)} 件 {claim.receipt_no}")
    session.commit()
    flash(f"{len(chosen)} 件の書類を受領済みにしました。", "success")
    return _back(claim)


@bp.post("/claims/<int:claim_id>/attachments")
@roles(*STAFF)
def upload(claim_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    form = UploadForm()
    form.purpose.choices = [(d.code, d.name) for d in documents_of(session, claim.id)] + [
        ("committee", "調査委員会の意見書"), ("other", "その他")]
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(claim)
    limit = relief_settings().upload_max_bytes
    data = form.file.data.read(limit + 1)
    try:
        row = attachments.store(session, _folder(), claim.id, form.purpose.data, form.file.data.filename or "",
                                data, current_staff().id, max_bytes=limit)
    except ReliefError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(claim)
    log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"添付書類の登録 {row.id} {claim.receipt_no}")
    session.commit()
    flash("ファイルを添付しました。", "success")
    return _back(claim)


@bp.get("/claims/<int:claim_id>/attachments/<int:attachment_id>")
@roles(*STAFF)
def attachment(claim_id: int, attachment_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    row = session.get(ReliefAttachment, attachment_id)
    if row is None or row.claim_id != claim.id:
        abort(404)
    try:
        data = attachments.read(_folder(), row)
    except (OSError, ReliefError) as exc:
        flash(str(exc) if isinstance(exc, ReliefError) else "添付ファイルを読み出せません。", "error")
        return _back(claim)
    log_access(AccessAction.VIEW, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"添付書類の閲覧 {row.id} {claim.receipt_no}")
    session.commit()
    response = Response(data, mimetype=row.media_type)
    response.headers["Content-Disposition"] = f'inline; filename="attachment-{row.id}"'
    return response


@bp.post("/claims/<int:claim_id>/receipts")
@roles(*STAFF)
def add_receipt(claim_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    form = ReceiptForm()
    if form.validate_on_submit():
        session.add(ReliefReceipt(claim_id=claim.id, paid_on=form.paid_on.data, amount=form.amount.data))
        log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
                   detail=f"医療費の領収額の登録 {claim.receipt_no}")
        session.commit()
        flash("領収額を登録しました。", "success")
    else:
        _flash_errors(form)
    return _back(claim)


@bp.post("/claims/<int:claim_id>/allowance-months")
@roles(*STAFF)
def add_allowance_month(claim_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    form = AllowanceForm()
    if form.validate_on_submit():
        month = form.month.data.replace(day=1)
        existing = session.scalars(select(AllowanceMonth).where(AllowanceMonth.claim_id == claim.id,
                                                                AllowanceMonth.month == month)).first()
        row = existing or AllowanceMonth(claim_id=claim.id, month=month)
        row.outpatient_days, row.inpatient_days = form.outpatient_days.data or 0, form.inpatient_days.data or 0
        session.add(row)
        log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
                   detail=f"医療手当の月の登録 {month:%Y-%m} {claim.receipt_no}")
        session.commit()
        flash(f"{month:%Y年%m月}の日数を登録しました。", "success")
    else:
        _flash_errors(form)
    return _back(claim)


@bp.post("/claims/<int:claim_id>/national-result")
@roles(*REVIEWERS)
def national_result(claim_id: int):
    """国の審査結果: stored, then delivered to the case waiting for it."""
    session = db_session()
    claim = _claim_or_404(claim_id)
    form = NationalResultForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(claim)
    try:
        row = record_national_result(session, claim, form.outcome.data, form.reason_code.data or None,
                                     form.notified_on.data, current_staff().id, form.note.data)
        send_message(session, "relief_national_result", claim.receipt_no,
                     {"outcome": row.outcome, "result_id": row.id}, actor=_actor(), clock=clock.now)
    except (ReliefError, WorkflowError) as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(claim)
    log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"国の審査結果の登録 {claim.receipt_no}")
    session.commit()
    flash("国の審査結果を登録しました。", "success")
    return _back(claim)


@bp.post("/claims/<int:claim_id>/appeal")
@roles(*REVIEWERS)
def appeal(claim_id: int):
    claim = _claim_or_404(claim_id)
    form = AppealForm()
    return _deliver(claim, form, "relief_appeal", lambda: {"filed_on": form.filed_on.data.isoformat()},
                    "審査請求を記録しました。", "審査請求の登録")


@bp.post("/claims/<int:claim_id>/withdrawal")
@roles(*STAFF)
def withdrawal(claim_id: int):
    claim = _claim_or_404(claim_id)
    form = WithdrawalForm()

    def payload() -> dict:  # the reason stays on the claim; the workflow gets the date only
        claim.withdrawal_reason = form.reason.data.strip()[:200] or None
        return {"withdrawn_on": form.withdrawn_on.data.isoformat()}

    return _deliver(claim, form, "relief_withdrawal", payload, "取下げを記録しました。", "取下げの登録")


def _deliver(claim: ReliefClaim, form, message: str, payload, done: str, detail: str):
    session = db_session()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(claim)
    try:
        send_message(session, message, claim.receipt_no, payload(), actor=_actor(), clock=clock.now)
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(claim)
    log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
               detail=f"{detail} {claim.receipt_no}")
    session.commit()
    flash(done, "success")
    return _back(claim)


@bp.post("/claims/<int:claim_id>/appeals/<int:appeal_id>/ruling")
@roles(*REVIEWERS)
def ruling(claim_id: int, appeal_id: int):
    session = db_session()
    claim = _claim_or_404(claim_id)
    row = session.get(ReliefAppeal, appeal_id)
    if row is None or row.claim_id != claim.id:
        abort(404)
    form = RulingForm()
    if form.validate_on_submit():
        row.ruling, row.ruled_on = form.ruling.data, form.ruled_on.data
        log_access(AccessAction.UPDATE, atena_no=claim.resident.atena_no, reason=REASON,
                   detail=f"審査請求の裁決の登録 {claim.receipt_no}")
        session.commit()
        flash("裁決を記録しました。", "success")
    else:
        _flash_errors(form)
    return _back(claim)


def _flash_errors(form) -> None:
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")
