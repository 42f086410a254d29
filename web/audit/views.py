"""Screens of 監査担当: the access log (search, CSV export) and the login/operation log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context
from sqlalchemy import func, select

from models import hash_chain
from models.access_log import ACCESS_LOG_CHAIN, AccessAction, AccessLog
from models.security_event import SECURITY_EVENT_CHAIN, SecurityEvent
from models.staff import Role
from web import clock
from web.access_log import log_access
from web.audit.forms import AccessLogSearchForm, SecurityLogSearchForm
from web.audit.queries import access_log_query, security_log_query
from web.db import database
from web.db import session as db_session
from web.security import roles
from web.timefmt import JST, jst

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100
CSV_HEADER = ("ID", "処理日時", "職員ID番号", "職員", "部署", "端末", "処理事由", "宛名番号",
              "処理内容", "詳細")


def _access_filters(form: AccessLogSearchForm) -> dict:
    return {
        "atena_no": (form.person.data or "").strip() or None,
        "staff": (form.staff.data or "").strip() or None,
        "action": form.action.data or None,
        "date_from": form.date_from.data,
        "date_to": form.date_to.data,
    }


def _describe(filters: dict) -> str:
    labels = {"atena_no": "宛名番号", "staff": "職員", "action": "処理内容",
              "date_from": "から", "date_to": "まで"}
    parts = [f"{labels[k]}={v}" for k, v in filters.items() if v]
    return "、".join(parts) or "条件なし"


def _page(form) -> int:
    return form.page.data or 1


@bp.get("/access-log")
@roles(Role.AUDITOR)
def access_log():
    form = AccessLogSearchForm(request.args)
    rows: list[AccessLog] = []
    total = 0
    if form.validate():
        filters = _access_filters(form)
        query = access_log_query(**filters)
        db = db_session()
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.scalars(
            query.order_by(AccessLog.id.desc()).offset((_page(form) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        if filters["atena_no"]:
            log_access(AccessAction.SEARCH, atena_no=filters["atena_no"],
                       reason="アクセスログの監査", detail=f"アクセスログ検索（{_describe(filters)}）")
            db.commit()
    return render_template("audit/access_log.html", form=form, rows=rows, total=total,
                           page=_page(form), page_size=PAGE_SIZE, args=request.args)


def _csv_lines(filters: dict) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield "\ufeff" + flush()  # BOM: Excel opens UTF-8 Japanese correctly
    with database().Session() as db:
        query = access_log_query(**filters).order_by(AccessLog.id)
        for n, row in enumerate(db.scalars(query.execution_options(yield_per=1000)), 1):
            writer.writerow((
                row.id, jst(row.at), row.staff_id or "", row.staff_name or "",
                row.department or "", row.terminal or "", row.reason or "",
                row.atena_no or "", row.action_label, row.detail or "",
            ))
            if n % 500 == 0:
                yield flush()
    yield flush()


@bp.get("/access-log.csv")
@roles(Role.AUDITOR)
def access_log_csv():
    form = AccessLogSearchForm(request.args)
    if not form.validate():
        return render_template("audit/access_log.html", form=form, rows=[], total=0, page=1,
                               page_size=PAGE_SIZE, args=request.args), 400
    filters = _access_filters(form)
    db = db_session()
    count = db.scalar(select(func.count()).select_from(access_log_query(**filters).subquery()))
    # The export is itself an access-log row, written before the file leaves.
    log_access(AccessAction.EXPORT, atena_no=filters["atena_no"], reason="アクセスログの監査",
               detail=f"アクセスログCSV出力 {count}件（{_describe(filters)}）")
    db.commit()
    stamp = clock.now().astimezone(JST).strftime("%Y%m%d%H%M%S")
    return Response(
        stream_with_context(_csv_lines(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="access_log_{stamp}.csv"'},
    )


@bp.get("/security-log")
@roles(Role.AUDITOR)
def security_log():
    form = SecurityLogSearchForm(request.args)
    rows: list[SecurityEvent] = []
    total = 0
    if form.validate():
        query = security_log_query(
            staff=(form.staff.data or "").strip() or None, event=form.event.data or None,
            date_from=form.date_from.data, date_to=form.date_to.data,
        )
        db = db_session()
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.scalars(
            query.order_by(SecurityEvent.id.desc()).offset((_page(form) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
    return render_template("audit/security_log.html", form=form, rows=rows, total=total,
                           page=_page(form), page_size=PAGE_SIZE, args=request.args)


@bp.get("/integrity")
@roles(Role.AUDITOR)
def integrity():
    """Check both hash chains now (the same check as `flask audit verify`)."""
    results = []
    for spec, label in ((ACCESS_LOG_CHAIN, "アクセスログ"), (SECURITY_EVENT_CHAIN, "ログイン・操作ログ")):
        with database().Session() as session:
            checked, failure = hash_chain.verify(session, spec)
        results.append((label, checked, failure))
    return render_template("audit/integrity.html", results=results, checked_at=clock.now())
