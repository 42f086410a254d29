"""Vaccination records: clinic file import with its checks, staff entry and versioned corrections."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from handlers.csv_source import open_source
from handlers.vaccination_import import COLUMNS, import_vaccinations
from handlers.vaccination_rules import Dose
from handlers.vaccinations import (
    VaccinationError,
    VersionConflict,
    correct_dose,
    record_history,
    register_dose,
)
from handlers.vaccine_products import find_product, lot_problem, same_maker
from models import (
    Department,
    ImportRun,
    Resident,
    Staff,
    VaccinationRecord,
    VaccinationRecordChange,
)
from models.demo.people import generate_people

TODAY = date(2026, 4, 1)


def add_resident(session, serial: int, **values) -> Resident:
    person = Resident(
        atena_no=f"{serial:010d}", family_name="加賀", given_name=f"花子{serial}",
        family_name_kana="カガ", given_name_kana="ハナコ", name_kana="カガ\u3000ハナコ",
        birth_date=date(1950, 1, 1), sex="2", address="石川県金沢市本町一丁目1番99号",
        voucher_no=f"5{serial:09d}", **values,
    )
    session.add(person)
    return person


@pytest.fixture
def people(db):
    with db.transaction() as session:
        add_resident(session, 1)
        add_resident(session, 2, moved_in_on=date(2022, 1, 10),
                     previous_address="富山県富山市架空町1番地")
        add_resident(session, 3, status="moved_out", moved_out_on=date(2021, 12, 31))
        add_resident(session, 4, status="deceased", died_on=date(2021, 7, 1))
        department = Department(code="HEALTH", name="予防接種担当")
        session.add(Staff(login_id="madoguchi1", full_name="窓口 一郎", department=department,
                          password_hash="x"))
    return db


def staff_id(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(Staff.id))


def row(voucher="5000000001", atena="", day="2021-06-01", number="1", product="コミナティ筋注",
        maker="ファイザー", lot="FC9880", clinic="犀川内科クリニック", doctor="山田 医師",
        category="特例臨時接種") -> list[str]:
    return [voucher, atena, day, number, product, maker, lot, clinic, doctor, category]


def write(path, rows, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def rejects(report) -> dict[int, str]:
    with report.reject_file.open(encoding="utf-8-sig", newline="") as handle:
        return {int(line): reason for line, reason, _ in list(csv.reader(handle))[1:]}


def count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_clinic_file_is_imported_and_each_dose_gets_a_history_row(people, cli, tmp_path):
    path = write(tmp_path / "clinic.csv", [
        row(),
        row(voucher="", atena="0000000001", day="2021-06-22", number="2", lot="FD1234"),
        row(day="2022-02-01", number="3", product="スパイクバックス筋注", maker="モデルナ",
            lot="3004667"),
        row(voucher="5000000002", day="2022-06-01", product="ヌバキソビッド筋注",
            maker="武田（ノババックス）", lot="NV-2022-A1"),
        row(voucher="5000000002", day="2024-11-05", number="2",
            product="コスタイベ筋注用", maker="Meiji Seika ファルマ", lot="MS12345",
            category="定期接種(B類)"),
    ], encoding="cp932")
    result = cli.invoke(args=["vaccinations", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "登録 5 件" in result.output and "エラー 0 件" in result.output
    with people.transaction() as session:
        doses = session.scalars(select(VaccinationRecord).order_by(VaccinationRecord.id)).all()
        assert [(d.resident.atena_no, d.dose_number) for d in doses] == [
            ("0000000001", 1), ("0000000001", 2), ("0000000001", 3),
            ("0000000002", 1), ("0000000002", 2)]
        assert doses[-1].category == "routine_b"
        run_id = session.scalar(select(ImportRun.id))
        history = session.scalars(select(VaccinationRecordChange)).all()
        assert len(history) == 5
        assert {(h.action, h.import_run_id, h.staff_id) for h in history} == {
            ("create", run_id, None)}


def test_each_implausible_row_is_rejected_with_a_reason(people, tmp_path):
    path = write(tmp_path / "bad.csv", [
        row(),  # 2: fine
        row(voucher="5000000099"),  # 3: nobody has this voucher
        row(voucher="5000000002", day="2021-12-01"),  # 4: before moving in
        row(voucher="5000000003", day="2022-01-15"),  # 5: after moving out
        row(voucher="5000000004", day="2021-08-01"),  # 6: after death
        row(day="2027-01-05", number="2"),  # 7: future
        row(day="2020-12-01", number="2"),  # 8: before the product was in use (and before dose 1)
        row(day="2021-06-22", number="2", maker="モデルナ"),  # 9: wrong maker
        row(day="2021-06-22", number="2", lot="fc98801"),  # 10: Pfizer lot format
        row(day="2021-06-22", number="2", product="スパイクバックス筋注", maker="モデルナ",
            lot="30046"),  # 11: Moderna lot format
        row(day="2021-06-10", number="2"),  # 12: only 9 days after dose 1
        row(day="2021-09-01", number="3"),  # 13: dose 2 missing
        row(day="2021-06-02"),  # 14: dose 1 again with other details
        row(atena="0000000002"),  # 15: voucher and 宛名番号 disagree
        row(day="2024-05-01", number="2", product="コミナティ筋注（1価：オミクロン株JN.1）"),
        # 16: 特例臨時 after it ended (and product not yet in use)
        row(day="2021-02-30"),  # 17: no such day
        row(voucher="", atena=""),  # 18: no person identifier
        row(voucher="5000000002", day="2022-06-01", product="ヌバキソビッド筋注",
            maker="武田（ノババックス）", lot="X" * 21),  # 19: lot too long
    ])
    report = import_vaccinations(people, open_source(path), today=TODAY)
    assert (report.inserted, report.rejected) == (1, 17)
    reasons = rejects(report)
    expected = {
        3: "接種券番号 5000000099 の住民が見つかりません",
        4: "転入日（2022-01-10）より前",
        5: "転出日（2021-12-31）より後",
        6: "死亡日（2021-07-01）より後",
        7: "未来の日付",
        8: "使用されていません",
        9: "メーカー「モデルナ」はコミナティ筋注のメーカー（ファイザー）と一致しません",
        10: "ファイザーの形式（英大文字2文字＋数字4桁）ではありません",
        11: "モデルナの形式（数字7桁）ではありません",
        12: "18日以上の間隔がありません",
        13: "前回（2回目）の接種記録がありません",
        14: "1回目の接種記録は登録済みです",
        15: "別の住民を指しています",
        16: "特例臨時接種は2024年3月31日までの接種です",
        17: "存在しない日付",
        18: "接種券番号か宛名番号のどちらかが必要です",
        19: "20文字以内",
    }
    assert set(reasons) == set(expected)
    for line, text in expected.items():
        assert text in reasons[line], (line, reasons[line])


def test_the_same_file_twice_adds_nothing_and_reports_duplicates(people, tmp_path):
    path = write(tmp_path / "twice.csv", [row(), row(day="2021-06-22", number="2", lot="FD1234")])
    first = import_vaccinations(people, open_source(path), today=TODAY)
    second = import_vaccinations(people, open_source(path), today=TODAY)
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (second.inserted, second.duplicates, second.rejected) == (0, 2, 0)
    assert second.imported_before
    assert count(people, VaccinationRecord) == 2
    assert count(people, VaccinationRecordChange) == 2


def test_an_interrupted_import_resumes_after_its_last_batch(people, tmp_path):
    rows = [row(voucher="5000000001", day="2021-06-01")]
    with people.transaction() as session:
        for serial in range(10, 40):
            add_resident(session, serial)
    rows += [row(voucher=f"5{serial:09d}") for serial in range(10, 40)]
    path = write(tmp_path / "many.csv", rows)
    calls = []

    def crash(_count):
        calls.append(_count)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_vaccinations(people, open_source(path), batch_size=10, today=TODAY, progress=crash)
    assert count(people, VaccinationRecord) == 20
    resumed = import_vaccinations(people, open_source(path), batch_size=10, today=TODAY)
    assert resumed.resumed_after_line == 21
    assert (resumed.inserted, resumed.duplicates) == (31, 0)
    assert count(people, VaccinationRecord) == 31


def test_staff_entry_and_corrections_are_versioned(people):
    clerk = staff_id(people)
    dose = Dose(dose_number=1, vaccinated_on=date(2021, 6, 1), product="コミナティ筋注",
                manufacturer="ファイザー", lot_no="FC9880", clinic="広坂ファミリー医院",
                doctor="前田 医師", category="special_temporary", voucher_no="5000000001")
    with people.transaction() as session:
        resident_id = session.scalar(select(Resident.id).where(Resident.atena_no == "0000000001"))
        record = register_dose(session, resident_id=resident_id, dose=dose, staff_id=clerk,
                               today=TODAY)
        record_id = record.id
    with people.transaction() as session:
        corrected = correct_dose(
            session, record_id=record_id, changes={"lot_no": "FC9881", "doctor": "北村 医師"},
            reason="予診票の転記誤り", staff_id=clerk, expected_version=1, today=TODAY)
        assert corrected.version == 2
    with people.transaction() as session:
        history = record_history(session, record_id)
        assert [(h.version, h.action, h.field, h.old_value, h.new_value, h.staff_id)
                for h in history] == [
            (1, "create", None, None, None, clerk),
            (2, "update", "lot_no", "FC9880", "FC9881", clerk),
            (2, "update", "doctor", "前田 医師", "北村 医師", clerk),
        ]
        assert all(h.reason == "予診票の転記誤り" for h in history[1:])

    with people.transaction() as session, pytest.raises(VersionConflict):
        correct_dose(session, record_id=record_id, changes={"lot_no": "FC9882"},
                     reason="再訂正", staff_id=clerk, expected_version=1, today=TODAY)
    with people.transaction() as session, pytest.raises(VaccinationError) as error:
        correct_dose(session, record_id=record_id, changes={"lot_no": "1234567"},
                     reason="誤り", staff_id=clerk, expected_version=2, today=TODAY)
    assert "ファイザーの形式" in error.value.problems[0]
    with people.transaction() as session:
        unchanged = session.get(VaccinationRecord, record_id)
        assert (unchanged.lot_no, unchanged.version) == ("FC9881", 2)
    with people.transaction() as session, pytest.raises(VaccinationError, match="理由"):
        correct_dose(session, record_id=record_id, changes={"lot_no": "FC9883"}, reason=" ",
                     staff_id=clerk, expected_version=2, today=TODAY)


def test_staff_entry_refuses_an_inconsistent_dose(people):
    dose = Dose(dose_number=2, vaccinated_on=date(2021, 6, 1), product="コミナティ筋注",
                manufacturer="ファイザー", lot_no="FC9880", clinic="広坂ファミリー医院",
                doctor=None, category="special_temporary")
    with people.transaction() as session:
        resident_id = session.scalar(select(Resident.id).where(Resident.atena_no == "0000000001"))
        with pytest.raises(VaccinationError) as error:
            register_dose(session, resident_id=resident_id, dose=dose,
                          staff_id=staff_id(people), today=TODAY)
    assert error.value.problems == ["前回（1回目）の接種記録がありません。"]
    assert count(people, VaccinationRecord) == 0


def test_every_dose_of_the_demo_city_passes_the_product_and_lot_checks():
    doses = [d for p in generate_people(1500, seed=2) for d in p.doses]
    assert len({d.product for d in doses}) >= 8
    for d in doses:
        product = find_product(d.product)
        assert product is not None and same_maker(product, d.manufacturer), d
        assert product.first_day <= d.vaccinated_on <= product.last_day, d
        assert lot_problem(d.manufacturer, d.lot_no) is None, d
