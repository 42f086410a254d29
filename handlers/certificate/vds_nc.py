"""ICAO VDS-NC (Visible Digital Seal for Non-Constrained environments), type icao.vacc.

The overseas certificate carries this second QR code next to the SMART Health Card,
as Japan's did. The seal is JSON: `data` = {hdr: {t, v, is}, msg: {uvci, pid, ve}}
and `sig` = {alg: ES256, cer: the barcode signer's X.509 certificate (DER,
base64url), sigvl: base64url(r||s) over the RFC 8785 canonical form of `data`}.
Field shapes follow Japan's issued seals: one `ve` entry per dose, `adm`
MHLW_Gov_of_JAPAN, `ctr` JPN, the 証明書ID as `uvci`, the passport name and number.

Verifiers trust a seal through the ICAO PKD: its signer certificate must chain to
the issuing country's CSCA. Sesshu creates a self-signed barcode-signer certificate
on first use (`instance/vdsnc_signer.pem`); for seals that foreign verifiers accept,
replace that file with a signer key and certificate issued under Japan's CSCA.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import rfc8785
import segno
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from handlers.certificate.errors import CertificateError
from handlers.certificate.keyfiles import read_or_create_private_file
from handlers.certificate.shc import PERFORMER
from handlers.certificate.vaccines import lookup_product

SIGNER_FILE_NAME = "vdsnc_signer.pem"
DISEASE_COVID19 = "RA01.0"  # ICD-11
COUNTRY = "JPN"
# extendedKeyUsage of an ICAO VDS-NC barcode signer (as in Japan's signer certificate).
VDS_NC_SIGNER_EKU = x509.ObjectIdentifier("2.23.136.1.1.14.2")


@dataclass(frozen=True)
class SealDose:
    dose_number: int  # seq
    vaccinated_on: date  # dvc
    product_name: str  # 販売名 → nam / des
    lot_no: str  # lot


class VdsNcSigner:
    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate) -> None:
        self._key = key
        self.certificate = certificate

    def seal(
        self,
        *,
        uvci: str,
        roman_name: str,
        birth_date: date,
        passport_no: str,
        doses: list[SealDose],
    ) -> str:
        """The signed seal as compact JSON, the text of the overseas certificate's second QR."""
        data = {
            "hdr": {"t": "icao.vacc", "v": 1, "is": COUNTRY},
            "msg": {
                "uvci": uvci,
                "pid": {"n": roman_name, "dob": birth_date.isoformat(), "i": passport_no},
                "ve": [_vaccination_event(dose) for dose in doses],
            },
        }
        der = self._key.sign(rfc8785.dumps(data), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        seal = {
            "data": data,
            "sig": {
                "alg": "ES256",
                "cer": base64.urlsafe_b64encode(
                    self.certificate.public_bytes(serialization.Encoding.DER)
                ).decode(),
                "sigvl": base64.urlsafe_b64encode(signature).rstrip(b"=").decode(),
            },
        }
        return json.dumps(seal, separators=(",", ":"), ensure_ascii=False)


def _vaccination_event(dose: SealDose) -> dict:
    product = lookup_product(dose.product_name)
    return {
        "des": product.icd11,
        "nam": product.brand,
        "dis": DISEASE_COVID19,
        "vd": [
            {
                "dvc": dose.vaccinated_on.isoformat(),
                "seq": dose.dose_number,
                "ctr": COUNTRY,
                "adm": PERFORMER,
                "lot": dose.lot_no,
            }
        ],
    }


def qr_code(seal: str) -> segno.QRCode:
    """The seal's QR code (byte mode; the strongest error correction that keeps its size)."""
    return segno.make(seal, mode="byte", error="L", boost_error=True, micro=False)


def signer_for(instance_path: Path, organisation: str) -> VdsNcSigner:
    """The barcode signer whose key and certificate live in `instance_path` (created on first use)."""
    path = Path(instance_path) / SIGNER_FILE_NAME
    content = read_or_create_private_file(path, lambda: _new_signer_pem(organisation))
    try:
        key = serialization.load_pem_private_key(content, password=None)
        certificate = x509.load_pem_x509_certificate(content)
    except ValueError as exc:
        raise CertificateError(f"VDS-NC 署名ファイル {path} を読み込めません。") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise CertificateError(f"VDS-NC 署名ファイル {path} は P-256 の秘密鍵ではありません。")
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise CertificateError(f"VDS-NC 署名ファイル {path} の鍵と証明書が一致しません。")
    return VdsNcSigner(key, certificate)


def _new_signer_pem(organisation: str) -> bytes:
    """A P-256 key and a self-signed barcode-signer certificate, both PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, "VDS-NC barcode signer"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * 10))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([VDS_NC_SIGNER_EKU]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)
