"""Vaccine products recorded in the 予防接種台帳, mapped to CVX codes and English names.

For the ICAO VDS-NC seal each product also has its brand (`nam`, COMIRNATY as on
Japan's seals) and its ICD-11 vaccine type (`des`: XM0GQ8 RNA, XM9QW8 viral vector,
XM5JC5 protein subunit).

The SMART Health Card names each dose by its CDC CVX code (system
http://hl7.org/fhir/sid/cvx). A product is matched by its family (コミナティ,
スパイクバックス, …) and the variant markers in its 販売名 (2価 BA.4-5, XBB.1.5,
5～11歳用, …); the markers found must equal the rule's markers exactly, so a
product variant without a rule is refused rather than silently given the code of
its parent product.

Codes 207, 208, 210, 211, 212, 218, 219, 229, 300, 301 follow the CDC CVX table.
Not verified against Japan's own issuance: 309/312 for the XBB.1.5 products
(CDC's 2023–2024 formula codes) and 213 ("unspecified formulation") for the BA.1
bivalent products, which were never licensed in the US and have no code of their own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from handlers.certificate.errors import CertificateError

CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"


class UnknownVaccineError(CertificateError):
    """No CVX code is known for a product; the message is Japanese and names the product."""


@dataclass(frozen=True)
class VaccineProduct:
    cvx: str
    name_en: str  # as printed on the overseas certificate
    maker_en: str
    brand: str  # ICAO VDS-NC `nam`, as on Japan's seals (COMIRNATY)
    icd11: str  # ICAO VDS-NC `des`: the ICD-11 vaccine-type code


# Variant markers looked for in a normalised 販売名.
_MARKERS = {
    "XBB": "XBB",
    "JN.1": "JN.1",
    "KP.2": "KP.2",
    "BA.4-5": "BA.4-5",
    "BA.1": "BA.1",
    "5~11歳": "5-11",
    "4歳": "6m-4",
}

_RNA, _VECTOR, _PROTEIN = "XM0GQ8", "XM9QW8", "XM5JC5"  # ICD-11 COVID-19 vaccine types

# family keyword → (maker, brand, ICD-11 type)
_FAMILIES = {
    "コミナティ": ("Pfizer", "COMIRNATY", _RNA),
    "スパイクバックス": ("Moderna", "SPIKEVAX", _RNA),
    "バキスゼブリア": ("AstraZeneca", "VAXZEVRIA", _VECTOR),
    "ヌバキソビッド": ("Takeda (Novavax)", "NUVAXOVID", _PROTEIN),
    "ジェコビデン": ("Janssen", "JCOVDEN", _VECTOR),
}

_BA1, _BA45 = "Bivalent (Original/Omicron BA.1)", "Bivalent (Original/Omicron BA.4-5)"

# (family keyword, exact marker set, CVX code, English product name)
_RULES: tuple[tuple[str, frozenset[str], str, str], ...] = (
    ("コミナティ", frozenset(), "208", "COMIRNATY"),
    ("コミナティ", frozenset({"5-11"}), "218", "COMIRNATY (5-11 years)"),
    ("コミナティ", frozenset({"6m-4"}), "219", "COMIRNATY (6 months-4 years)"),
    ("コミナティ", frozenset({"BA.1"}), "213", f"COMIRNATY {_BA1}"),
    ("コミナティ", frozenset({"BA.4-5"}), "300", f"COMIRNATY {_BA45}"),
    ("コミナティ", frozenset({"BA.4-5", "5-11"}), "301", f"COMIRNATY {_BA45} (5-11 years)"),
    ("コミナティ", frozenset({"XBB"}), "309", "COMIRNATY (Omicron XBB.1.5)"),
    ("スパイクバックス", frozenset(), "207", "SPIKEVAX"),
    ("スパイクバックス", frozenset({"BA.1"}), "213", f"SPIKEVAX {_BA1}"),
    ("スパイクバックス", frozenset({"BA.4-5"}), "229", f"SPIKEVAX {_BA45}"),
    ("スパイクバックス", frozenset({"XBB"}), "312", "SPIKEVAX (Omicron XBB.1.5)"),
    ("バキスゼブリア", frozenset(), "210", "VAXZEVRIA"),
    ("ヌバキソビッド", frozenset(), "211", "NUVAXOVID"),
    ("ジェコビデン", frozenset(), "212", "JCOVDEN"),
)


def normalize_product_name(name: str) -> str:
    """NFKC, with the wave dashes and small ヵ that 販売名 are written with unified."""
    text = unicodedata.normalize("NFKC", name)  # ～ (full-width tilde) becomes ~
    return text.replace("〜", "~").replace("ヵ", "カ").replace(" ", "")


def lookup_product(product_name: str) -> VaccineProduct:
    """The CVX code and English name for a recorded 販売名, or UnknownVaccineError."""
    text = normalize_product_name(product_name)
    markers = frozenset(tag for marker, tag in _MARKERS.items() if marker in text)
    for family, required, cvx, name_en in _RULES:
        if family in text and markers == required:
            maker, brand, icd11 = _FAMILIES[family]
            return VaccineProduct(cvx, name_en, maker, brand, icd11)
    raise UnknownVaccineError(
        f"ワクチン「{product_name}」に対応する CVX コードが登録されていません。"
        "証明書の二次元コードを作成できないため、システム管理者に対応表の追加を依頼してください。"
    )
