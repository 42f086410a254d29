"""外部媒体への書き出し: the rows of an approved export, its encrypted file and its steps.

The `data_export` process (bpmn/data_export.bpmn) calls `export/record_decision` after
the supervisor's decision and `export/expire` when the 24-hour download window closes.
The screens call `count_rows` when a request is made, `prepare_file` to build the
AES-256 zip (its password is returned once and never stored) and `take_file` for the
single download.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pyzipper
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from handlers import registry
from models.access_log import AccessAction, AccessLog, Actor, record_access
from models.export_request import ExportKind, ExportRequest, ExportStatus
from models.my_number_access import may_view_my_number
from models.resident import Resident, ResidentStatus
from models.staff import Staff
from models.vaccination import VaccinationCategory, VaccinationRecord
from models.wareki import format_wareki

MAX_ROWS = 5000  # one export holds at most this many rows
DOWNLOAD_WINDOW = timedelta(hours=24)
# Letters and digits that cannot be mistaken for one another when copied by hand.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # noqa: S105
PASSWORD_LENGTH = 20
JST = timezone(timedelta(hours=9), "JST")  # the days asked are local days
SYSTEM_ACTOR = Actor(staff_id=None, staff_name="システム（書き出し工程）", department=None, terminal=None)


class ExportRefused(Exception):
    """The export step cannot be done; str(error) is a Japanese message for the screen."""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple]
    atena_nos: frozenset[str]  # the people whose data the file holds


# --- what a request covers ------------------------------------------------------------------


def count_rows(session: Session, kind: ExportKind | str, criteria: dict) -> int:
    kind = ExportKind(kind)
    if kind is ExportKind.VACCINATIONS_BY_PERIOD:
        query = select(func.count()).select_from(VaccinationRecord).where(*_period(criteria))
    elif kind is ExportKind.PEOPLE:
        atena_nos = criteria["atena_nos"]
        people = session.scalar(select(func.count()).select_from(Resident)
                                .where(Resident.atena_no.in_(atena_nos))) or 0
        if people < len(atena_nos):
            found = set(session.scalars(select(Resident.atena_no).where(Resident.atena_no.in_(atena_nos))))
            missing = [a for a in atena_nos if a not in found]
            raise ExportRefused(f"登録されていない宛名番号があります: {'、'.join(missing[:10])}")
        query = (select(func.count()).select_from(Resident)
                 .outerjoin(VaccinationRecord, VaccinationRecord.resident_id == Resident.id)
                 .where(Resident.atena_no.in_(atena_nos)))
    else:
        query = select(func.count()).select_from(AccessLog).where(*_log_filter(criteria))
    return session.scalar(query) or 0


def _period(criteria: dict):
    start, end = date.fromisoformat(criteria["date_from"]), date.fromisoformat(criteria["date_to"])
    return VaccinationRecord.vaccinated_on >= start, VaccinationRecord.vaccinated_on <= end


def _log_filter(criteria: dict):
    start = datetime.combine(date.fromisoformat(criteria["date_from"]), datetime.min.time(), JST)
    end = datetime.combine(date.fromisoformat(criteria["date_to"]), datetime.min.time(), JST) + timedelta(days=1)
    return AccessLog.atena_no == criteria["atena_no"], AccessLog.at >= start, AccessLog.at < end


# --- steps of the process -------------------------------------------------------------------


def record_decision(context: registry.HandlerContext, export_request_id: int, decision: str,
                    comment: str | None = None) -> str:
    """After the supervisor's decision: approved requests may be downloaded for 24 hours."""
    request = _locked(context.session, export_request_id)
    if request.status != ExportStatus.REQUESTED:
        return request.status
    request.decided_at = context.now
    request.decision_comment = (comment or "").strip()[:200] or None
    if decision == "approve":
        request.status = ExportStatus.APPROVED
        request.expires_at = context.now + DOWNLOAD_WINDOW
    else:
        request.status = ExportStatus.REJECTED
    context.session.flush()
    return request.status


def expire(context: registry.HandlerContext, export_request_id: int) -> str:
    """The download window closed: an approved request that was not downloaded expires."""
    request = _locked(context.session, export_request_id)
    if request.status == ExportStatus.APPROVED:
        request.status = ExportStatus.EXPIRED
        request.file_data = None
        context.session.flush()
        record_access(context.session, SYSTEM_ACTOR, AccessAction.EXPORT, reason=request.reason,
                      detail=f"書き出し申請 {_case_no(request)} の期限切れ（ダウンロードされずに終了）",
                      now=context.now)
    return request.status


registry.register("export/record_decision", record_decision,
                  ["export_request_id", "decision", registry.Parameter("comment", required=False)],
                  "書き出し申請の承認・却下を記録する")
registry.register("export/expire", expire, ["export_request_id"],
                  "ダウンロード期限を過ぎた書き出し申請を終了する")


def _locked(session: Session, export_request_id: int) -> ExportRequest:
    request = session.get(ExportRequest, int(export_request_id), with_for_update=True)
    if request is None:
        raise ExportRefused("書き出し申請が見つかりません。")
    return request


def _case_no(request: ExportRequest) -> str:
    return request.case.case_no if request.case is not None else f"#{request.id}"


# --- the file -------------------------------------------------------------------------------


def _check_download(request: ExportRequest, staff: Staff, now: datetime) -> None:
    if request.requester_id != staff.id:
        raise ExportRefused("書き出しファイルを受け取れるのは申請した職員だけです。")
    if request.status == ExportStatus.DOWNLOADED:
        raise ExportRefused("この書き出しファイルは既にダウンロードされています（1回限り）。")
    if request.status == ExportStatus.EXPIRED or (
        request.status == ExportStatus.APPROVED and request.expires_at is not None
        and now >= request.expires_at
    ):
        raise ExportRefused("ダウンロードの期限（承認から24時間）を過ぎました。必要なら申請し直してください。")
    if request.status != ExportStatus.APPROVED:
        raise ExportRefused("この申請は承認されていないため、書き出せません。")


