"""The SMART Health Card verifies as an independent verifier would check it.

Verification here does not use the signing library: the `shc:/` digits are decoded
by hand, the key is taken from the served JWKS, the thumbprint is computed per
RFC 7638 and the ES256 signature is checked with `cryptography`.
"""

import base64
import hashlib
import json
import os
import re
import stat
import zlib
from datetime import UTC, date, datetime

import pytest
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from handlers.certificate.eligibility import validate_passport
from handlers.certificate.issuance import certificate_shc, issue_certificate
from handlers.certificate.shc import KEY_FILE_NAME, MAX_QR_VERSION, qr_code
from handlers.certificate.vds_nc import SIGNER_FILE_NAME
from models import CertificateKind
from tests.certificate_factories import (
    COVID_DOSES,
    CVX_OF_COVID_DOSES,
    FORMER_CITY,
    add_covid_doses,
    add_dose,
    make_resident,
    make_staff,
)
from web import ConfigError, create_app
from web.certificate_settings import certificate_config

ISSUED_AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_from_shc(shc: str) -> str:
    match = re.fullmatch(r"shc:/(\d+)", shc)
    assert match, "a single-chunk numeric SHC"
    digits = match[1]
    assert len(digits) % 2 == 0
    return "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))


def rfc7638_thumbprint(jwk: dict) -> str:
    required = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())


def verify_es256(jwk: dict, jws: str) -> None:
    """Raise InvalidSignature unless `jws` is signed by the P-256 key `jwk`."""
    header_b64, payload_b64, signature_b64 = jws.split(".")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"),
        int.from_bytes(b64url_decode(jwk["y"]), "big"),
        ec.SECP256R1(),
    )
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64, "JWS ES256 signatures are raw r||s, not DER"
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    numbers.public_key().verify(
        der, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256())
    )


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


@pytest.fixture
def issued(app, db):
    """A domestic certificate of a 転入者 with 3 doses here and 1 from the former city."""
    with app.app_context():
        config = certificate_config()
        with db.transaction() as session:
            staff = make_staff(session)
            resident = make_resident(session, 21, previous_municipality_code=FORMER_CITY)
            on, product, maker, lot = COVID_DOSES[0]
            add_dose(session, resident, 1, on, product, maker, lot, municipality_code=FORMER_CITY)
            for number, (on, product, maker, lot) in enumerate(COVID_DOSES[1:4], start=2):
                add_dose(session, resident, number, on, product, maker, lot)
            certificate = issue_certificate(
                session, config, resident=resident, kind=CertificateKind.DOMESTIC,
                issued_by=staff, application_date=date(2026, 11, 26), issued_at=ISSUED_AT,
            )
        return certificate, config


def test_the_card_verifies_against_the_served_jwks_and_names_exactly_the_certified_doses(
    client, issued
):
    certificate, config = issued
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    (jwk,) = response.get_json()["keys"]
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "use", "alg"}  # no private "d"
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("EC", "P-256", "sig", "ES256")
    assert jwk["kid"] == rfc7638_thumbprint(jwk)

    jws = jws_from_shc(certificate_shc(certificate))
    header_b64, payload_b64, _signature = jws.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header == {"zip": "DEF", "alg": "ES256", "kid": jwk["kid"]}
    verify_es256(jwk, jws)

    raw = zlib.decompress(b64url_decode(payload_b64), wbits=-15)  # raw DEFLATE, no header
    payload = json.loads(raw)
    assert raw == json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert payload["iss"] == config.shc.iss == "http://127.0.0.1:5000"
    assert payload["nbf"] == int(ISSUED_AT.timestamp())
    assert payload["vc"]["type"] == ["https://smarthealth.cards#health-card"]
    subject = payload["vc"]["credentialSubject"]
    assert subject["fhirVersion"] == "4.0.1"
    bundle = subject["fhirBundle"]
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    assert not all_keys(bundle) & {"id", "meta", "text"}  # Resource.id/meta, text elements

    entries = bundle["entry"]
    assert [e["fullUrl"] for e in entries] == [f"resource:{i}" for i in range(4)]
    patient = entries[0]["resource"]
    assert patient == {
        "resourceType": "Patient",
        "name": [{"family": "金沢", "given": ["太郎"]}],
        "birthDate": "1950-01-02",
    }
    immunizations = [e["resource"] for e in entries[1:]]
    expected = COVID_DOSES[1:4]  # the former city's dose is not there
    assert [i["occurrenceDateTime"] for i in immunizations] == [d[0].isoformat() for d in expected]
    assert [i["lotNumber"] for i in immunizations] == [d[3] for d in expected]
    assert [i["vaccineCode"]["coding"] for i in immunizations] == [
        [{"system": "http://hl7.org/fhir/sid/cvx", "code": code}] for code in CVX_OF_COVID_DOSES[1:4]
    ]
    for immunization in immunizations:
        assert "display" not in immunization["vaccineCode"]["coding"][0]  # no Coding.display
        assert immunization["resourceType"] == "Immunization"
        assert immunization["status"] == "completed"
        assert immunization["patient"] == {"reference": "resource:0"}
        assert immunization["performer"] == [{"actor": {"display": "MHLW_Gov_of_JAPAN"}}]


