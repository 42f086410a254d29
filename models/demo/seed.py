"""Fill an empty database with the demo city: staff for every role, residents, doses."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from models.credentials import hash_password
from models.demo.people import generate_people
from models.resident import Resident
from models.staff import Department, Role, Staff, StaffRole
from models.vaccination import DEFAULT_MUNICIPALITY_CODE, VaccinationRecord

DEMO_PASSWORD = "sesshu-demo-2026"  # noqa: S105 - the published demo password

DEPARTMENTS = (
    ("HEALTH", "保健局 健康政策課 予防接種担当"),
    ("RELIEF", "保健局 健康政策課 健康被害救済担当"),
    ("INFO", "総務局 情報政策課"),
    ("AUDIT", "監査事務局"),
)


@dataclass(frozen=True)
class DemoAccount:
    login_id: str
    full_name: str
    department: str
    roles: tuple[Role, ...]
    may_view_my_number: bool = False


# Two of each approving role, so that every second-person check can be tried.
DEMO_ACCOUNTS = (
    DemoAccount("madoguchi1", "窓口 一郎", "HEALTH", (Role.COUNTER,), True),
    DemoAccount("madoguchi2", "窓口 花子", "HEALTH", (Role.COUNTER,)),
    DemoAccount("kantoku1", "監督 次郎", "HEALTH", (Role.SUPERVISOR, Role.COUNTER), True),
    DemoAccount("kantoku2", "監督 良子", "HEALTH", (Role.SUPERVISOR,), True),
    DemoAccount("shinsa1", "審査 三郎", "RELIEF", (Role.EXAMINER,), True),
    DemoAccount("gyomu1", "業務 四郎", "HEALTH", (Role.PROCESS_OWNER,)),
    DemoAccount("gyomu2", "業務 五月", "HEALTH", (Role.PROCESS_OWNER,)),
    DemoAccount("kansa1", "監査 六郎", "AUDIT", (Role.AUDITOR,)),
    DemoAccount("kanri1", "管理 七子", "INFO", (Role.ADMIN,)),
    DemoAccount("flag1", "保護 八重", "HEALTH", (Role.FLAG_OFFICER, Role.COUNTER)),
    DemoAccount("flag2", "保護 九郎", "HEALTH", (Role.FLAG_OFFICER,)),
)


class DatabaseNotEmpty(RuntimeError):
    pass


@dataclass
class SeedReport:
    staff: int
    residents: int
    vaccinations: int


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Staff)) and not session.scalar(
        select(func.count()).select_from(Resident)
    )


def demo_totp_secret(login_id: str, seed: int) -> str:
    """Deterministic base32 TOTP secret for a demo account (demo only)."""
    rng = random.Random(f"{seed}:{login_id}")  # noqa: S311 - demo accounts only
    return base64.b32encode(rng.randbytes(20)).decode()


def seed_demo(session: Session, *, residents: int = 2000, seed: int = 1) -> SeedReport:
    """Write the demo city into an empty database in the caller's transaction."""
    if not is_empty(session):
        raise DatabaseNotEmpty("データベースには既にデータがあります。")
    departments = {code: Department(code=code, name=name) for code, name in DEPARTMENTS}
    session.add_all(departments.values())
    password_hash = hash_password(DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        staff = Staff(
            login_id=account.login_id,
            full_name=account.full_name,
            department=departments[account.department],
            password_hash=password_hash,
            totp_secret=demo_totp_secret(account.login_id, seed),
            may_view_my_number=account.may_view_my_number,
        )
        staff.role_grants = [StaffRole(role=role.value) for role in account.roles]
        session.add(staff)
    session.flush()

    resident_count = dose_count = 0
    batch: list = []
    for person in generate_people(residents, seed=seed):
        batch.append(person)
        if len(batch) == 1000:
            dose_count += _insert_people(session, batch)
            resident_count += len(batch)
            batch = []
    if batch:
        dose_count += _insert_people(session, batch)
        resident_count += len(batch)
    return SeedReport(staff=len(DEMO_ACCOUNTS), residents=resident_count, vaccinations=dose_count)


def _insert_people(session: Session, people: list) -> int:
    rows = [
        {
            "atena_no": p.atena_no, "my_number": p.my_number, "voucher_no": p.voucher_no,
            "family_name": p.family_name, "given_name": p.given_name,
            "family_name_kana": p.family_name_kana, "given_name_kana": p.given_name_kana,
            "name_kana": p.name_kana, "birth_date": p.birth_date, "sex": p.sex,
            "postal_code": p.postal_code, "address": p.address, "household_no": p.household_no,
            "status": str(p.status), "moved_in_on": p.moved_in_on,
            "previous_address": p.previous_address,
            "previous_municipality_code": p.previous_municipality_code,
            "moved_out_on": p.moved_out_on, "died_on": p.died_on,
        }
        for p in people
    ]
    session.execute(insert(Resident), rows)
    ids = dict(
        session.execute(
            select(Resident.atena_no, Resident.id).where(
                Resident.atena_no.in_([p.atena_no for p in people])
            )
        ).all()
    )
    doses = [
        {
            "resident_id": ids[p.atena_no],
            # A dose given before moving in was on the former city's voucher.
            "voucher_no": p.voucher_no if d.municipality_code == DEFAULT_MUNICIPALITY_CODE else None,
            "dose_number": d.dose_number, "vaccinated_on": d.vaccinated_on,
            "product": d.product, "manufacturer": d.manufacturer, "lot_no": d.lot_no,
            "clinic": d.clinic, "doctor": d.doctor, "category": d.category,
            "municipality_code": d.municipality_code,
        }
        for p in people
        for d in p.doses
    ]
    if doses:
        session.execute(insert(VaccinationRecord), doses)
    return len(doses)
