"""The registry and vaccination-record imports from the browser, for システム管理者.

The uploaded file is stored in the instance folder (`imports/<job id>/upload.csv`) and
imported in the background by the same code as the commands, reporting through a job:
the request returns at once to the job's progress page, whose 戻る link leads back here
to the counts and the reject file.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from handlers.csv_source import SourceError, open_source
from handlers.import_runs import ImportBusy
from handlers.registry_import.importer import import_registry, summarise
from handlers.vaccination_import import import_vaccinations
from models.access_log import AccessAction
from models.db import Database
from models.job import Job, JobProgress, JobStatus
from models.staff import Role
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff
from web.db import database
from web.db import session as db_session
from web.imports.forms import RegistryUploadForm, VaccinationUploadForm
from web.jobs.runner import run_in_background
from web.security import roles

bp = Blueprint("imports", __name__, url_prefix="/imports")
log = logging.getLogger(__name__)

REGISTRY_JOB = "resident_import"
VACCINATION_JOB = "vaccination_import"
JOB_KINDS = (REGISTRY_JOB, VACCINATION_JOB)
DEFAULT_MAX_BYTES = 300 * 1024 * 1024  # a full file of 1,000,000 people is about 200 MB
UPLOAD_NAME = "upload.csv"
REJECTS_NAME = "upload.rejects.csv"  # handlers.import_runs.default_reject_path of the upload
CHUNK = 1024 * 1024


class UploadTooLarge(Exception):
    pass


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _max_bytes() -> int:
    return int(current_app.config.get("SESSHU_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@bp.get("/")
@roles(Role.ADMIN)
def index():
    return _render(RegistryUploadForm(formdata=None), VaccinationUploadForm(formdata=None))


def _render(registry_form, vaccination_form, status: int = 200):
    jobs = db_session().scalars(select(Job).where(Job.kind.in_(JOB_KINDS))
                                .order_by(Job.id.desc()).limit(30)).all()
    rejects = {job.id for job in jobs if (_folder() / str(job.id) / REJECTS_NAME).is_file()}
    now = clock.now()
    status_labels = {job.id: "中断" if job.interrupted(now) else JobStatus(job.status).label for job in jobs}
    return render_template("imports/index.html", registry_form=registry_form,
                           vaccination_form=vaccination_form, jobs=jobs, rejects=rejects,
                           status_labels=status_labels,
                           max_mb=_max_bytes() // (1024 * 1024)), status


@bp.post("/registry")
@roles(Role.ADMIN)
def registry():
    form = RegistryUploadForm()
    if not form.validate_on_submit():
        return _render(form, VaccinationUploadForm(formdata=None), 400)
    mode = form.mode.data
    title = f"住基連携ファイルの取込（{'全件' if mode == 'full' else '異動分'}）"

    def run(db: Database, source, progress: Callable[[int], None]) -> str:
        report = import_registry(db, source, mode=mode, progress=progress)
        lines = [line for line in summarise(report) if not line.startswith("エラー行の一覧")]
        if report.imported_before:
            lines.insert(0, "このファイルは取込済みです。差分のみ反映しました。")
        return " ".join(lines)

    return _start(form.file.data, form.encoding.data, REGISTRY_JOB, title, run,
                  lambda: _render(form, VaccinationUploadForm(formdata=None), 400))


@bp.post("/vaccinations")
@roles(Role.ADMIN)
def vaccinations():
    form = VaccinationUploadForm()
    if not form.validate_on_submit():
        return _render(RegistryUploadForm(formdata=None), form, 400)
    municipality_code = current_app.config["SESSHU"].municipality_code

    def run(db: Database, source, progress: Callable[[int], None]) -> str:
        report = import_vaccinations(db, source, progress=progress, municipality_code=municipality_code)
        prefix = "このファイルは取込済みです。" if report.imported_before else ""
        return (f"{prefix}取込結果: 登録 {report.inserted} 件、重複（登録済み） {report.duplicates} 件、"
                f"エラー {report.rejected} 件")

    return _start(form.file.data, form.encoding.data, VACCINATION_JOB, "接種記録ファイルの取込", run,
                  lambda: _render(RegistryUploadForm(formdata=None), form, 400))


def _start(upload: FileStorage, encoding: str, kind: str, title: str,
           run: Callable[[Database, object, Callable[[int], None]], str], refuse):
    staging = _folder() / f"upload-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        _save(upload, staging / UPLOAD_NAME)
        source = open_source(staging / UPLOAD_NAME, None if encoding == "auto" else encoding)
    except (UploadTooLarge, SourceError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        flash(str(exc) if isinstance(exc, SourceError)
              else f"ファイルが大きすぎます（{_max_bytes() // (1024 * 1024)} MB まで）。", "error")
        return refuse()
    staff = current_staff()
    db = database()
    progress = JobProgress.start(db, kind=kind, title=f"{title}: {upload.filename or ''}"[:200],
                                 owner_id=staff.id if staff else None, total=source.data_rows,
                                 return_to=url_for("imports.index"))
    folder = _folder() / str(progress.job_id)
    if folder.exists():  # left by a database since recreated: no job of this one owns it
        shutil.rmtree(folder)
    staging.rename(folder)
    source = open_source(folder / UPLOAD_NAME, source.encoding_label)

    def work(progress: JobProgress) -> None:
        counter = _Counter(progress)
        try:
            summary = run(db, source, counter)
        except (SourceError, ImportBusy) as exc:
            counter.flush()
            progress.fail(str(exc))
            return
        except SQLAlchemyError:
            log.exception("import job %s stopped", progress.job_id)
            progress.fail("データベースの処理で中断しました。同じファイルを取り込み直すと、確定済みの行の続きから再開します。")
            return
        counter.flush()
        progress.finish(summary)

    run_in_background(progress, work)
    return redirect(url_for("jobs.show", job_id=progress.job_id))


def _save(upload: FileStorage, path: Path) -> None:
    limit, written = _max_bytes(), 0
    with path.open("wb") as out:
        while chunk := upload.stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise UploadTooLarge
            out.write(chunk)
    if written == 0:
        raise SourceError("ファイルが空です。")


class _Counter:
    """The importers' progress callback: rows reach the job in steps, not one commit per row."""

    STEP = 1000

    def __init__(self, progress: JobProgress) -> None:
        self.progress = progress
        self.pending = 0

    def __call__(self, rows: int) -> None:
        self.pending += rows
        if self.pending >= self.STEP:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.progress.advance_by(self.pending)
            self.pending = 0


@bp.get("/<int:job_id>/rejects")
@roles(Role.ADMIN)
def rejects(job_id: int):
    job = db_session().get(Job, job_id)
    path = _folder() / str(job_id) / REJECTS_NAME
    if job is None or job.kind not in JOB_KINDS or not path.is_file():
        abort(404)
    # The rejected rows are people's registry or vaccination data as they arrived.
    log_access(AccessAction.EXPORT, reason="取込エラー行の確認",
               detail=f"取込エラー行の一覧をダウンロード（{job.title}、ジョブ {job.id}）")
    db_session().commit()
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"rejects_{job.id}.csv", max_age=0)
