"""File imports from the browser: upload, background job with progress, counts, reject file."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from models import AccessLog, Resident, VaccinationRecord
from models.staff import Role
from tests.auth_helpers import csrf_token
from tests.registry_files import person, write_registry
from tests.screens.conftest import wait_for_job
from tests.test_vaccinations import COLUMNS, row


def upload(client, path: str, data: bytes, name: str = "juki.csv", **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, "/imports/"), **fields,
                                   "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def job_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/jobs/")
    return int(location.rsplit("/", 1)[1])


def count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(staff_client, clock):
    client, _ = staff_client(Role.ADMIN)
    return client


def test_cp932_registry_file_with_a_reject_imports_in_the_background(admin, db, tmp_path):
    rows = [person(1, **{"氏名_姓": "髙橋"}), person(2, **{"氏名_姓": "山﨑"}),
            person(3, **{"生年月日": "1960-02-30"})]
    data = write_registry(tmp_path / "juki.csv", rows, encoding="cp932").read_bytes()
    response = upload(admin, "/imports/registry", data, mode="full", encoding="auto")
    job = wait_for_job(db, job_id_of(response))
    assert (job.status, job.total, job.done) == ("done", 3, 3), job.message
    assert "新規 2 件" in job.message and "エラー 1 件" in job.message
    with db.transaction() as session:
        names = set(session.scalars(select(Resident.family_name)))
    assert names == {"髙橋", "山﨑"}

    page = admin.get("/imports/").get_data(as_text=True)
    assert f"/imports/{job.id}/rejects" in page and "新規 2 件" in page
    rejects = admin.get(f"/imports/{job.id}/rejects")
    assert rejects.status_code == 200
    lines = list(csv.reader(io.StringIO(rejects.data.decode("utf-8-sig"))))
    assert len(lines) == 2 and lines[1][0] == "4" and "生年月日" in lines[1][1]
    with db.transaction() as session:
        logged = session.scalars(select(AccessLog).where(AccessLog.detail.like("取込エラー行%"))).all()
    assert len(logged) == 1


def test_vaccination_file_without_rejects_offers_no_reject_file(admin, db, tmp_path):
    with db.transaction() as session:
        session.add(Resident(atena_no="0000000001", family_name="加賀", given_name="花子",
                             family_name_kana="カガ", given_name_kana="ハナコ", name_kana="カガ\u3000ハナコ",
                             birth_date=date(1950, 1, 1), sex="2",
                             address="石川県金沢市本町一丁目1番99号", voucher_no="5000000001"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(row())
    response = upload(admin, "/imports/vaccinations", out.getvalue().encode("utf-8"), name="clinic.csv",
                      encoding="utf-8")
    job = wait_for_job(db, job_id_of(response))
    assert job.status == "done" and "登録 1 件" in job.message, job.message
    assert count(db, VaccinationRecord) == 1
    assert admin.get(f"/imports/{job.id}/rejects").status_code == 404


def test_unreadable_or_oversized_uploads_are_refused_with_a_message(admin, app, db):
    empty = upload(admin, "/imports/registry", b"", mode="delta", encoding="auto")
    assert empty.status_code == 400 and "ファイルが空です" in empty.get_data(as_text=True)
    wrong = upload(admin, "/imports/registry", "氏名,住所\r\n加賀,金沢\r\n".encode(), mode="delta",
                   encoding="utf-8")
    failed = wait_for_job(db, job_id_of(wrong))
    assert failed.status == "failed" and "項目名が定義と一致しません" in failed.message, failed.message
    missing = admin.post("/imports/registry", data={"csrf_token": csrf_token(admin, "/imports/"),
                                                    "mode": "delta", "encoding": "auto"})
    assert missing.status_code == 400 and "ファイルを選んでください" in missing.get_data(as_text=True)
    app.config["SESSHU_IMPORT_MAX_BYTES"] = 10
    try:
        large = upload(admin, "/imports/registry", b"x" * 100, mode="delta", encoding="auto")
    finally:
        del app.config["SESSHU_IMPORT_MAX_BYTES"]
    assert large.status_code == 400 and "大きすぎます" in large.get_data(as_text=True)
    assert count(db, Resident) == 0
