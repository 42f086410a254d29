"""Certificate documents of a case for staff (blueprint `certificates`).

- `GET/POST /certificates/new`               — open a certificate application (案件) and
                                                 take its first task (申請受付)
- `GET /cases/<id>/certificate.pdf`          — the case's certificate as PDF
- `GET /cases/<id>/certificate.shc`          — the raw `shc:/…` text of its QR code
- `GET /cases/<id>/rejection.pdf`            — the rejection notice of a rejected case

Every document served writes an access-log row (印刷・発行 for the PDFs, 書き出し for the
SHC text) in the same transaction, committed before the response is sent.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, redirect, render_template
from flask_wtf import FlaskForm

from handlers.certificate import tasks as certificate_tasks
from handlers.certificate.errors import CertificateError
from handlers.certificate.issuance import certificate_pdf, certificate_shc
from handlers.certificate.procedure import ACCESS_REASON, application_of
from models.case import Procedure
from models.certificate_application import CertificateApplication
from models.staff import Role
from web.access_log import AccessAction, log_access
from web.auth.current import current_staff
from web.certificate_settings import certificate_config
from web.db import session as db_session
from web.forms import certificate as _process_forms  # noqa: F401 - registers the process's forms
from web.navigation import add_nav_entry
from web.security import roles
from workflows.errors import WorkflowError
from workflows.service import Actor, claim, start_case

bp = Blueprint("certificates", __name__)

PROCESS_KEY = "certificate_issuance"
STAFF = (Role.COUNTER, Role.SUPERVISOR)


def init_app(app: Flask) -> None:
    """Register the blueprint; the process's forms (imported above) are then known to the engine."""
    certificate_tasks.use_config(certificate_config)
    app.register_blueprint(bp)
    add_nav_entry(app, "証明書交付申請の受付", "certificates.new", order=30)


class StartForm(FlaskForm):
    """Only the CSRF token: opening a case takes no input."""


@bp.route("/certificates/new", methods=["GET", "POST"])
@roles(Role.COUNTER)
def new():
    form = StartForm()
    error = None
    if form.validate_on_submit():
        session = db_session()
        actor = Actor.of(current_staff(), terminal=_terminal())
        try:
            state = start_case(session, Procedure.CERTIFICATE, PROCESS_KEY, actor)
            if state.ready_tasks:
                claim(session, state.ready_tasks[0], actor)
            session.commit()
        except WorkflowError as exc:
            session.rollback()
            error = str(exc)
        else:
            if state.ready_tasks:
                return redirect(f"/tasks/{state.ready_tasks[0]}")
            error = "申請受付の作業が作成されませんでした。工程定義を確認してください。"
    return render_template("certificates/new.html", form=form, error=error)


@bp.get("/cases/<int:case_id>/certificate.pdf")
@roles(*STAFF)
def certificate_file(case_id: int):
    application = _application(case_id)
    certificate = application.certificate
    if certificate is None:
        abort(404)
    if certificate.superseded_by is not None:
        abort(409, f"証明書ID {certificate.certificate_no} は再交付により新しい証明書"
                   f"（証明書ID {certificate.superseded_by.certificate_no}）に替わったため、印刷できません。")
    try:
        data = certificate_pdf(certificate, certificate_config())
    except CertificateError as exc:
        abort(409, str(exc))
    log_access(AccessAction.PRINT, atena_no=certificate.resident.atena_no, reason=ACCESS_REASON,
               detail=f"接種証明書PDFの印刷・ダウンロード（証明書ID {certificate.certificate_no}）")
    db_session().commit()
    return _pdf(data, f"certificate-{certificate.certificate_no}.pdf")


@bp.get("/cases/<int:case_id>/certificate.shc")
@roles(*STAFF)
def certificate_shc_text(case_id: int):
    application = _application(case_id)
    certificate = application.certificate
    if certificate is None:
        abort(404)
    text = certificate_shc(certificate)
    log_access(AccessAction.EXPORT, atena_no=certificate.resident.atena_no, reason=ACCESS_REASON,
               detail=f"接種証明書の SMART Health Card を表示（証明書ID {certificate.certificate_no}）")
    db_session().commit()
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": "inline"})


@bp.get("/cases/<int:case_id>/rejection.pdf")
@roles(*STAFF)
def rejection_file(case_id: int):
    application = _application(case_id)
    try:
        data = certificate_tasks.rejection_pdf(application, certificate_config())
    except CertificateError:
        abort(404)
    log_access(AccessAction.PRINT, atena_no=application.resident.atena_no if application.resident else None,
               reason=ACCESS_REASON, detail=f"却下通知書PDFの印刷・ダウンロード（{application.case.case_no}）")
    db_session().commit()
    return _pdf(data, f"rejection-{application.case.case_no}.pdf")


def _application(case_id: int) -> CertificateApplication:
    application = application_of(db_session(), case_id)
    if application is None:
        abort(404)
    return application


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _terminal() -> str:
    from flask import request

    return f"{request.remote_addr} {request.user_agent}"[:300]
