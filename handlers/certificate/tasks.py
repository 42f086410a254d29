"""Service tasks of the process `certificate_issuance`, registered as BPMN operators.

- `certificate/issue`  — 発行: issue (or, for a 再交付, reissue) the certificate with the
  doses staff picked, and link it to the application
- `certificate/reject` — 却下: fix the rejection notice's date (the PDF is rendered from
  the stored application, identical on every print)

Both use the case of the running instance; each writes a 印刷・発行 access-log row.
The certificate configuration (city code, issuer names, signing keys) comes from the
application through `use_config`, called by the web layer at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, timezone

from handlers import registry
from handlers.certificate.eligibility import Passport
from handlers.certificate.errors import CertificateError
from handlers.certificate.issuance import (
    CertificateConfig,
    issue_certificate,
    reissue_certificate,
)
from handlers.certificate.procedure import ACCESS_REASON, log_actor, required_application
from handlers.certificate.rejection import RejectionNotice, render_rejection_pdf
from handlers.registry import HandlerContext
from models.access_log import AccessAction, record_access
from models.certificate import CertificateKind
from models.certificate_application import CertificateApplication, Outcome
from models.staff import Staff

JST = timezone(timedelta(hours=9), "JST")

_config_source: Callable[[], CertificateConfig] | None = None


def use_config(source: Callable[[], CertificateConfig]) -> None:
    """Tell the service tasks where the certificate configuration comes from."""
    global _config_source
    _config_source = source


def current_config() -> CertificateConfig:
    if _config_source is None:
        raise CertificateError("接種証明書の設定が読み込まれていません（アプリケーションから実行してください）。")
    return _config_source()


def issue(context: HandlerContext) -> dict:
    session = context.session
    application = required_application(session, context.case_id)
    if application.outcome != Outcome.ISSUE or application.resident is None:
        raise CertificateError("発行が決定されていない申請です。")
    if application.certificate_id is not None:
        return {"issued": True}  # a retry after a later failure: issued already
    staff = session.get(Staff, application.decided_by_id)
    assert staff is not None
    passport = _application_passport(application)
    common = dict(issued_by=staff, application_date=application.application_date,
                  kind=CertificateKind(application.kind), passport=passport,
                  dose_ids=application.dose_ids, case_id=application.case_id, issued_at=context.now)
    if application.reissue_of is not None:
        certificate = reissue_certificate(session, current_config(), application.reissue_of,
                                          reason=application.reissue_reason or "再交付", **common)
    else:
        certificate = issue_certificate(session, current_config(), resident=application.resident, **common)
    application.certificate_id = certificate.id
    record_access(session, log_actor(session, staff.id), AccessAction.PRINT,
                  atena_no=application.resident.atena_no, reason=ACCESS_REASON,
                  detail=f"接種証明書を作成（証明書ID {certificate.certificate_no}、"
                         f"{CertificateKind(certificate.kind).label}）", now=context.now)
    return {"issued": True}


def reject(context: HandlerContext) -> dict:
    session = context.session
    application = required_application(session, context.case_id)
    if application.outcome != Outcome.REJECT:
        raise CertificateError("却下が決定されていない申請です。")
    record_access(session, log_actor(session, application.decided_by_id), AccessAction.PRINT,
                  atena_no=application.resident.atena_no if application.resident else None,
                  reason=ACCESS_REASON, detail="証明書交付申請の却下通知書を作成", now=context.now)
    return {"rejected": True}


def rejection_pdf(application: CertificateApplication, config: CertificateConfig) -> bytes:
    """The rejection notice of a rejected application (the same bytes on every print)."""
    if application.outcome != Outcome.REJECT or application.decided_at is None:
        raise CertificateError("この申請は却下されていないため、却下通知書はありません。")
    resident = application.resident
    return render_rejection_pdf(RejectionNotice(
        case_no=application.case.case_no,
        family_name=resident.family_name if resident else "",
        given_name=resident.given_name if resident else "",
        birth_date=resident.birth_date if resident else None,
        address=resident.address if resident else None,
        application_date=application.application_date,
        decided_on=application.decided_at.astimezone(JST).date(),
        reason=application.rejection_reason or "",
        issuer_name=config.issuer_name,
    ))


def _application_passport(application: CertificateApplication) -> Passport | None:
    if application.kind != CertificateKind.OVERSEAS:
        return None
    if not (application.passport_no and application.passport_family_name and application.nationality
            and application.passport_expires_on):
        raise CertificateError("海外用の申請に旅券の情報がありません。申請受付を確認してください。")
    return Passport(application.passport_no, application.passport_family_name,
                    application.passport_given_name or "", application.nationality,
                    application.passport_expires_on)


registry.register("certificate/issue", issue, [], "接種証明書を発行する（再交付を含む）")
registry.register("certificate/reject", reject, [], "接種証明書の交付申請を却下し、却下通知書を作成する")
