"""Generate synthetic residents and their vaccination histories, one household at a time.

The generator is a stream: a million residents never sit in memory together.
The same seed always yields the same people, in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from models.demo import pools
from models.identifiers import municipality_check_digit, my_number_check_digit
from models.resident import ResidentStatus, Sex
from models.vaccination import DEFAULT_MUNICIPALITY_CODE, VaccinationCategory

REFERENCE_DATE = date(2026, 4, 1)  # "today" of the demo city, fixed for determinism
LAST_SPECIAL_DAY = date(2024, 3, 31)  # end of 特例臨時接種


@dataclass
class Dose:
    dose_number: int
    vaccinated_on: date
    product: str
    manufacturer: str
    lot_no: str
    clinic: str
    doctor: str
    category: str
    municipality_code: str


@dataclass
class Person:
    atena_no: str
    my_number: str
    voucher_no: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: str
    postal_code: str
    address: str
    household_no: str
    status: str = ResidentStatus.RESIDENT
    moved_in_on: date | None = None
    previous_address: str | None = None
    previous_municipality_code: str | None = None
    moved_out_on: date | None = None
    died_on: date | None = None
    doses: list[Dose] = field(default_factory=list)

    @property
    def name_kana(self) -> str:
        return f"{self.family_name_kana}\u3000{self.given_name_kana}"


def synthetic_my_number(serial: int) -> str:
    """A 個人番号 that passes the check digit and is never issued: it starts with 99."""
    body = f"99{serial:09d}"
    return body + str(my_number_check_digit(body))


def municipality_code(five_digits: str) -> str:
    return five_digits + str(municipality_check_digit(five_digits))


def generate_people(count: int, seed: int = 1) -> Iterator[Person]:
    """Yield `count` residents of a Kanazawa-like city, grouped in households."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    serial = 0
    household = 0
    while serial < count:
        household += 1
        size = min(rng.choices((1, 2, 3, 4, 5), weights=(32, 30, 18, 14, 6))[0], count - serial)
        surname = rng.choice(pools.SURNAMES)
        town, postal = rng.choice(pools.TOWNS)
        address = _address(rng, town)
        moved_in = _moved_in(rng)
        for member in range(size):
            serial += 1
            person = _person(rng, serial, household, member, surname, postal, address, moved_in)
            person.doses = list(_doses(rng, person))
            yield person


def _address(rng: random.Random, town: str) -> str:
    chome = rng.choice(pools.KANJI_NUMERALS)
    address = f"石川県金沢市{town}{chome}丁目{rng.randint(1, 30)}番{rng.randint(1, 40)}号"
    if rng.random() < 0.3:
        address += f" {rng.choice(pools.BUILDINGS)}{rng.randint(1, 5)}0{rng.randint(1, 9)}"
    return address


def _moved_in(rng: random.Random) -> tuple[date, str, str] | None:
    """About one household in ten moved in (転入) from another municipality."""
    if rng.random() >= 0.1:
        return None
    name, five = rng.choice(pools.OTHER_MUNICIPALITIES)
    on = date(2021, 6, 1) + timedelta(days=rng.randint(0, 1700))
    return on, f"{name}架空町{rng.randint(1, 9)}番地", municipality_code(five)