def prepare_file(session: Session, export_request_id: int, staff: Staff, now: datetime) -> str:
    """Build the encrypted file once; returns its password, which is stored nowhere."""
    request = _locked(session, export_request_id)
    _check_download(request, staff, now)
    if request.prepared_at is not None:
        raise ExportRefused("書き出しファイルは作成済みです。パスワードは作成時に一度だけ表示されました。")
    table = build_table(session, request, staff)
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
    stem = f"{ExportKind(request.kind).value}_{_case_no(request)}"
    data = encrypted_zip(f"{stem}.csv", csv_bytes(table), password)
    request.file_name = f"{stem}.zip"
    request.file_data = data
    request.file_sha256 = hashlib.sha256(data).hexdigest()
    request.prepared_at = now
    session.flush()
    return password


def take_file(session: Session, export_request_id: int, staff: Staff,
              now: datetime) -> tuple[str, bytes, ExportRequest]:
    """The single download: hands out the file and empties it in the same transaction."""
    request = _locked(session, export_request_id)
    _check_download(request, staff, now)
    if request.prepared_at is None or request.file_data is None:
        raise ExportRefused("先に書き出しファイルを作成してください。")
    name, data = request.file_name or "export.zip", request.file_data
    taken = session.execute(
        update(ExportRequest)
        .where(ExportRequest.id == request.id, ExportRequest.status == ExportStatus.APPROVED,
               ExportRequest.downloaded_at.is_(None))
        .values(status=ExportStatus.DOWNLOADED, downloaded_at=now, file_data=None)
    ).rowcount
    if taken != 1:
        raise ExportRefused("この書き出しファイルは既にダウンロードされています（1回限り）。")
    session.expire(request)
    return name, data, request


def people_in(session: Session, request: ExportRequest) -> list[str]:
    """宛名番号 of everyone whose data the export holds (for the access log)."""
    criteria = request.criteria
    kind = ExportKind(request.kind)
    if kind is ExportKind.PEOPLE:
        return sorted(criteria["atena_nos"])
    if kind is ExportKind.ACCESS_LOG:
        return [criteria["atena_no"]]
    return sorted(set(session.scalars(
        select(Resident.atena_no).join(VaccinationRecord, VaccinationRecord.resident_id == Resident.id)
        .where(*_period(criteria))
    )))


DOSE_HEADER = ("接種回数", "接種日", "ワクチン名", "メーカー", "Lot.No", "実施医療機関", "接種医",
               "接種区分", "接種券番号", "接種券の市町村コード")


def build_table(session: Session, request: ExportRequest, staff: Staff) -> Table:
    """The rows of the file; 個人番号 only when the requester holds the permission."""
    with_my_number = may_view_my_number(staff)
    kind = ExportKind(request.kind)
    if kind is ExportKind.ACCESS_LOG:
        rows = session.scalars(select(AccessLog).where(*_log_filter(request.criteria))
                               .order_by(AccessLog.id).limit(MAX_ROWS)).all()
        return Table(
            ("処理日時", "職員", "部署", "端末", "処理事由", "宛名番号", "処理内容", "詳細"),
            [(r.at.isoformat(), r.staff_name or "", r.department or "", r.terminal or "",
              r.reason or "", r.atena_no or "", r.action_label, r.detail or "") for r in rows],
            frozenset({request.criteria["atena_no"]}),
        )
    person_header = ("宛名番号", *(("個人番号",) if with_my_number else ()), "氏名", "カナ氏名",
                     "生年月日", "生年月日（和暦）", "住所", "状態")
    if kind is ExportKind.PEOPLE:
        query = (select(Resident, VaccinationRecord)
                 .outerjoin(VaccinationRecord, VaccinationRecord.resident_id == Resident.id)
                 .where(Resident.atena_no.in_(request.criteria["atena_nos"])))
    else:
        query = (select(Resident, VaccinationRecord)
                 .join(VaccinationRecord, VaccinationRecord.resident_id == Resident.id)
                 .where(*_period(request.criteria)))
    pairs = session.execute(query.order_by(Resident.atena_no, VaccinationRecord.dose_number)
                            .limit(MAX_ROWS)).all()
    rows = [(*_person(resident, with_my_number), *_dose(record)) for resident, record in pairs]
    return Table((*person_header, *DOSE_HEADER), rows, frozenset(r.atena_no for r, _ in pairs))


def _person(resident: Resident, with_my_number: bool) -> tuple:
    return (resident.atena_no, *((resident.my_number or "",) if with_my_number else ()),
            resident.full_name, resident.name_kana, resident.birth_date.isoformat(),
            format_wareki(resident.birth_date), resident.address, ResidentStatus(resident.status).label)


def _dose(record: VaccinationRecord | None) -> tuple:
    if record is None:
        return ("",) * len(DOSE_HEADER)
    try:
        category = VaccinationCategory(record.category).label
    except ValueError:
        category = record.category
    return (record.dose_number, record.vaccinated_on.isoformat(), record.product, record.manufacturer,
            record.lot_no, record.clinic, record.doctor or "", category, record.voucher_no or "",
            record.municipality_code)


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows(_texts(table.rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8 Japanese


def _texts(rows: Iterable[tuple]) -> Iterable[tuple]:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return (tuple(f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c for c in row) for row in rows)


def encrypted_zip(member: str, data: bytes, password: str) -> bytes:
    """One file in a zip encrypted with AES-256 (WinZip AE-2), readable by 7-Zip and others."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode("ascii"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr(member, data)
    return buffer.getvalue()
