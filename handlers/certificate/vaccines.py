"""Vaccine products recorded in the 予防接種台帳, mapped to CVX codes and English names.

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

_PFIZER, _MODERNA = "Pfizer", "Moderna"

# (family keyword, exact marker set, product)
_RULES: tuple[tuple[str, frozenset[str], VaccineProduct], ...] = (
    ("コミナティ", frozenset(), VaccineProduct("208", "COMIRNATY", _PFIZER)),
    ("コミナティ", frozenset({"5-11"}), VaccineProduct("218", "COMIRNATY (5-11 years)", _PFIZER)),
    (
        "コミナティ",
        frozenset({"6m-4"}),
        VaccineProduct("219", "COMIRNATY (6 months-4 years)", _PFIZER),
    ),
    (
        "コミナティ",
        frozenset({"BA.1"}),
        VaccineProduct("213", "COMIRNATY Bivalent (Original/Omicron BA.1)", _PFIZER),
    ),
    (
        "コミナティ",
        frozenset({"BA.4-5"}),
        VaccineProduct("300", "COMIRNATY Bivalent (Original/Omicron BA.4-5)", _PFIZER),
    ),
    (
        "コミナティ",
        frozenset({"BA.4-5", "5-11"}),
        VaccineProduct("301", "COMIRNATY Bivalent (Original/Omicron BA.4-5) (5-11 years)", _PFIZER),
    ),
    (
        "コミナティ",
        frozenset({"XBB"}),
        VaccineProduct("309", "COMIRNATY (Omicron XBB.1.5)", _PFIZER),
    ),
    ("スパイクバックス", frozenset(), VaccineProduct("207", "SPIKEVAX", _MODERNA)),
    (
        "スパイクバックス",
        frozenset({"BA.1"}),
        VaccineProduct("213", "SPIKEVAX Bivalent (Original/Omicron BA.1)", _MODERNA),
    ),
    (
        "スパイクバックス",
        frozenset({"BA.4-5"}),
        VaccineProduct("229", "SPIKEVAX Bivalent (Original/Omicron BA.4-5)", _MODERNA),
    ),
    (
        "スパイクバックス",
        frozenset({"XBB"}),
        VaccineProduct("312", "SPIKEVAX (Omicron XBB.1.5)", _MODERNA),
    ),
    ("バキスゼブリア", frozenset(), VaccineProduct("210", "VAXZEVRIA", "AstraZeneca")),
    ("ヌバキソビッド", frozenset(), VaccineProduct("211", "NUVAXOVID", "Takeda (Novavax)")),
    ("ジェコビデン", frozenset(), VaccineProduct("212", "JCOVDEN", "Janssen")),
)


def normalize_product_name(name: str) -> str:
    """NFKC, with the wave dashes and small ヵ that 販売名 are written with unified."""
    text = unicodedata.normalize("NFKC", name)  # ～ (full-width tilde) becomes ~
    return text.replace("〜", "~").replace("ヵ", "カ").replace(" ", "")


def lookup_product(product_name: str) -> VaccineProduct:
    """The CVX code and English name for a recorded 販売名, or UnknownVaccineError."""
    text = normalize_product_name(product_name)
    markers = frozenset(tag for marker, tag in _MARKERS.items() if marker in text)
    for family, required, product in _RULES:
        if family in text and markers == required:
            return product
    raise UnknownVaccineError(
        f"ワクチン「{product_name}」に対応する CVX コードが登録されていません。"
        "証明書の二次元コードを作成できないため、システム管理者に対応表の追加を依頼してください。"
    )