def _person(
    rng: random.Random,
    serial: int,
    household: int,
    member: int,
    surname: tuple[str, str],
    postal: str,
    address: str,
    moved_in: tuple[date, str, str] | None,
) -> Person:
    sex = rng.choice((Sex.MALE, Sex.FEMALE))
    given = rng.choice(pools.MALE_GIVEN if sex is Sex.MALE else pools.FEMALE_GIVEN)
    if member == 0:
        age = rng.randint(20, 95)
    else:
        age = rng.choices((rng.randint(0, 18), rng.randint(19, 95)), weights=(55, 45))[0]
    birth = REFERENCE_DATE - timedelta(days=age * 365 + rng.randint(0, 364))
    person = Person(
        atena_no=f"{serial:010d}",
        my_number=synthetic_my_number(serial),
        voucher_no=f"5{serial:09d}",
        family_name=surname[0],
        given_name=given[0],
        family_name_kana=surname[1],
        given_name_kana=given[1],
        birth_date=birth,
        sex=sex.value,
        postal_code=postal,
        address=address,
        household_no=f"{household:010d}",
    )
    if moved_in and moved_in[0] > birth:
        person.moved_in_on, person.previous_address, person.previous_municipality_code = moved_in
    roll = rng.random()
    if roll < 0.02 + max(0, age - 75) * 0.004:
        person.status = ResidentStatus.DECEASED
        person.died_on = _event_after(rng, birth)
    elif roll > 0.97:
        person.status = ResidentStatus.MOVED_OUT
        person.moved_out_on = _event_after(rng, birth)
    return person


def _event_after(rng: random.Random, birth: date) -> date:
    """A death or move-out date from 2022 on, never before the person was born."""
    start = max(date(2022, 1, 1), birth + timedelta(days=1))
    return start + timedelta(days=rng.randint(0, max(0, (REFERENCE_DATE - start).days)))


def _doses(rng: random.Random, person: Person) -> Iterator[Dose]:
    """A plausible COVID-19 history: 18+ days between doses 1 and 2, 3+ months later on."""
    if rng.random() > 0.8:
        return
    wanted = rng.choices((1, 2, 3, 4, 5, 6, 7), weights=(3, 25, 25, 17, 14, 10, 6))[0]
    day = date(2021, 4, 12) + timedelta(days=rng.randint(0, 200))
    end = min(d for d in (person.died_on, person.moved_out_on, LAST_SPECIAL_DAY) if d)
    number = 0
    while number < wanted and day <= end:
        age = (day - person.birth_date).days // 365
        product = _product_on(rng, day, age)
        if product is not None:
            number += 1
            yield _dose(rng, person, number, day, product, VaccinationCategory.SPECIAL_TEMPORARY)
        day += timedelta(days=rng.randint(21, 28) if number == 1 else rng.randint(92, 200))
    age_now = (REFERENCE_DATE - person.birth_date).days // 365
    if person.status == ResidentStatus.RESIDENT and age_now >= 65 and rng.random() < 0.4:
        product = rng.choice(pools.ROUTINE_PRODUCTS)
        on = date(2024, 10, 1) + timedelta(days=rng.randint(0, 170))
        yield _dose(rng, person, number + 1, on, product, VaccinationCategory.ROUTINE_B)


def _product_on(rng: random.Random, day: date, age: int) -> pools.Product | None:
    candidates = [p for p in pools.PRODUCTS if p.first <= day <= p.last and age >= p.min_age]
    if not candidates:
        return None
    return rng.choices(candidates, weights=[8 if p.maker != "モデルナ" else 4 for p in candidates])[0]


def _dose(
    rng: random.Random,
    person: Person,
    number: int,
    day: date,
    product: pools.Product,
    category: VaccinationCategory,
) -> Dose:
    before_move_in = person.moved_in_on is not None and day < person.moved_in_on
    return Dose(
        dose_number=number,
        vaccinated_on=day,
        product=product.name,
        manufacturer=product.maker,
        lot_no=_lot(rng, product.lot_format),
        clinic=rng.choice(pools.CLINICS),
        doctor=rng.choice(pools.DOCTORS),
        category=category.value,
        municipality_code=(
            person.previous_municipality_code or DEFAULT_MUNICIPALITY_CODE
            if before_move_in
            else DEFAULT_MUNICIPALITY_CODE
        ),
    )


def _lot(rng: random.Random, template: str) -> str:
    """Fill a lot template: 'A' becomes an upper-case letter, '9' a digit."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    out = []
    for ch in template:
        if ch == "A":
            out.append(rng.choice(letters))
        elif ch == "9":
            out.append(str(rng.randint(0, 9)))
        else:
            out.append(ch)
    return "".join(out)
