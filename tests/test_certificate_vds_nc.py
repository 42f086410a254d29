"""The overseas certificate's ICAO VDS-NC seal: content, signer certificate and signature.

The signature is checked as a verifier does: the signer's public key is taken from
the `cer` X.509 certificate inside the seal, and the signed bytes are the canonical
(sorted, compact) JSON of `data`, rebuilt here with the standard library.
"""

import base64
import json
from datetime import date
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pypdf import PdfReader

from handlers.certificate.eligibility import validate_passport
from handlers.certificate.issuance import certificate_pdf, issue_certificate
from handlers.certificate.vds_nc import qr_code
from models import CertificateKind
from tests.certificate_factories import COVID_DOSES, add_covid_doses, make_resident, make_staff
from web.certificate_settings import certificate_config


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_seal(seal: dict) -> None:
    certificate = x509.load_der_x509_certificate(b64url_decode(seal["sig"]["cer"]))
    signature = b64url_decode(seal["sig"]["sigvl"])
    assert len(signature) == 64
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    canonical = json.dumps(seal["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    certificate.public_key().verify(der, canonical.encode(), ec.ECDSA(hashes.SHA256()))


@pytest.fixture
def overseas(app, db):
    with app.app_context():
        config = certificate_config()
        with db.transaction() as session:
            resident = make_resident(session, 41)
            add_covid_doses(session, resident, 3)
            passport = validate_passport(
                number="TK7654321", family_name="KANAZAWA", given_name="TARO",
                nationality="JPN", expires_on=date(2031, 5, 1), application_date=date(2026, 11, 26),
            )
            certificate = issue_certificate(
                session, config, resident=resident, kind=CertificateKind.OVERSEAS,
                issued_by=make_staff(session), application_date=date(2026, 11, 26),
                passport=passport,
            )
            pdf = certificate_pdf(certificate, config)
        return certificate, pdf


def test_the_seal_names_the_passport_holder_and_each_dose_as_japan_did(overseas):
    certificate, _pdf = overseas
    seal = json.loads(certificate.vds_nc)
    assert seal["data"]["hdr"] == {"t": "icao.vacc", "v": 1, "is": "JPN"}
    message = seal["data"]["msg"]
    assert message["uvci"] == certificate.certificate_no
    assert message["pid"] == {"n": "KANAZAWA TARO", "dob": "1950-01-02", "i": "TK7654321"}
    assert [e["vd"][0]["seq"] for e in message["ve"]] == [1, 2, 3]
    assert [e["vd"][0]["dvc"] for e in message["ve"]] == [d[0].isoformat() for d in COVID_DOSES[:3]]
    assert [e["vd"][0]["lot"] for e in message["ve"]] == [d[3] for d in COVID_DOSES[:3]]
    assert [e["nam"] for e in message["ve"]] == ["COMIRNATY", "COMIRNATY", "SPIKEVAX"]
    for event in message["ve"]:
        assert (event["des"], event["dis"]) == ("XM0GQ8", "RA01.0")
        assert (event["vd"][0]["ctr"], event["vd"][0]["adm"]) == ("JPN", "MHLW_Gov_of_JAPAN")


def test_the_seal_verifies_with_the_signer_certificate_it_carries(overseas):
    certificate, _pdf = overseas
    seal = json.loads(certificate.vds_nc)
    assert seal["sig"]["alg"] == "ES256"
    verify_seal(seal)
    signer = x509.load_der_x509_certificate(b64url_decode(seal["sig"]["cer"]))
    usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.ObjectIdentifier("2.23.136.1.1.14.2") in usage

    seal["data"]["msg"]["pid"]["i"] = "TK0000001"
    with pytest.raises(InvalidSignature):
        verify_seal(seal)


def test_only_the_overseas_certificate_carries_the_seal(app, db, overseas):
    certificate, pdf = overseas
    assert qr_code(certificate.vds_nc).version <= 40
    assert "ICAO VDS-NC" in PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    with app.app_context(), db.transaction() as session:
        resident = make_resident(session, 42)
        add_covid_doses(session, resident, 1)
        domestic = issue_certificate(
            session, certificate_config(), resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=make_staff(session, "madoguchi8"), application_date=date(2026, 11, 26),
        )
        assert domestic.vds_nc is None
        assert "ICAO VDS-NC" not in PdfReader(
            BytesIO(certificate_pdf(domestic, certificate_config()))
        ).pages[0].extract_text()
