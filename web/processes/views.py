"""Screens of 業務フロー管理 (process owners only): list, editor, versions, compare, migration."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from handlers import registry as operators
from models.process import ProcessDefinition
from models.process_change import (
    InstanceMigration,
    ProcessDraft,
    ProcessPublication,
    PublicationStatus,
)
from models.staff import ROLE_LABELS, Role
from web import clock
from web.auth import current_staff, terminal
from web.db import session as db_session
from web.forms.generic import discover as discover_forms
from web.processes import APPROVAL_KEY
from web.security import roles
from workflows import drafts, forms, migration, publishing
from workflows.errors import DefinitionInvalid, WorkflowError
from workflows.roles import LANE_ROLES
from workflows.service import Actor
from workflows.validation import MAX_BYTES, parse_safely, validate_bpmn
from workflows.version_diff import diff_versions

bp = Blueprint("processes", __name__, url_prefix="/processes")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


def _actor() -> Actor:
    return Actor.of(current_staff(), terminal=terminal())


def _key_or_404(key: str) -> str:
    if not KEY.match(key):
        abort(404)
    session = db_session()
    known = session.scalar(select(func.count()).select_from(ProcessDefinition)
                           .where(ProcessDefinition.process_key == key))
    known = known or session.scalar(select(func.count()).select_from(ProcessDraft)
                                    .where(ProcessDraft.process_key == key))
    if not known:
        abort(404)
    return key


def _problems_json(problems) -> list[dict]:
    return [{"element_id": p.element_id, "message": p.message} for p in problems]


def _request_xml() -> bytes:
    data = request.get_data(cache=False)
    if len(data) > MAX_BYTES:
        raise DefinitionInvalid([])
    return data


@bp.get("/")
@roles(Role.PROCESS_OWNER)
def index():
    session = db_session()
    newest = dict(session.execute(select(ProcessDefinition.process_key, func.max(ProcessDefinition.version))
                                  .group_by(ProcessDefinition.process_key)).all())
    keys = sorted(set(newest) | set(session.scalars(select(ProcessDraft.process_key).distinct())))
    rows = []
    for key in keys:
        definition = drafts.definition_of(session, key, newest[key]) if key in newest else None
        rows.append({"key": key, "definition": definition, "draft": drafts.open_draft(session, key),
                     "pending": publishing.pending_publication(session, key)})
    return render_template("processes/index.html", rows=rows)


@bp.post("/import")
@roles(Role.PROCESS_OWNER)
def import_new():
    """A .bpmn file becomes the draft of the process it defines (new or existing)."""
    upload = request.files.get("file")
    data = upload.read(MAX_BYTES + 1) if upload else b""
    key = ""

    def load() -> str:
        nonlocal key
        drafts.check_draft(data)
        root, _ = parse_safely(data)
        ids = drafts.process_ids(root)
        if len(ids) != 1 or not KEY.match(ids[0]):
            raise WorkflowError("プロセス（bpmn:process）が 1 つで、ID が英数字のファイルを指定してください。")
        key = ids[0]
        drafts.save_draft(db_session(), key, data, current_staff().id, clock.now(), note="ファイルから読込み")
        return f"「{key}」の下書きとして読み込みました。"

    if not _apply(load):
        return redirect(url_for("processes.index"))
    return redirect(url_for("processes.edit", key=key))


@bp.get("/<key>/edit")
@roles(Role.PROCESS_OWNER)
def edit(key: str):
    key = _key_or_404(key)
    session = db_session()
    return render_template("processes/edit.html", key=key, pending=publishing.pending_publication(session, key),
                           needs_approval=current_app.config[APPROVAL_KEY])


@bp.get("/<key>/document")
@roles(Role.PROCESS_OWNER)
def document(key: str):
    """The XML the editor opens: the open draft, else the newest version."""
    key = _key_or_404(key)
    found = drafts.editor_document(db_session(), key)
    return jsonify(xml=found.xml, source=found.source, base_version=found.base_version,
                   draft_id=found.draft_id, laid_out=found.laid_out)


@bp.get("/<key>/catalog")
@roles(Role.PROCESS_OWNER)
def catalog(key: str):
    """What the properties panel offers: roles (lane names), registered forms and operators."""
    _key_or_404(key)
    discover_forms()
    return jsonify(
        roles=[{"role": str(role), "label": label} for role, label in ROLE_LABELS.items()],
        lanes=sorted(LANE_ROLES),
        forms=forms.registered_form_keys(),
        operators=[{"name": name, "description": op.description,
                    "parameters": [{"name": p.name, "required": p.required, "description": p.description}
                                   for p in op.parameters]}
                   for name in operators.names() for op in [operators.get(name)]],
    )


@bp.post("/<key>/draft")
@roles(Role.PROCESS_OWNER)
def save_draft(key: str):
    key = _key_or_404(key)
    session = db_session()
    base = request.args.get("base_version", type=int)
    try:
        draft = drafts.save_draft(session, key, _request_xml(), current_staff().id, clock.now(), base_version=base)
    except DefinitionInvalid as exc:
        session.rollback()
        return jsonify(saved=False, problems=_problems_json(exc.problems) or [
            {"element_id": "", "message": f"ファイルが大きすぎます（上限 {MAX_BYTES // 1024 // 1024} MB）"}]), 400
    session.commit()
    return jsonify(saved=True, draft_id=draft.id, message="下書きを保存しました。")


@bp.post("/<key>/prepare")
@roles(Role.PROCESS_OWNER)
def prepare(key: str):
    """A file the editor imports: checked as hostile, given a diagram when it has none."""
    key = _key_or_404(key)
    try:
        data = _request_xml()
        drafts.check_draft(data, key)
    except DefinitionInvalid as exc:
        return jsonify(problems=_problems_json(exc.problems) or [
            {"element_id": "", "message": f"ファイルが大きすぎます（上限 {MAX_BYTES // 1024 // 1024} MB）"}]), 400
    xml, laid_out = drafts.with_diagram(data.decode("utf-8"))
    return jsonify(xml=xml, laid_out=laid_out)


@bp.post("/<key>/validate")
@roles(Role.PROCESS_OWNER)
def validate(key: str):
    """The same checks as `processes validate`, on the XML the editor sends."""
    key = _key_or_404(key)
    discover_forms()
    try:
        data = _request_xml()
    except DefinitionInvalid:
        return jsonify(ok=False, problems=[{"element_id": "", "message": "ファイルが大きすぎます"}])
    result = validate_bpmn(data)
    problems = _problems_json(result.problems)
    if result.ok and result.process_key != key:
        problems.append({"element_id": "", "message": f"実行するプロセスの ID「{result.process_key}」が"
                                                      f"業務フロー「{key}」と異なります"})
    return jsonify(ok=not problems, problems=problems)


@bp.post("/<key>/publish")
@roles(Role.PROCESS_OWNER)
def publish(key: str):
    key = _key_or_404(key)
    session = db_session()
    draft = drafts.open_draft(session, key)
    if draft is None:
        flash("公開する下書きがありません。先に保存してください。", "error")
        return redirect(url_for("processes.edit", key=key))

    def request_publication() -> str:
        publication = publishing.request_publication(
            session, draft.id, _actor(), request.form.get("note", ""), clock.now(),
            require_approval=current_app.config[APPROVAL_KEY])
        if publication.status == PublicationStatus.APPROVED:
            return f"第 {publication.definition.version} 版として公開しました。"
        return "公開を申請しました。別の業務管理者の承認後に新しい版になります。"

    if not _apply(request_publication,
                  invalid="検証で問題が見つかったため公開できません。エディタの「検証」で確認してください。"):
        return redirect(url_for("processes.edit", key=key))
    return redirect(url_for("processes.versions", key=key))


@bp.get("/<key>/versions")
@roles(Role.PROCESS_OWNER)
def versions(key: str):
    key = _key_or_404(key)
    session = db_session()
    history = publishing.version_history(session, key)
    requests = session.scalars(select(ProcessPublication).where(ProcessPublication.process_key == key)
                               .order_by(ProcessPublication.requested_at.desc()).limit(50)).all()
    draft = drafts.open_draft(session, key)
    return render_template("processes/versions.html", key=key, history=history, requests=requests, draft=draft,
                           me=current_staff())


def _publication_action(publication_id: int, approve: bool):
    session = db_session()
    publication = session.get(ProcessPublication, publication_id)
    if publication is None:
        abort(404)
    key = publication.process_key

    def decide() -> str:
        if approve:
            definition = publishing.approve(session, publication_id, _actor(), clock.now(),
                                             request.form.get("note") or None)
            return f"承認し、第 {definition.version} 版として公開しました。"
        publishing.reject(session, publication_id, _actor(), clock.now(), request.form.get("note", ""))
        return "公開申請を差し戻しました（または取り下げました）。"

    _apply(decide, invalid="この申請の内容は現在の検証を通りません。")
    return redirect(url_for("processes.versions", key=key))


@bp.post("/publications/<int:publication_id>/approve")
@roles(Role.PROCESS_OWNER)
def approve(publication_id: int):
    return _publication_action(publication_id, approve=True)


@bp.post("/publications/<int:publication_id>/reject")
@roles(Role.PROCESS_OWNER)
def reject(publication_id: int):
    return _publication_action(publication_id, approve=False)


@bp.get("/<key>/versions/<int:version>/xml")
@roles(Role.PROCESS_OWNER)
def version_xml(key: str, version: int):
    key = _key_or_404(key)
    try:
        found = drafts.version_document(db_session(), key, version)
    except WorkflowError:
        abort(404)
    if request.args.get("download"):
        response = current_app.response_class(found.xml, mimetype="application/xml")
        response.headers["Content-Disposition"] = f'attachment; filename="{key}_v{version}.bpmn"'
        return response
    return jsonify(xml=found.xml, source=found.source)


@bp.post("/<key>/versions/<int:version>/restore")
@roles(Role.PROCESS_OWNER)
def restore(key: str, version: int):
    key = _key_or_404(key)

    def restore_it() -> str:
        drafts.restore_version(db_session(), key, version, current_staff().id, clock.now())
        return f"第 {version} 版を新しい下書きとして復元しました。"

    if not _apply(restore_it):
        return redirect(url_for("processes.versions", key=key))
    return redirect(url_for("processes.edit", key=key))


@bp.get("/<key>/compare")
@roles(Role.PROCESS_OWNER)
def compare(key: str):
    key = _key_or_404(key)
    session = db_session()
    numbers = [d.version for d in session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.process_key == key).order_by(ProcessDefinition.version))]
    if not numbers:
        abort(404)
    new = request.args.get("b", type=int) or numbers[-1]
    old = request.args.get("a", type=int) or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    if old not in numbers or new not in numbers:
        abort(404)
    diff = diff_versions(drafts.definition_of(session, key, old).bpmn_xml,
                         drafts.definition_of(session, key, new).bpmn_xml)
    return render_template("processes/compare.html", key=key, numbers=numbers, old=old, new=new, diff=diff)


@bp.get("/<key>/versions/<int:version>/migration")
@roles(Role.PROCESS_OWNER)
def migration_screen(key: str, version: int):
    key = _key_or_404(key)
    session = db_session()
    try:
        target = drafts.definition_of(session, key, version)
    except WorkflowError:
        abort(404)
    answers = migration.candidates(session, target.id)
    done = session.scalars(select(InstanceMigration).join(
        ProcessDefinition, ProcessDefinition.id == InstanceMigration.to_definition_id)
        .where(ProcessDefinition.process_key == key).order_by(InstanceMigration.migrated_at.desc()).limit(100)).all()
    return render_template("processes/migration.html", key=key, target=target, answers=answers, done=done)


@bp.post("/<key>/versions/<int:version>/migration")
@roles(Role.PROCESS_OWNER)
def migrate(key: str, version: int):
    key = _key_or_404(key)
    session = db_session()
    try:
        target = drafts.definition_of(session, key, version)
    except WorkflowError:
        abort(404)
    instance_id = request.form.get("instance_id", type=int)

    def migrate_them() -> str:
        if instance_id:
            migration.migrate(session, instance_id, target.id, _actor(), clock=clock.now)
            return f"案件を第 {version} 版に移行しました。"
        done, left = migration.migrate_all(session, target.id, _actor(), clock=clock.now)
        return f"{len(done)} 件を第 {version} 版に移行しました（移行できないもの {len(left)} 件）。"

    _apply(migrate_them)
    return redirect(url_for("processes.migration_screen", key=key, version=version))


@bp.post("/migrations/<int:migration_id>/revert")
@roles(Role.PROCESS_OWNER)
def revert_migration(migration_id: int):
    session = db_session()
    record = session.get(InstanceMigration, migration_id)
    if record is None:
        abort(404)
    key, version = record.to_definition.process_key, record.to_definition.version

    def revert() -> str:
        migration.revert(session, migration_id, _actor(), clock=clock.now)
        return "移行を元に戻しました。"

    _apply(revert)
    return redirect(url_for("processes.migration_screen", key=key, version=version))


def _apply(change: Callable[[], str], *, invalid: str | None = None) -> bool:
    """Run a change that returns its message: commit it and show the message, or roll it
    back and show why it was refused (each validation problem on its own line, after
    `invalid`). True when the change was kept."""
    session = db_session()
    try:
        message = change()
    except DefinitionInvalid as exc:
        session.rollback()
        for line in ([invalid] if invalid else []) + [str(problem) for problem in exc.problems]:
            flash(line, "error")
        return False
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return False
    session.commit()
    flash(message, "info")
    return True
