"""Fictitious residents, doses and staff for the certificate tests (個人番号 start with 99)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models import Department, Resident, Staff, VaccinationCategory, VaccinationRecord
from models.demo.people import synthetic_my_number
from models.vaccination import DEFAULT_MUNICIPALITY_CODE

FORMER_CITY = "172103"  # 白山市, where a 転入者 lived before

# (date, product, maker, lot) of the special temporary programme, in order.
COVID_DOSES = [
    (date(2021, 6, 1), "コミナティ筋注", "ファイザー", "FA4597"),
    (date(2021, 6, 22), "コミナティ筋注", "ファイザー", "FC3661"),
    (date(2022, 1, 20), "スパイクバックス筋注", "モデルナ", "3004667"),
    (date(2022, 7, 15), "ヌバキソビッド筋注", "武田（ノババックス）", "NV12345"),
    (date(2022, 11, 2), "コミナティRTU筋注（2価：起源株/オミクロン株BA.4-5）", "ファイザー", "GK1234"),
    (date(2023, 6, 10), "スパイクバックス筋注（2価：起源株/オミクロン株BA.4-5）", "モデルナ", "3009876"),
    (date(2024, 3, 31), "コミナティ筋注（1価：オミクロン株XBB.1.5）", "ファイザー", "HH5678"),
]
CVX_OF_COVID_DOSES = ["208", "208", "207", "211", "300", "229", "309"]


def make_staff(session: Session, login_id: str = "madoguchi9") -> Staff:
    department = Department(code=f"D-{login_id}", name="健康政策課（テスト）")
    session.add(department)
    session.flush()
    staff = Staff(
        login_id=login_id,
        full_name="窓口 花子",
        department_id=department.id,
        password_hash="not-a-real-hash",
    )
    session.add(staff)
    session.flush()
    return staff


def make_resident(
    session: Session,
    serial: int,
    *,
    family_name: str = "金沢",
    given_name: str = "太郎",
    birth_date: date = date(1950, 1, 2),
    previous_municipality_code: str | None = None,
) -> Resident:
    resident = Resident(
        atena_no=f"{serial:015d}",
        my_number=synthetic_my_number(serial),
        family_name=family_name,
        given_name=given_name,
        family_name_kana="カナザワ",
        given_name_kana="タロウ",
        name_kana="カナザワ\u3000タロウ",
        birth_date=birth_date,
        sex="1",
        postal_code="9200962",
        address="石川県金沢市広坂二丁目9番99号 テストハイツ101",
        previous_municipality_code=previous_municipality_code,
        moved_in_on=date(2022, 4, 1) if previous_municipality_code else None,
    )
    session.add(resident)
    session.flush()
    return resident


def add_dose(
    session: Session,
    resident: Resident,
    dose_number: int,
    on: date,
    product: str = "コミナティ筋注",
    maker: str = "ファイザー",
    lot: str = "FA4597",
    *,
    municipality_code: str = DEFAULT_MUNICIPALITY_CODE,
    category: VaccinationCategory = VaccinationCategory.SPECIAL_TEMPORARY,
) -> VaccinationRecord:
    record = VaccinationRecord(
        resident_id=resident.id,
        dose_number=dose_number,
        vaccinated_on=on,
        product=product,
        manufacturer=maker,
        lot_no=lot,
        clinic="犀川内科クリニック",
        category=category,
        municipality_code=municipality_code,
    )
    session.add(record)
    session.flush()
    return record


def add_covid_doses(session: Session, resident: Resident, count: int) -> list[VaccinationRecord]:
    return [
        add_dose(session, resident, number, on, product, maker, lot)
        for number, (on, product, maker, lot) in enumerate(COVID_DOSES[:count], start=1)
    ]
