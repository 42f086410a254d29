"""Retention report: records past the five-year minimum of people who no longer live here."""

from __future__ import annotations

from datetime import date

from handlers.retention import records_past_retention, retention_cutoff
from models import Resident, VaccinationRecord


def dose(resident: Resident, number: int, day: date) -> VaccinationRecord:
    return VaccinationRecord(resident=resident, dose_number=number, vaccinated_on=day,
                             product="コミナティ筋注", manufacturer="ファイザー", lot_no="FC9880",
                             clinic="犀川内科クリニック", category="special_temporary")


def person(serial: int, **values) -> Resident:
    return Resident(atena_no=f"{serial:010d}", family_name="犀川", given_name="一郎",
                    family_name_kana="サイガワ", given_name_kana="イチロウ",
                    name_kana="サイガワ\u3000イチロウ", birth_date=date(1940, 1, 1), sex="1",
                    address="石川県金沢市寺町三丁目3番99号", **values)


def test_cutoff_counts_whole_years_and_leap_days():
    assert retention_cutoff(date(2026, 11, 26)) == date(2021, 11, 26)
    assert retention_cutoff(date(2028, 2, 29)) == date(2023, 2, 28)


def test_only_old_records_of_people_no_longer_resident_are_listed(db, cli):
    with db.transaction() as session:
        stayed = person(1)
        left = person(2, status="moved_out", moved_out_on=date(2022, 3, 1))
        died = person(3, status="deceased", died_on=date(2023, 1, 5))
        session.add_all([
            dose(stayed, 1, date(2021, 5, 1)),
            dose(left, 1, date(2021, 5, 1)), dose(left, 2, date(2021, 5, 25)),
            dose(left, 3, date(2021, 12, 20)),
            dose(died, 1, date(2021, 6, 1)),
        ])
    with db.transaction() as session:
        listed = list(records_past_retention(session, today=date(2026, 11, 26)))
        assert [(c.atena_no, c.dose_number, c.status) for c in listed] == [
            ("0000000002", 1, "転出"), ("0000000002", 2, "転出"), ("0000000003", 1, "死亡")]
        assert listed[2].left_on == date(2023, 1, 5)
        longer = list(records_past_retention(session, today=date(2026, 11, 26), years=6))
        assert longer == []

    result = cli.invoke(args=["retention", "report", "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "0000000002,犀川\u3000一郎,転出,2022-03-01,2021-05-01,1,コミナティ筋注" in result.output
    assert "3 件" in result.output
    assert cli.invoke(args=["retention", "report", "--years", "4"]).exit_code == 2
