"""How long a certificate takes to sign and print, and how large its QR code gets.

Runs on the deterministic demo population (no database): for every person with a
certifiable dose it builds the SMART Health Card and the PDF, and prints timings,
JWS lengths and the largest QR version (the specification allows 22).

    .venv/bin/python benchmarks/certificate_documents.py [people]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from handlers.certificate.eligibility import SPECIAL_TEMPORARY_LAST_DAY, Passport
from handlers.certificate.pdf import CertificateDocument, PrintedDose, render_pdf
from handlers.certificate.shc import CardDose, CardHolder, issuer_for, qr_code
from handlers.certificate.vaccines import lookup_product
from handlers.certificate.vds_nc import SealDose, signer_for
from handlers.certificate.vds_nc import qr_code as seal_qr_code
from models.demo.people import generate_people
from models.vaccination import DEFAULT_MUNICIPALITY_CODE


def main(people: int) -> None:
    instance = Path(tempfile.mkdtemp())
    issuer = issuer_for(instance, "https://vc.example.jp/issuer")
    signer = signer_for(instance, "Kanazawa City")
    passport = Passport("TK1234567", "KANAZAWA", "TARO", "JPN", date(2030, 1, 1))
    sign_ms, pdf_ms, lengths, versions, pdf_sizes = [], [], [], [], []
    seal_ms, seal_lengths, seal_versions, overseas_pdf_ms = [], [], [], []
    for person in generate_people(people):
        doses = [
            d
            for d in person.doses
            if d.municipality_code == DEFAULT_MUNICIPALITY_CODE
            and d.vaccinated_on <= SPECIAL_TEMPORARY_LAST_DAY
        ][-5:]
        if not doses:
            continue
        started = time.perf_counter()
        jws = issuer.issue(
            CardHolder(person.family_name, person.given_name, person.birth_date),
            [CardDose(d.vaccinated_on, d.product, d.lot_no) for d in doses],
            datetime.now(UTC),
        )
        sign_ms.append((time.perf_counter() - started) * 1000)
        lengths.append(len(jws))
        versions.append(qr_code(jws).version)
        document = CertificateDocument(
            certificate_no="BENCHMARK000",
            overseas=False,
            family_name=person.family_name,
            given_name=person.given_name,
            birth_date=person.birth_date,
            doses=[
                PrintedDose(
                    d.dose_number,
                    d.vaccinated_on,
                    d.product,
                    d.manufacturer,
                    lookup_product(d.product).name_en,
                    lookup_product(d.product).maker_en,
                    d.lot_no,
                )
                for d in doses
            ],
            latest_five_note=None,
            issuer_name="石川県金沢市",
            issuer_name_en="Kanazawa City",
            issued_on=date.today(),
            shc_jws=jws,
        )
        started = time.perf_counter()
        pdf_sizes.append(len(render_pdf(document)))
        pdf_ms.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        seal = signer.seal(
            uvci="BENCHMARK000",
            roman_name=passport.roman_name,
            birth_date=person.birth_date,
            passport_no=passport.number,
            doses=[SealDose(d.dose_number, d.vaccinated_on, d.product, d.lot_no) for d in doses],
        )
        seal_ms.append((time.perf_counter() - started) * 1000)
        seal_lengths.append(len(seal))
        seal_versions.append(seal_qr_code(seal).version)
        started = time.perf_counter()
        render_pdf(replace(document, overseas=True, passport=passport, vds_nc=seal))
        overseas_pdf_ms.append((time.perf_counter() - started) * 1000)

    count = len(lengths)
    print(f"certificates: {count} (of {people} demo people)")
    print(f"sign SHC:   median {statistics.median(sign_ms):.1f} ms, max {max(sign_ms):.1f} ms")
    print(f"render PDF: median {statistics.median(pdf_ms):.1f} ms, max {max(pdf_ms):.1f} ms")
    print(f"PDF size:   median {statistics.median(pdf_sizes) / 1024:.0f} KiB")
    print(f"JWS length: median {statistics.median(lengths):.0f}, max {max(lengths)} characters")
    print(f"QR version: max {max(versions)} (limit 22)")
    print(
        f"VDS-NC seal: median {statistics.median(seal_ms):.1f} ms to sign, "
        f"max {max(seal_lengths)} characters, QR version max {max(seal_versions)}"
    )
    print(f"overseas PDF (two codes): median {statistics.median(overseas_pdf_ms):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
