"""A backup restored into a fresh database holds every case, task event and access-log row,
and the access-log chain still verifies."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.access_log import AccessAction, AccessLog, record_access
from models.access_log import Actor as LogActor
from models.case import Case
from models.staff import Role
from models.task import TaskEvent
from tests.cases.fixtures import actor
from tests.cases.helpers import receive, start
from tests.conftest import fresh_database_url
from web import create_app


def _snapshot(database) -> dict[str, list]:
    with database.Session() as session:
        return {
            "cases": session.execute(select(Case.id, Case.case_no, Case.status).order_by(Case.id)).all(),
            "events": session.execute(select(TaskEvent.id, TaskEvent.action).order_by(TaskEvent.id)).all(),
            "access": session.execute(select(AccessLog.id, AccessLog.row_hash).order_by(AccessLog.id)).all(),
        }


@pytest.fixture
def office(db, case_review, make_resident, make_staff, clock):
    clerk = make_staff("madoguchi_b", Role.COUNTER)
    by = actor(clerk, Role.COUNTER)
    for _ in range(3):
        person = make_resident()
        case_id = start(db, clock, by, resident_id=person.id)
        receive(db, clock, case_id, by)
        with db.transaction() as session:
            record_access(session, LogActor(clerk.id, "窓口 花子", "健康推進課", "127.0.0.1 pytest"),
                          AccessAction.VIEW, atena_no=person.atena_no, reason="証明書の交付")
    return _snapshot(db)


def test_backup_restores_into_a_fresh_database_with_every_row(app, db, cli, office, tmp_path):
    key = Path(app.instance_path) / "test_signer_key"
    key.write_text("secret")
    os.chmod(key, 0o600)

    result = cli.invoke(args=["backup", "create", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    dump = next(p for p in (tmp_path / "out").iterdir() if not p.name.endswith("-instance.tar"))
    keys = next((tmp_path / "out").glob("*-instance.tar"))
    with tarfile.open(keys) as archive:
        member = archive.getmember("test_signer_key")
        assert stat.S_IMODE(member.mode) == 0o600
        assert not any(name.endswith(".db") for name in archive.getnames())

    url = fresh_database_url(tmp_path, "restored")
    restored_app = create_app({"SESSHU_INSTANCE_PATH": str(tmp_path / "restored_instance"),
                               "DATABASE_URL": url, "SECRET_KEY": "x"})
    restored = restored_app.extensions["sesshu_db"]
    try:
        runner = restored_app.test_cli_runner()
        result = runner.invoke(args=["backup", "restore", str(dump)])
        assert result.exit_code == 0, result.output
        assert _snapshot(restored) == office
        assert len(office["cases"]) == 3 and office["events"] and len(office["access"]) >= 3
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        assert "改ざんは見つかりませんでした" in verified.output

        again = runner.invoke(args=["backup", "restore", str(dump)])
        assert again.exit_code != 0
        assert "空ではありません" in again.output
        with restored.Session() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 3
    finally:
        restored.dispose()
