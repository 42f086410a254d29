"""Which doses a certificate may list, passport checks, CVX mapping and 外字 substitution."""

from datetime import date

import pytest

from handlers.certificate.eligibility import (
    LATEST_FIVE_NOTE,
    PassportError,
    assess_doses,
    validate_passport,
)
from handlers.certificate.glyphs import GETA, printable_text
from handlers.certificate.vaccines import UnknownVaccineError, lookup_product
from models import Resident, VaccinationCategory, VaccinationRecord
from models.vaccination import DEFAULT_MUNICIPALITY_CODE
from tests.certificate_factories import COVID_DOSES, CVX_OF_COVID_DOSES, FORMER_CITY

CITY = DEFAULT_MUNICIPALITY_CODE


def dose(
    number: int,
    on: date,
    *,
    code: str = CITY,
    category: VaccinationCategory = VaccinationCategory.SPECIAL_TEMPORARY,
) -> VaccinationRecord:
    return VaccinationRecord(
        id=number,
        dose_number=number,
        vaccinated_on=on,
        product="コミナティ筋注",
        manufacturer="ファイザー",
        lot_no="FA4597",
        clinic="犀川内科クリニック",
        category=category,
        municipality_code=code,
    )


def test_only_doses_on_this_citys_vouchers_are_certified_and_others_say_why():
    records = [dose(1, date(2021, 6, 1), code="131041"), dose(2, date(2021, 6, 22))]
    result = assess_doses(records, CITY)
    first, second = result.decisions
    assert not first.eligible and "他の市町村（団体コード 131041）" in first.reason
    assert second.eligible and second.printed
    assert result.printed_records == [records[1]]


def test_a_person_who_moved_in_gets_only_this_citys_doses_and_is_sent_to_the_former_city():
    resident = Resident(previous_municipality_code=FORMER_CITY)
    records = [
        dose(1, date(2021, 6, 1), code=FORMER_CITY),
        dose(2, date(2021, 6, 22), code=FORMER_CITY),
        dose(3, date(2022, 6, 1)),
    ]
    result = assess_doses(records, CITY, resident)
    assert [d.eligible for d in result.decisions] == [False, False, True]
    assert "転入前の市町村" in result.decisions[0].reason
    assert result.printed_records == [records[2]]


def test_the_special_programme_ends_on_2024_03_31_and_routine_doses_are_not_certified():
    records = [
        dose(1, date(2024, 3, 31)),
        dose(2, date(2024, 4, 1)),
        dose(3, date(2024, 10, 15), category=VaccinationCategory.ROUTINE_B),
    ]
    result = assess_doses(records, CITY)
    assert [d.eligible for d in result.decisions] == [True, False, False]
    assert "令和6年4月1日以降" in result.decisions[1].reason
    assert "令和6年10月15日" in result.decisions[2].reason


def test_a_dose_outside_the_special_programme_before_april_2024_is_refused_with_its_category():
    result = assess_doses([dose(1, date(2022, 6, 1), category=VaccinationCategory.VOLUNTARY)], CITY)
    assert not result.decisions[0].eligible
    assert "任意接種" in result.decisions[0].reason


def test_more_than_five_doses_prints_the_latest_five_with_the_note():
    records = [dose(i + 1, on) for i, (on, *_rest) in enumerate(COVID_DOSES)]
    result = assess_doses(list(reversed(records)), CITY)  # order of input does not matter
    assert result.printed_records == records[2:]
    assert result.note == LATEST_FIVE_NOTE
    assert all(d.eligible for d in result.decisions)
    assert "直近5回分" in result.decisions[0].remark
    assert result.decisions[-1].remark is None


def test_five_doses_or_fewer_are_all_printed_without_the_note():
    records = [dose(i + 1, on) for i, (on, *_rest) in enumerate(COVID_DOSES[:5])]
    result = assess_doses(records, CITY)
    assert result.printed_records == records
    assert result.note is None


