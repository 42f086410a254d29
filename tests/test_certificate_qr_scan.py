"""The QR code printed in the PDF scans back to the certificate's exact `shc:/` text.

Uses the system tools pdftoppm (poppler-utils) and zbarimg (zbar-tools) when present.
"""

import shutil
import subprocess
from datetime import date

import pytest

from handlers.certificate.eligibility import validate_passport
from handlers.certificate.issuance import certificate_pdf, certificate_shc, issue_certificate
from models import CertificateKind
from tests.certificate_factories import add_covid_doses, make_resident, make_staff
from web.certificate_settings import certificate_config

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="pdftoppm and zbarimg are needed to scan the printed QR code",
)


def scan(pdf: bytes, folder) -> set[str]:
    """The texts of every QR code on the page, as a phone would read the printout."""
    (folder / "certificate.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", "certificate.pdf", "page"],
        cwd=folder, check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"],
        cwd=folder, check=True, capture_output=True, text=True,
    ).stdout
    return set(scanned.strip().splitlines())


@pytest.mark.parametrize("kind", [CertificateKind.DOMESTIC, CertificateKind.OVERSEAS])
def test_the_printed_qr_codes_scan_to_the_signed_texts(app, db, tmp_path, kind):
    passport = None
    if kind is CertificateKind.OVERSEAS:
        passport = validate_passport(
            number="TK1234567", family_name="YOSHIDA", given_name="KEN", nationality="JPN",
            expires_on=date(2030, 1, 1), application_date=date(2026, 11, 26),
        )
    with app.app_context():
        config = certificate_config()
        with db.transaction() as session:
            resident = make_resident(session, 31, family_name="𠮷田", given_name="健")
            add_covid_doses(session, resident, 7)
            certificate = issue_certificate(
                session, config, resident=resident, kind=kind, passport=passport,
                issued_by=make_staff(session), application_date=date(2026, 11, 26),
            )
            pdf = certificate_pdf(certificate, config)

    expected = {certificate_shc(certificate)}
    if kind is CertificateKind.OVERSEAS:
        expected.add(certificate.vds_nc)
    assert scan(pdf, tmp_path) == expected
