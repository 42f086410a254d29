"""Staff enter and correct vaccination records on screens; every change is versioned and logged."""

from __future__ import annotations

from sqlalchemy import select

from models import VaccinationRecord
from models.staff import Role
from tests.residents.conftest import access_rows, open_person, token

THIRD_DOSE = {
    "dose_number": "3", "vaccinated_on": "2022-01-20", "product": "スパイクバックス筋注",
    "manufacturer": "モデルナ", "lot_no": "3004667", "clinic": "犀川内科クリニック",
    "doctor": "山田 医師", "category": "special_temporary", "voucher_no": "",
}


def record_of(db, resident_id: int, dose_number: int) -> VaccinationRecord:
    with db.transaction() as session:
        record = session.scalars(select(VaccinationRecord).where(
            VaccinationRecord.resident_id == resident_id,
            VaccinationRecord.dose_number == dose_number)).one()
        session.expunge(record)
        return record


def correction(record: VaccinationRecord, **changes) -> dict:
    data = {
        "dose_number": str(record.dose_number), "vaccinated_on": record.vaccinated_on.isoformat(),
        "product": record.product, "manufacturer": record.manufacturer, "lot_no": record.lot_no,
        "clinic": record.clinic, "doctor": record.doctor or "", "category": record.category,
        "voucher_no": record.voucher_no or "", "version": str(record.version),
        "reason": "予診票との照合で誤りを発見",
    }
    data.update(changes)
    return data


def test_a_dose_is_registered_and_logged(town, staff_client, db, clock):
    client, account = staff_client(Role.COUNTER)
    takahashi = town["takahashi"]
    assert client.get(f"/residents/{takahashi}/vaccinations/new").status_code == 302  # reason first
    open_person(client, takahashi, reason="窓口での証明書交付申請")
    path = f"/residents/{takahashi}/vaccinations/new"
    response = client.post(path, data={"csrf_token": token(client, path), **THIRD_DOSE})
    assert response.status_code == 302, response.get_data(as_text=True)
    record = record_of(db, takahashi, 3)
    assert (record.lot_no, record.version, record.municipality_code) == ("3004667", 1, "172014")
    updates = access_rows(db, "update")
    assert [(u.atena_no, u.reason, u.staff_id) for u in updates] == [
        ("0000012345", "窓口での証明書交付申請", account.id)]


def test_an_implausible_dose_is_refused_with_the_reasons_and_the_input_kept(town, staff_client, db):
    client, _ = staff_client(Role.SUPERVISOR)
    open_person(client, town["takahashi"])
    path = f"/residents/{town['takahashi']}/vaccinations/new"
    bad = {**THIRD_DOSE, "vaccinated_on": "2021-07-01", "lot_no": "AB12"}
    response = client.post(path, data={"csrf_token": token(client, path), **bad})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "3か月以上の間隔がありません" in text and "数字7桁" in text
    assert 'value="AB12"' in text and 'value="犀川内科クリニック"' in text
    assert access_rows(db, "update") == []


def test_correction_versions_the_record_and_shows_who_changed_what(town, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    open_person(client, town["takahashi"])
    record = record_of(db, town["takahashi"], 2)
    path = f"/residents/vaccinations/{record.id}"
    data = correction(record, lot_no="FD1234", clinic="犀川内科医院")
    response = client.post(path, data={"csrf_token": token(client, path), **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert record_of(db, town["takahashi"], 2).version == 2
    page = client.get(path).get_data(as_text=True)
    assert "FC9880" in page and "FD1234" in page and "犀川内科医院" in page
    assert "予診票との照合で誤りを発見" in page and "試験 staff1" in page
    assert len(access_rows(db, "update")) == 1


def test_a_correction_made_from_an_old_version_is_refused_and_keeps_the_input(town, staff_client, db):
    first, _ = staff_client(Role.COUNTER)
    second, _ = staff_client(Role.SUPERVISOR)
    for client in (first, second):
        open_person(client, town["takahashi"])
    record = record_of(db, town["takahashi"], 2)
    path = f"/residents/vaccinations/{record.id}"
    first_token, second_token = token(first, path), token(second, path)  # both opened version 1
    assert first.post(path, data={"csrf_token": first_token,
                                  **correction(record, lot_no="FD1234")}).status_code == 302
    late = second.post(path, data={"csrf_token": second_token,
                                   **correction(record, clinic="別の医療機関", reason="医療機関名の誤り")})
    text = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "他の職員が訂正しました" in text
    assert 'value="別の医療機関"' in text and "医療機関名の誤り" in text  # input kept
    assert 'name="version" value="2"' in text  # resubmitting now applies to the newest version
    saved = record_of(db, town["takahashi"], 2)
    assert (saved.version, saved.lot_no, saved.clinic) == (2, "FD1234", "犀川内科クリニック")


def test_correction_needs_a_reason(town, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    open_person(client, town["takahashi"])
    record = record_of(db, town["takahashi"], 2)
    path = f"/residents/vaccinations/{record.id}"
    response = client.post(path, data={"csrf_token": token(client, path),
                                       **correction(record, lot_no="FD1234", reason="")})
    assert response.status_code == 400 and "訂正理由を入力してください" in response.get_data(as_text=True)
    assert record_of(db, town["takahashi"], 2).version == 1


def test_examiners_see_residents_but_do_not_edit_records(town, staff_client, db):
    client, _ = staff_client(Role.EXAMINER)
    open_person(client, town["takahashi"])
    page = client.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    assert "接種記録を登録" not in page
    record = record_of(db, town["takahashi"], 2)
    assert client.get(f"/residents/vaccinations/{record.id}").status_code == 403
