"""SMART Health Card (SHC) for the certificate's QR code, following spec.smarthealth.cards.

A card is a FHIR R4 Bundle (type collection: one Patient, one Immunization per dose)
inside a verifiable-credential JWT payload {iss, nbf, vc}. The payload is minified,
compressed with raw DEFLATE and signed as a compact JWS with ES256 (P-256); the
header is {"zip":"DEF","alg":"ES256","kid":<RFC 7638 JWK thumbprint>}. For the QR
code the JWS becomes `shc:/` followed by two digits per character (ord(c) − 45),
encoded as a byte-mode segment plus a numeric-mode segment, error correction L,
QR version 22 at most (the spec's limit for printing at about 40 mm).

The issuer's key pair is created on first use in the instance folder
(`shc_issuer_key.json`, owner-only) and its public half is published as a JWKS at
`<iss>/.well-known/jwks.json`. The resource shapes follow the example of Japan's own
cards: Patient name/birthDate, Immunization status/vaccineCode (CVX)/patient/
occurrenceDateTime/lotNumber/performer `MHLW_Gov_of_JAPAN`.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import segno
from jwcrypto import jwk, jws
from segno import consts

from handlers.certificate.errors import CertificateError
from handlers.certificate.keyfiles import read_or_create_private_file
from handlers.certificate.vaccines import CVX_SYSTEM, lookup_product

HEALTH_CARD_TYPE = "https://smarthealth.cards#health-card"
FHIR_VERSION = "4.0.1"
PERFORMER = "MHLW_Gov_of_JAPAN"  # 接種制度の所管者, as on Japan's cards
KEY_FILE_NAME = "shc_issuer_key.json"
MAX_QR_VERSION = 22
SHC_PREFIX = "shc:/"


class ShcError(CertificateError):
    """A card cannot be made or the issuer is misconfigured; the message is Japanese."""


@dataclass(frozen=True)
class CardHolder:
    family_name: str
    given_name: str
    birth_date: date


@dataclass(frozen=True)
class CardDose:
    vaccinated_on: date
    product_name: str  # 販売名 as recorded; mapped to CVX
    lot_no: str


def fhir_bundle(holder: CardHolder, doses: list[CardDose]) -> dict:
    """The FHIR Bundle in the SHC's QR-size form: no ids, text, display; `resource:N` refs."""
    name: dict = {"family": holder.family_name}
    if holder.given_name:
        name["given"] = [holder.given_name]
    entries = [
        {
            "fullUrl": "resource:0",
            "resource": {
                "resourceType": "Patient",
                "name": [name],
                "birthDate": holder.birth_date.isoformat(),
            },
        }
    ]
    for index, dose in enumerate(doses, start=1):
        immunization = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {
                "coding": [{"system": CVX_SYSTEM, "code": lookup_product(dose.product_name).cvx}]
            },
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": dose.vaccinated_on.isoformat(),
            "performer": [{"actor": {"display": PERFORMER}}],
        }
        if dose.lot_no:
            immunization["lotNumber"] = dose.lot_no
        entries.append({"fullUrl": f"resource:{index}", "resource": immunization})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def vc_payload(iss: str, issued_at: datetime, bundle: dict) -> dict:
    """JWT claims: `nbf` is the issuance time in seconds since the epoch."""
    return {
        "iss": iss,
        "nbf": int(issued_at.timestamp()),
        "vc": {
            "type": [HEALTH_CARD_TYPE],
            "credentialSubject": {"fhirVersion": FHIR_VERSION, "fhirBundle": bundle},
        },
    }


def validate_issuer_url(url: str, *, require_https: bool) -> str:
    """`iss` must be an absolute URL without a trailing slash (https in production)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ShcError(
            f"SESSHU_SHC_ISSUER は https:// で始まる URL で指定してください（指定値: {url}）。"
        )
    if require_https and parts.scheme != "https":
        raise ShcError("本番環境では SESSHU_SHC_ISSUER に https の URL を指定してください。")
    if url.endswith("/"):
        raise ShcError(f"SESSHU_SHC_ISSUER の末尾に / を付けないでください（指定値: {url}）。")
    return url


class ShcIssuer:
    """Signs cards with the city's P-256 key and publishes its public key."""

    def __init__(self, iss: str, key: jwk.JWK) -> None:
        self.iss = iss
        self._key = key
        self.kid: str = key.thumbprint()  # RFC 7638, SHA-256, base64url

    def sign(self, payload: dict) -> str:
        """Minify, raw-DEFLATE and sign `payload`; returns the compact JWS."""
        minified = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # negative wbits: no zlib header
        compressed = compressor.compress(minified) + compressor.flush()
        token = jws.JWS(compressed)
        header = {"zip": "DEF", "alg": "ES256", "kid": self.kid}
        token.add_signature(self._key, None, json.dumps(header, separators=(",", ":")))
        return token.serialize(compact=True)

    def issue(self, holder: CardHolder, doses: list[CardDose], issued_at: datetime) -> str:
        """A signed card that fits one QR code, or ShcError."""
        jws_text = self.sign(vc_payload(self.iss, issued_at, fhir_bundle(holder, doses)))
        qr_code(jws_text)  # refuse now, not at print time, if it is too large for one QR
        return jws_text

    def jwks(self) -> dict:
        """The public JWK Set: kty, crv, x, y, kid, use, alg — never `d`."""
        public = self._key.export_public(as_dict=True)
        key = {k: public[k] for k in ("kty", "crv", "x", "y")}
        key.update(kid=self.kid, use="sig", alg="ES256")
        return {"keys": [key]}


def load_or_create_key(path: Path) -> jwk.JWK:
    """Read the issuer's P-256 private key, creating it (mode 0600) on first use."""
    content = read_or_create_private_file(
        path, lambda: jwk.JWK.generate(kty="EC", crv="P-256").export_private().encode()
    )
    try:
        key = jwk.JWK.from_json(content)
    except (ValueError, TypeError, jwk.InvalidJWKValue) as exc:
        raise ShcError(f"署名鍵ファイル {path} を読み込めません。") from exc
    params = key.export(as_dict=True)
    if params.get("kty") != "EC" or params.get("crv") != "P-256" or "d" not in params:
        raise ShcError(f"署名鍵ファイル {path} は P-256 の秘密鍵ではありません。")
    return key


def issuer_for(instance_path: Path, iss: str) -> ShcIssuer:
    """The issuer whose key lives in `instance_path` (created there on first use)."""
    return ShcIssuer(iss, load_or_create_key(Path(instance_path) / KEY_FILE_NAME))


def numeric_shc(jws_text: str) -> str:
    """`shc:/` + two digits per JWS character (ord − 45), the QR's text."""
    return SHC_PREFIX + "".join(f"{ord(c) - 45:02d}" for c in jws_text)


def qr_code(jws_text: str) -> segno.QRCode:
    """The card's QR: a byte segment `shc:/` and a numeric segment, error correction L."""
    digits = numeric_shc(jws_text)[len(SHC_PREFIX) :]
    qr = segno.make(
        [(SHC_PREFIX, consts.MODE_BYTE), (digits, consts.MODE_NUMERIC)],
        error="L",
        boost_error=False,
        micro=False,
    )
    if qr.version > MAX_QR_VERSION:
        raise ShcError(
            f"接種記録の情報量が多く、二次元コードが規格の上限（バージョン{MAX_QR_VERSION}）を"
            f"超えます（バージョン{qr.version}）。"
        )
    return qr