def test_a_tampered_card_does_not_verify(client, issued):
    certificate, _config = issued
    (jwk,) = client.get("/.well-known/jwks.json").get_json()["keys"]
    header_b64, payload_b64, signature_b64 = jws_from_shc(certificate_shc(certificate)).split(".")
    payload = json.loads(zlib.decompress(b64url_decode(payload_b64), wbits=-15))
    payload["vc"]["credentialSubject"]["fhirBundle"]["entry"][0]["resource"]["birthDate"] = "1990-01-02"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    forged = compressor.compress(json.dumps(payload, separators=(",", ":")).encode())
    forged_b64 = b64url_encode(forged + compressor.flush())
    with pytest.raises(InvalidSignature):
        verify_es256(jwk, f"{header_b64}.{forged_b64}.{signature_b64}")


def test_the_qr_code_is_numeric_error_correction_l_and_fits_version_22(issued):
    certificate, _config = issued
    qr = qr_code(certificate.shc_jws)
    assert qr.error == "L"
    assert qr.version <= MAX_QR_VERSION
    as_bytes = segno.make(certificate_shc(certificate), mode="byte", error="L", boost_error=False)
    assert qr.version < as_bytes.version  # the digits went into a numeric-mode segment


def test_an_overseas_card_carries_the_passport_spelling_of_the_name(app, db):
    with app.app_context():
        config = certificate_config()
        with db.transaction() as session:
            staff = make_staff(session)
            resident = make_resident(session, 22)
            add_covid_doses(session, resident, 2)
            passport = validate_passport(
                number="TK1234567", family_name="KANAZAWA", given_name="TARO",
                nationality="JPN", expires_on=date(2030, 1, 1), application_date=date(2026, 11, 26),
            )
            certificate = issue_certificate(
                session, config, resident=resident, kind=CertificateKind.OVERSEAS,
                issued_by=staff, application_date=date(2026, 11, 26), passport=passport,
            )
    payload_b64 = jws_from_shc(certificate_shc(certificate)).split(".")[1]
    payload = json.loads(zlib.decompress(b64url_decode(payload_b64), wbits=-15))
    patient = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"][0]["resource"]
    assert patient["name"] == [{"family": "KANAZAWA", "given": ["TARO"]}]


def test_the_issuer_key_is_created_once_private_to_the_owner_and_kept_across_restarts(
    tmp_path, environ
):
    instance = tmp_path / "instance"
    env = environ | {"SESSHU_INSTANCE_PATH": str(instance), "SESSHU_SHC_ISSUER": "https://vc.example.jp/issuer"}
    first = create_app(env).test_client().get("/.well-known/jwks.json").get_json()
    key_file = instance / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / SIGNER_FILE_NAME).stat().st_mode) == 0o600
    assert "d" in json.loads(key_file.read_text())  # the private key stays in the file only
    second = create_app(env).test_client().get("/.well-known/jwks.json").get_json()
    assert first == second

    os.chmod(key_file, 0o644)
    response = create_app(env).test_client().get("/.well-known/jwks.json")
    assert response.status_code == 500  # refuses a key file others can read


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SESSHU_SHC_ISSUER": "https://vc.example.jp/issuer/"}, "末尾に /"),
        ({"SESSHU_SHC_ISSUER": "vc.example.jp"}, "https://"),
        ({"SESSHU_ENV": "production"}, "SESSHU_SHC_ISSUER"),
        (
            {"SESSHU_ENV": "production", "SESSHU_SHC_ISSUER": "http://vc.example.jp"},
            "https の URL",
        ),
    ],
)
def test_the_issuer_url_is_checked_at_start_up(environ, overrides, message):
    production_ready = {"SESSHU_ALLOW_SQLITE_IN_PRODUCTION": "1"}
    with pytest.raises(ConfigError, match=message):
        create_app(environ | production_ready | overrides)
