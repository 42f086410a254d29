"""The demo city: deterministic, refuses to overwrite data, and streams large registry files."""

import csv
import hashlib
import io
import tracemalloc
from datetime import date
from itertools import pairwise

from sqlalchemy import func, select

from models import Resident, ResidentStatus, Role, Staff, VaccinationRecord
from models.credentials import verify_password
from models.demo.people import generate_people
from models.demo.registry_file import COLUMNS, write_registry_csv
from models.demo.seed import DEMO_PASSWORD, seed_demo
from models.identifiers import validate_my_number, validate_voucher_no
from models.vaccination import DEFAULT_MUNICIPALITY_CODE
from tests.conftest import empty_all_tables


def digest(session) -> str:
    """A fingerprint of every resident and dose, independent of row ids."""
    h = hashlib.sha256()
    for row in session.execute(
        select(Resident.atena_no, Resident.my_number, Resident.name_kana, Resident.birth_date,
               Resident.address, Resident.status).order_by(Resident.atena_no)
    ):
        h.update(repr(tuple(row)).encode())
    for row in session.execute(
        select(Resident.atena_no, VaccinationRecord.dose_number, VaccinationRecord.vaccinated_on,
               VaccinationRecord.lot_no, VaccinationRecord.product)
        .join(Resident).order_by(Resident.atena_no, VaccinationRecord.dose_number)
    ):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_same_seed_gives_the_same_city_and_another_seed_a_different_one(db):
    with db.transaction() as session:
        seed_demo(session, residents=300, seed=7)
        first = digest(session)
    empty_all_tables(db)
    with db.transaction() as session:
        seed_demo(session, residents=300, seed=7)
        assert digest(session) == first
    empty_all_tables(db)
    with db.transaction() as session:
        seed_demo(session, residents=300, seed=8)
        assert digest(session) != first


def test_seed_cli_fills_an_empty_database_with_every_role(cli, db):
    result = cli.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "住民 2000 名" in result.output
    with db.transaction() as session:
        staff = session.scalars(select(Staff)).all()
        assert {role for s in staff for role in s.roles} == set(Role)
        assert all(verify_password(s.password_hash, DEMO_PASSWORD) for s in staff)
        assert session.scalar(select(func.count()).select_from(Resident)) == 2000
        statuses = dict(
            session.execute(select(Resident.status, func.count()).group_by(Resident.status)).all()
        )
        assert statuses[ResidentStatus.DECEASED] > 0
        assert statuses[ResidentStatus.MOVED_OUT] > 0
        moved_in = session.scalar(
            select(func.count()).select_from(Resident).where(Resident.moved_in_on.is_not(None))
        )
        assert moved_in > 50
        other_city_doses = session.scalar(
            select(func.count()).select_from(VaccinationRecord).where(
                VaccinationRecord.municipality_code != DEFAULT_MUNICIPALITY_CODE
            )
        )
        assert other_city_doses > 0


def test_seed_refuses_a_non_empty_database_unless_forced(cli, db):
    assert cli.invoke(args=["demo", "seed", "--residents", "50"]).exit_code == 0
    refused = cli.invoke(args=["demo", "seed", "--residents", "50"])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    skipped = cli.invoke(args=["demo", "seed", "--if-empty"])
    assert skipped.exit_code == 0
    assert "登録しませんでした" in skipped.output
    forced = cli.invoke(args=["demo", "seed", "--residents", "80", "--force"])
    assert forced.exit_code == 0, forced.output
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 80


def test_generated_people_are_plausible():
    people = list(generate_people(2000, seed=3))
    for person in people:
        validate_my_number(person.my_number)
        validate_voucher_no(person.voucher_no)
        assert person.my_number.startswith("99")  # never a real number
        assert person.address.startswith("石川県金沢市")
        numbers = [d.dose_number for d in person.doses]
        assert numbers == list(range(1, len(numbers) + 1))
        days = [d.vaccinated_on for d in person.doses]
        assert days == sorted(days)
        for earlier, later in pairwise(days):
            assert (later - earlier).days >= 18
        for dose in person.doses:
            if dose.manufacturer == "ファイザー":
                assert len(dose.lot_no) == 6 and dose.lot_no[:2].isalpha() and dose.lot_no[2:].isdigit()
            if dose.manufacturer == "モデルナ":
                assert len(dose.lot_no) == 7 and dose.lot_no.isdigit()
            assert date(2021, 2, 17) <= dose.vaccinated_on
            if person.died_on:
                assert dose.vaccinated_on <= person.died_on
        for event in (person.died_on, person.moved_out_on, person.moved_in_on):
            assert event is None or person.birth_date < event <= date(2026, 4, 1)
    assert len({p.atena_no for p in people}) == 2000


def test_residents_cli_writes_the_documented_layout(cli, tmp_path):
    out = tmp_path / "residents.csv"
    result = cli.invoke(args=["demo", "residents", "--count", "500", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 501
    assert {row[11] for row in rows[1:]} <= {"", "転入", "転出", "死亡"}


def test_residents_file_in_cp932_substitutes_characters_it_cannot_hold(cli, tmp_path):
    out = tmp_path / "residents_sjis.csv"
    result = cli.invoke(
        args=["demo", "residents", "--count", "3000", "--out", str(out), "--encoding", "cp932"]
    )
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("cp932")
    assert "𠮷" not in text
    assert "髙橋" in text or "山﨑" in text  # CP932 does hold these


def test_registry_file_is_written_as_a_stream():
    """Memory stays flat whether 1,000 or 8,000 people are written: nothing is held."""

    def peak(count: int) -> int:
        sink = io.StringIO()
        tracemalloc.start()
        write_registry_csv(generate_people(count, seed=1), _Discard(sink))
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak_bytes

    small, large = peak(1000), peak(8000)
    assert large < small * 1.5


class _Discard:
    """A file object that forgets what it is given."""

    def __init__(self, _sink):
        pass

    def write(self, text: str) -> int:
        return len(text)