def test_no_certifiable_dose_gives_a_rejection_reason():
    assert assess_doses([], CITY).rejection_reason.startswith("本市の予防接種台帳に")
    only_routine = [dose(1, date(2024, 10, 1), category=VaccinationCategory.ROUTINE_B)]
    assert "証明できる接種記録がありません" in assess_doses(only_routine, CITY).rejection_reason
    assert assess_doses([dose(1, date(2021, 6, 1))], CITY).rejection_reason is None


def passport(**overrides):
    fields = {
        "number": "TK1234567",
        "family_name": "KANAZAWA",
        "given_name": "TARO",
        "nationality": "JPN",
        "expires_on": date(2030, 1, 1),
        "application_date": date(2026, 11, 26),
    } | overrides
    return validate_passport(**fields)


def test_a_valid_japanese_passport_is_normalised():
    result = passport(number="ｔｋ１２３４５６７", family_name="kanazawa", given_name=" taro ")
    assert result.number == "TK1234567"
    assert result.roman_name == "KANAZAWA TARO"
    assert result.nationality == "JPN"


@pytest.mark.parametrize("number", ["T1234567", "TK123456", "TK12345678", "1K1234567", "TK12345A7"])
def test_a_japanese_passport_number_must_be_two_letters_and_seven_digits(number):
    with pytest.raises(PassportError) as caught:
        passport(number=number)
    assert "英大文字2文字＋数字7桁" in caught.value.errors["number"]
    assert not caught.value.expired


def test_foreign_passport_numbers_allow_five_to_eleven_letters_or_digits():
    assert passport(number="X12345678AB", nationality="usa").number == "X12345678AB"
    with pytest.raises(PassportError) as caught:
        passport(number="X12345678ABC", nationality="USA")
    assert "5〜11文字" in caught.value.errors["number"]


def test_an_expired_passport_cannot_yield_an_overseas_certificate():
    with pytest.raises(PassportError) as caught:
        passport(expires_on=date(2026, 11, 25))
    assert caught.value.expired
    assert "国内用での発行をご案内" in caught.value.errors["expires_on"]
    assert passport(expires_on=date(2026, 11, 26)).expires_on == date(2026, 11, 26)


def test_roman_name_must_be_letters_and_at_most_39_characters():
    with pytest.raises(PassportError) as caught:
        passport(family_name="金沢", given_name="TARO1")
    assert set(caught.value.errors) == {"family_name", "given_name"}
    with pytest.raises(PassportError) as caught:
        passport(family_name="A" * 30, given_name="B" * 9)  # 30 + space + 9 = 40
    assert "39文字以内" in caught.value.errors["roman_name"]
    assert len(passport(family_name="A" * 30, given_name="B" * 8).roman_name) == 39


def test_every_product_of_the_special_programme_maps_to_its_cvx_code():
    assert [lookup_product(product).cvx for _on, product, _maker, _lot in COVID_DOSES] == (
        CVX_OF_COVID_DOSES
    )
    assert lookup_product("コミナティ筋注5～11歳用").cvx == "218"
    assert lookup_product("コミナティ筋注6ヵ月〜4歳用").cvx == "219"


@pytest.mark.parametrize("product", ["ダイチロナ筋注", "コミナティ筋注（1価：オミクロン株JN.1）"])
def test_a_product_without_a_cvx_code_is_an_explicit_error(product):
    with pytest.raises(UnknownVaccineError, match=product):
        lookup_product(product)


def test_characters_outside_the_printer_font_get_a_substitute_and_are_reported():
    text, substitutions = printable_text("𠮷田　髙橋")
    assert text == "吉田　髙橋"  # 髙 is in the font, 𠮷 is not
    assert [str(s) for s in substitutions] == ["𠮷→吉"]
    text, substitutions = printable_text("\U0002a6b2子")
    assert text == f"{GETA}子"
    assert len(substitutions) == 1
