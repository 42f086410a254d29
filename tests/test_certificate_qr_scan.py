"""The QR code printed in the PDF scans back to the certificate's exact `shc:/` text.

Uses the system tools pdftoppm (poppler-utils) and zbarimg (zbar-tools) when present.
"""

import shutil
import subprocess
from datetime import date

import pytest

from handlers.certificate.issuance import certificate_pdf, certificate_shc, issue_certificate
from models import CertificateKind
from tests.certificate_factories import add_covid_doses, make_resident, make_staff
from web.certificate_settings import certificate_config

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="pdftoppm and zbarimg are needed to scan the printed QR code",
)


def test_the_printed_qr_code_scans_to_the_shc_text(app, db, tmp_path):
    with app.app_context():
        config = certificate_config()
        with db.transaction() as session:
            resident = make_resident(session, 31, family_name="𠮷田")
            add_covid_doses(session, resident, 7)
            certificate = issue_certificate(
                session, config, resident=resident, kind=CertificateKind.DOMESTIC,
                issued_by=make_staff(session), application_date=date(2026, 11, 26),
            )
            (tmp_path / "certificate.pdf").write_bytes(certificate_pdf(certificate, config))

    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", "certificate.pdf", "page"],
        cwd=tmp_path, check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.strip()
    assert scanned == certificate_shc(certificate)
