"""Which doses a certificate may list, and whether passport data allows the overseas version.

Rules (domain.md §1.1, §1.4, §1.8):
- only doses given on THIS city's 接種券 (voucher) are certified; a 転入者 (person who
  moved in) gets the former city's doses certified by that city;
- only doses of the 特例臨時接種 (special temporary vaccination), which ended on
  2024-03-31; routine (定期接種) doses from 2024-04-01 get no certificate;
- at most the latest 5 eligible doses are printed, with a fixed note.

Passport rules for the 海外用 (overseas) version (domain.md §1.3, §5.6, §1.5):
- 旅券番号: a Japanese passport (国籍 JPN) is 2 upper-case letters + 7 digits; a
  foreign passport 5–11 upper-case letters or digits (ICAO allows up to 11 in the
  VDS-NC `pid.i` field; shorter numbers than 5 are not seen in practice);
- it must be valid on the application date; an expired passport cannot yield an
  overseas certificate, only the domestic one;
- ローマ字氏名 as in the passport, upper case, "SURNAME GIVEN" at most 39 characters
  (the ICAO `pid.n` limit); lower case input is upper-cased, other characters refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from models.resident import Resident
from models.vaccination import VaccinationCategory, VaccinationRecord
from models.wareki import format_wareki

SPECIAL_TEMPORARY_LAST_DAY = date(2024, 3, 31)  # 特例臨時接種 ended
MAX_PRINTED_DOSES = 5
LATEST_FIVE_NOTE = "※本証明書発行者が保存している接種記録のうち直近5回分が記載されます。"
MAX_ROMAN_NAME_LENGTH = 39

JAPANESE_PASSPORT = re.compile(r"^[A-Z]{2}\d{7}$")
FOREIGN_PASSPORT = re.compile(r"^[A-Z0-9]{5,11}$")
NATIONALITY = re.compile(r"^[A-Z]{3}$")  # ISO 3166-1 alpha-3, as in the passport's MRZ
ROMAN_NAME = re.compile(r"^[A-Z]+(?:[ '\-][A-Z]+)*$")


@dataclass(frozen=True)
class DoseDecision:
    """One recorded dose: can it be certified (reason in Japanese if not), and is it listed."""

    record: VaccinationRecord
    reason: str | None = None  # None: certifiable
    printed: bool = False  # among the (latest 5) certifiable doses the certificate lists

    @property
    def eligible(self) -> bool:
        return self.reason is None

    @property
    def remark(self) -> str | None:
        """What the screen shows beside the dose: the reason, or why a certifiable dose is left out."""
        if self.reason is None and not self.printed:
            return "直近5回分のみ記載するため、この接種は証明書に記載されません。"
        return self.reason


@dataclass(frozen=True)
class Eligibility:
    decisions: list[DoseDecision]  # oldest first

    @property
    def eligible_records(self) -> list[VaccinationRecord]:
        return [d.record for d in self.decisions if d.eligible]

    @property
    def printed_records(self) -> list[VaccinationRecord]:
        """The doses a certificate of every eligible dose lists, oldest first."""
        return [d.record for d in self.decisions if d.printed]

    @property
    def note(self) -> str | None:
        """The latest-5 note, when certifiable doses are left out for that reason."""
        return LATEST_FIVE_NOTE if len(self.eligible_records) > MAX_PRINTED_DOSES else None

    @property
    def rejection_reason(self) -> str | None:
        """Why no certificate can be issued at all, or None when one can."""
        if not self.decisions:
            return "本市の予防接種台帳に新型コロナワクチンの接種記録がありません。"
        if not self.eligible_records:
            return (
                "証明できる接種記録がありません（本市の接種券による、令和6年3月31日までの"
                "特例臨時接種のみが証明の対象です）。"
            )
        return None


def assess_doses(
    records: Iterable[VaccinationRecord],
    municipality_code: str,
    resident: Resident | None = None,
) -> Eligibility:
    """Decide for every recorded dose whether it can be certified, and mark the printed ones."""
    ordered = sorted(records, key=lambda r: (r.vaccinated_on, r.dose_number, r.id or 0))
    reasons = [_ineligibility(r, municipality_code, resident) for r in ordered]
    eligible_indexes = [i for i, reason in enumerate(reasons) if reason is None]
    printed = set(eligible_indexes[-MAX_PRINTED_DOSES:])
    return Eligibility(
        [
            DoseDecision(record, reason, index in printed)
            for index, (record, reason) in enumerate(zip(ordered, reasons, strict=True))
        ]
    )


def _ineligibility(
    record: VaccinationRecord, municipality_code: str, resident: Resident | None
) -> str | None:
    if record.municipality_code != municipality_code:
        if resident is not None and record.municipality_code == resident.previous_municipality_code:
            return (
                f"転入前の市町村（団体コード {record.municipality_code}）の接種券による接種です。"
                "証明書は転入前の市町村に申請してください。"
            )
        return (
            f"他の市町村（団体コード {record.municipality_code}）の接種券による接種です。"
            "証明書はその市町村に申請してください。"
        )
    if record.vaccinated_on > SPECIAL_TEMPORARY_LAST_DAY:
        return (
            f"{format_wareki(record.vaccinated_on)}の接種は令和6年4月1日以降（定期接種等）のため、"
            "接種証明書の対象外です（予防接種済証をご利用ください）。"
        )
    if record.category != VaccinationCategory.SPECIAL_TEMPORARY:
        label = _category_label(record.category)
        return f"接種区分が「{label}」のため、特例臨時接種の接種証明書の対象外です。"
    return None


def _category_label(category: str) -> str:
    try:
        return VaccinationCategory(category).label
    except ValueError:
        return category


# --- 海外用: passport data -------------------------------------------------------------


@dataclass(frozen=True)
class Passport:
    """旅券 data as printed on the overseas certificate (already validated and normalised)."""

    number: str  # 旅券番号
    family_name: str  # ローマ字 姓 (SURNAME)
    given_name: str  # ローマ字 名
    nationality: str  # 国籍・地域, ISO 3166-1 alpha-3 (JPN)
    expires_on: date  # 有効期間満了日

    @property
    def roman_name(self) -> str:
        """SURNAME GIVEN, as ICAO and the certificate write it."""
        return f"{self.family_name} {self.given_name}".strip()


@dataclass
class PassportError(ValueError):
    """Passport input that cannot yield an overseas certificate: one Japanese message per field."""

    errors: dict[str, str] = field(default_factory=dict)
    expired: bool = False  # the screen then offers the domestic version instead

    def __str__(self) -> str:
        return " ".join(self.errors.values())


def validate_passport(
    *,
    number: str,
    family_name: str,
    given_name: str,
    nationality: str,
    expires_on: date | None,
    application_date: date,
) -> Passport:
    """Check and normalise the passport data for a 海外用 certificate, or raise PassportError.

    Field keys in `PassportError.errors`: number, family_name, given_name, roman_name,
    nationality, expires_on — so a form can put each message under its field.
    """
    errors: dict[str, str] = {}
    expired = False
    nationality_n = _ascii_upper(nationality)
    if not NATIONALITY.match(nationality_n):
        errors["nationality"] = "国籍・地域は旅券に記載の英字3文字（例: JPN）で入力してください。"

    number_n = _ascii_upper(number).replace(" ", "").replace("-", "")
    if not number_n:
        errors["number"] = "旅券番号を入力してください。"
    elif nationality_n == "JPN" and not JAPANESE_PASSPORT.match(number_n):
        errors["number"] = (
            "日本国旅券の旅券番号は英大文字2文字＋数字7桁（例: TK1234567）です。入力を確認してください。"
        )
    elif nationality_n != "JPN" and not FOREIGN_PASSPORT.match(number_n):
        errors["number"] = "旅券番号は英大文字・数字の5〜11文字で入力してください。"

    family_n = _roman(family_name)
    given_n = _roman(given_name)
    if not family_n:
        errors["family_name"] = "ローマ字氏名（姓）を旅券の表記どおりに入力してください。"
    elif not ROMAN_NAME.match(family_n):
        errors["family_name"] = "ローマ字氏名（姓）は英字で入力してください（旅券の表記どおり）。"
    if given_n and not ROMAN_NAME.match(given_n):
        errors["given_name"] = "ローマ字氏名（名）は英字で入力してください（旅券の表記どおり）。"
    roman = f"{family_n} {given_n}".strip()
    if len(roman) > MAX_ROMAN_NAME_LENGTH:
        errors["roman_name"] = (
            f"ローマ字氏名（姓と名、間の空白を含む）は{MAX_ROMAN_NAME_LENGTH}文字以内です"
            f"（現在 {len(roman)} 文字）。"
        )

    if expires_on is None:
        errors["expires_on"] = "旅券の有効期間満了日を入力してください。"
    elif expires_on < application_date:
        expired = True
        errors["expires_on"] = (
            f"旅券の有効期限（{format_wareki(expires_on)}）が申請日（{format_wareki(application_date)}）"
            "より前のため、海外用の証明書は発行できません。国内用での発行をご案内してください。"
        )
    if errors:
        raise PassportError(errors, expired)
    assert expires_on is not None
    return Passport(number_n, family_n, given_n, nationality_n, expires_on)


def _ascii_upper(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def _roman(text: str | None) -> str:
    return re.sub(r"\s+", " ", _ascii_upper(text))
