"""Write a resident-registry file (住基連携ファイル) in the layout of docs/formats/residents.md."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from models.demo.people import Person
from models.resident import ResidentStatus

COLUMNS = (
    "宛名番号", "個人番号", "氏名_姓", "氏名_名", "カナ氏名_姓", "カナ氏名_名", "生年月日", "性別",
    "郵便番号", "住所", "世帯番号", "異動事由", "異動日", "転入前住所", "転入前市町村コード",
)


def _movement(person: Person) -> tuple[str, str]:
    if person.status == ResidentStatus.DECEASED and person.died_on:
        return "死亡", person.died_on.isoformat()
    if person.status == ResidentStatus.MOVED_OUT and person.moved_out_on:
        return "転出", person.moved_out_on.isoformat()
    if person.moved_in_on:
        return "転入", person.moved_in_on.isoformat()
    return "", ""


def write_registry_csv(people: Iterable[Person], out: TextIO) -> int:
    """Write one row per person as they are generated; returns the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for person in people:
        reason, on = _movement(person)
        writer.writerow((
            person.atena_no, person.my_number, person.family_name, person.given_name,
            person.family_name_kana, person.given_name_kana, person.birth_date.isoformat(),
            person.sex, person.postal_code, person.address, person.household_no, reason, on,
            person.previous_address or "", person.previous_municipality_code or "",
        ))
        rows += 1
    return rows
