"""Identifier validators, with the worked examples of domain.md §5."""

import pytest

from models.identifiers import (
    IdentifierError,
    mask_my_number,
    municipality_check_digit,
    my_number_check_digit,
    validate_municipality_code,
    validate_my_number,
    validate_postal_code,
    validate_voucher_no,
)


@pytest.mark.parametrize(
    ("first11", "check"),
    [
        ("12345678901", 8),  # Σ=212, 212 mod 11 = 3 → 8
        ("25186497579", 0),  # remainder 0 → 0
        ("88880033272", 0),  # remainder 1 → 0
        ("16118263334", 1),  # remainder 10 → 1
    ],
)
def test_my_number_check_digit_worked_examples(first11, check):
    assert my_number_check_digit(first11) == check
    assert validate_my_number(first11 + str(check)) == first11 + str(check)


@pytest.mark.parametrize("wrong", ["123456789019", "123456789108"])
def test_my_number_with_wrong_check_digit_or_transposition_is_refused(wrong):
    with pytest.raises(IdentifierError, match="検査用数字"):
        validate_my_number(wrong)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("１２３４５６７８９０１８", "123456789018"),  # 全角数字 are normalised
        ("1234 5678 9018", "123456789018"),
        ("1234-5678-9018", "123456789018"),
    ],
)
def test_my_number_accepts_full_width_digits_and_separators(typed, expected):
    assert validate_my_number(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12345678901", "12桁です（入力は11桁）"),
        ("1234567890189", "12桁です（入力は13桁）"),
        ("12345678901A", "数字12桁"),
        ("", "入力してください"),
        (None, "入力してください"),
    ],
)
def test_my_number_wrong_length_or_characters_has_a_clear_message(typed, message):
    with pytest.raises(IdentifierError, match=message):
        validate_my_number(typed)


@pytest.mark.parametrize(
    ("five", "code"),
    [
        ("17201", "172014"),  # 金沢市
        ("17000", "170003"),  # 石川県
        ("13104", "131041"),  # 新宿区: remainder 0 → 1
        ("13113", "131130"),  # 渋谷区: remainder 1 → 0
        ("13000", "130001"),  # 東京都
    ],
)
def test_municipality_code_worked_examples(five, code):
    assert str(municipality_check_digit(five)) == code[-1]
    assert validate_municipality_code(code) == code


def test_municipality_code_refuses_wrong_check_digit_and_length():
    with pytest.raises(IdentifierError, match="検査数字"):
        validate_municipality_code("172015")
    with pytest.raises(IdentifierError, match="6桁"):
        validate_municipality_code("17201")
    assert validate_municipality_code("１７２０１４") == "172014"


def test_voucher_number_is_ten_digits():
    assert validate_voucher_no("０００００１２３４５") == "0000012345"
    with pytest.raises(IdentifierError, match="10桁"):
        validate_voucher_no("123456789")
    with pytest.raises(IdentifierError, match="数字10桁"):
        validate_voucher_no("12345678AB")


@pytest.mark.parametrize("typed", ["920-0962", "9200962", "９２０－０９６２", "920ー0962"])
def test_postal_code_is_stored_as_seven_digits(typed):
    assert validate_postal_code(typed) == "9200962"


def test_postal_code_wrong_length():
    with pytest.raises(IdentifierError, match="7桁"):
        validate_postal_code("920-096")


def test_my_number_mask_keeps_only_the_last_four_digits():
    assert mask_my_number("123456789018") == "********9018"
    assert mask_my_number(None) == ""
