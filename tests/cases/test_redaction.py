"""個人番号 inside free text and form values: masked for staff without the permission."""

from __future__ import annotations

from models.demo.people import synthetic_my_number
from models.staff import Staff
from web.redaction import redact_field, redact_text

NUMBER = synthetic_my_number(4321)
CLERK = Staff(may_view_my_number=False, active=True)
PERMITTED = Staff(may_view_my_number=True, active=True)
MASKED = "********" + NUMBER[-4:]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def test_numbers_in_text_are_found_however_they_are_written():
    grouped = f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}"
    for written in (NUMBER, grouped, f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}", full_width(NUMBER)):
        assert redact_text(f"申請書（ＡＢＣ）の番号 {written} を確認", CLERK) == f"申請書（ＡＢＣ）の番号 {MASKED} を確認"
        assert redact_text(f"番号 {written}", PERMITTED) == f"番号 {NUMBER}"


def test_other_numbers_are_left_alone():
    wrong_check_digit = NUMBER[:11] + str((int(NUMBER[11]) + 1) % 10)
    for text in (f"番号 {wrong_check_digit}", f"口座 1{NUMBER}", "電話 076-220-2111", ""):
        assert redact_text(text, CLERK) == text


def test_a_field_meant_for_a_my_number_is_masked_whatever_it_holds():
    assert redact_field("applicant_my_number", "申請者の個人番号", "123456789012", CLERK) == "********9012"
    assert redact_field("bango", "個人番号（代理人）", NUMBER, CLERK) == MASKED
    assert redact_field("bango", "個人番号（代理人）", NUMBER, PERMITTED) == NUMBER
    assert redact_field("note", "備考", "123456789012", CLERK) == "123456789012"
