"""A few fictitious residents with doses and movements for the resident screens."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import AccessLog, Resident, ResidentMovement, VaccinationRecord
from models.demo.people import synthetic_my_number
from models.resident_movement import MovementKind

MY_NUMBER = synthetic_my_number(4321)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def token(client, path: str = "/residents/") -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


@pytest.fixture
def town(db):
    """髙橋 一郎 (moved in from 富山市, two doses, one given there) and 山﨑 京子."""
    with db.transaction() as session:
        takahashi = Resident(
            atena_no="0000012345", my_number=MY_NUMBER, family_name="髙橋", given_name="一郎",
            family_name_kana="タカハシ", given_name_kana="イチロウ", name_kana="タカハシ\u3000イチロウ",
            birth_date=date(1975, 8, 15), sex="1", postal_code="9200962",
            address="石川県金沢市広坂二丁目9番99号", voucher_no="5000012345",
            moved_in_on=date(2021, 5, 1), previous_address="富山県富山市架空町1番地",
            previous_municipality_code="162019",
        )
        yamazaki = Resident(
            atena_no="0000067890", my_number=synthetic_my_number(6789), family_name="山﨑",
            given_name="京子", family_name_kana="ヤマザキ", given_name_kana="キョウコ",
            name_kana="ヤマザキ\u3000キョウコ", birth_date=date(1975, 8, 15), sex="2",
            address="石川県金沢市片町一丁目2番3号", voucher_no="5000067890",
        )
        session.add_all([takahashi, yamazaki])
        session.flush()
        session.add(ResidentMovement(
            resident_id=takahashi.id, kind=MovementKind.MOVED_IN, occurred_on=date(2021, 5, 1),
            previous_value="富山県富山市架空町1番地", new_value="石川県金沢市広坂二丁目9番99号",
            previous_municipality_code="162019",
        ))
        session.add_all([
            VaccinationRecord(resident_id=takahashi.id, dose_number=1, vaccinated_on=date(2021, 4, 20),
                              product="コミナティ筋注", manufacturer="ファイザー", lot_no="EX1234",
                              clinic="富山架空クリニック", category="special_temporary",
                              municipality_code="162019", version=1),
            VaccinationRecord(resident_id=takahashi.id, dose_number=2, vaccinated_on=date(2021, 6, 1),
                              product="コミナティ筋注", manufacturer="ファイザー", lot_no="FC9880",
                              clinic="犀川内科クリニック", category="special_temporary",
                              municipality_code="172014", version=1),
        ])
        return {"takahashi": takahashi.id, "yamazaki": yamazaki.id}


def access_rows(db, action: str | None = None) -> list[AccessLog]:
    with db.transaction() as session:
        query = select(AccessLog).order_by(AccessLog.id)
        if action:
            query = query.where(AccessLog.action == action)
        rows = session.scalars(query).all()
        session.expunge_all()
        return rows


def open_person(client, resident_id: int, reason: str = "本人・代理人からの問い合わせ", other: str = ""):
    return client.post(f"/residents/{resident_id}/open",
                       data={"csrf_token": token(client), "reason": reason, "reason_other": other})
