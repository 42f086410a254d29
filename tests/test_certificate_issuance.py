"""Issuing, printing and reissuing certificates on a real database."""

import re
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from handlers.certificate.eligibility import LATEST_FIVE_NOTE, validate_passport
from handlers.certificate.errors import CertificateError
from handlers.certificate.issuance import (
    certificate_pdf,
    issue_certificate,
    reissue_certificate,
)
from models import Certificate, CertificateDose, CertificateKind, VaccinationCategory
from tests.certificate_factories import (
    COVID_DOSES,
    FORMER_CITY,
    add_covid_doses,
    add_dose,
    make_resident,
    make_staff,
)
from web.certificate_settings import certificate_config

APPLIED = date(2026, 11, 26)
ISSUED_AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 10:30 in Japan


@pytest.fixture
def config(app):
    with app.app_context():
        yield certificate_config()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def japanese_passport():
    return validate_passport(
        number="TK1234567",
        family_name="KANAZAWA",
        given_name="TARO",
        nationality="JPN",
        expires_on=date(2030, 1, 1),
        application_date=APPLIED,
    )


def test_domestic_certificate_lists_the_doses_in_japanese_and_never_the_my_number(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 1)
        records = add_covid_doses(session, resident, 3)
        certificate = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED, issued_at=ISSUED_AT,
        )
        data = certificate_pdf(certificate, config)
        my_number, atena_no = resident.my_number, resident.atena_no

    assert re.fullmatch(r"[A-Z0-9]{12}", certificate.certificate_no)
    assert certificate.dose_ids == [r.id for r in records]
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "新型コロナワクチン接種証明書", "Vaccination Certificate of COVID-19", "国内用",
        "金沢", "太郎", "昭和25年1月2日", "令和3年6月1日", "令和4年1月20日",
        "コミナティ筋注", "ファイザー", "スパイクバックス筋注", "FA4597", "3004667",
        "石川県金沢市", "令和8年11月26日", certificate.certificate_no, "Date of birth", "Lot.No",
    ):
        assert expected in text, expected
    assert "KANAZAWA" not in text and "旅券番号" not in text  # the name is Japanese only
    digits = re.sub(r"\D", "", text)
    assert my_number not in digits
    assert atena_no not in digits


def test_overseas_certificate_adds_passport_romaji_iso_dates_and_english(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 2)
        add_covid_doses(session, resident, 2)
        certificate = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.OVERSEAS,
            issued_by=staff, application_date=APPLIED, passport=japanese_passport(),
            issued_at=ISSUED_AT,
        )
        data = certificate_pdf(certificate, config)
        my_number = resident.my_number

    text = pdf_text(data)
    for expected in (
        "KANAZAWA TARO", "金沢", "TK1234567", "JPN", "1950-01-02", "2021-06-01", "2021-06-22",
        "COMIRNATY / Pfizer", "接種国", "Japan", "2026-11-26", "Kanazawa City",
        certificate.certificate_no,
    ):
        assert expected in text, expected
    assert my_number not in re.sub(r"\D", "", text)
    assert certificate.passport_no == "TK1234567" and certificate.nationality == "JPN"


def test_the_latest_five_of_seven_doses_are_printed_with_the_note(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 3)
        records = add_covid_doses(session, resident, 7)
        certificate = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED,
        )
        text = pdf_text(certificate_pdf(certificate, config))

    assert certificate.dose_ids == [r.id for r in records[2:]]
    assert certificate.latest_five_only
    assert LATEST_FIVE_NOTE in text
    assert "令和3年6月1日" not in text  # dose 1 is left out
    assert "令和6年3月31日" in text


def test_a_person_who_moved_in_gets_only_this_citys_doses(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 4, previous_municipality_code=FORMER_CITY)
        add_dose(session, resident, 1, date(2021, 6, 1), municipality_code=FORMER_CITY)
        add_dose(session, resident, 2, date(2021, 6, 22), municipality_code=FORMER_CITY)
        ours = add_dose(session, resident, 3, date(2022, 6, 1), lot="FE8206")
        certificate = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED,
        )
        text = pdf_text(certificate_pdf(certificate, config))

    assert certificate.dose_ids == [ours.id]
    assert "FE8206" in text and "令和3年6月1日" not in text


def test_a_name_outside_the_font_prints_its_substitute_and_the_substitution_is_recorded(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 5, family_name="𠮷田", given_name="健")
        add_covid_doses(session, resident, 1)
        certificate = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED,
        )
        text = pdf_text(certificate_pdf(certificate, config))

    assert "吉田" in text and "𠮷" not in text
    assert certificate.glyph_substitutions == "𠮷→吉"
    assert certificate.family_name == "𠮷田"  # the record keeps the registered name


def test_no_eligible_dose_is_refused_and_nothing_is_written(db, config):
    refused = pytest.raises(CertificateError, match="証明できる接種記録がありません")
    with refused, db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 6)
        add_dose(session, resident, 1, date(2024, 10, 15), category=VaccinationCategory.ROUTINE_B)
        issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED,
        )
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_picked_dose_that_cannot_be_certified_is_refused_with_its_reason(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 7)
        ours = add_dose(session, resident, 1, date(2021, 6, 1))
        theirs = add_dose(session, resident, 2, date(2021, 6, 22), municipality_code=FORMER_CITY)
        with pytest.raises(CertificateError, match="2回目の接種は証明できません: 他の市町村"):
            issue_certificate(
                session, config, resident=resident, kind=CertificateKind.DOMESTIC,
                issued_by=staff, application_date=APPLIED, dose_ids=[ours.id, theirs.id],
            )
        picked = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED, dose_ids=[ours.id],
        )
        assert picked.dose_ids == [ours.id]


def test_overseas_needs_an_unexpired_passport(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 8)
        add_covid_doses(session, resident, 1)
        with pytest.raises(CertificateError, match="旅券の情報"):
            issue_certificate(
                session, config, resident=resident, kind=CertificateKind.OVERSEAS,
                issued_by=staff, application_date=APPLIED,
            )
        with pytest.raises(CertificateError, match="国内用での発行"):
            issue_certificate(
                session, config, resident=resident, kind=CertificateKind.OVERSEAS,
                issued_by=staff, application_date=date(2030, 1, 2), passport=japanese_passport(),
            )


def test_reissue_creates_a_new_certificate_that_supersedes_the_old_one(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 9)
        add_covid_doses(session, resident, 2)
        first = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED,
        )
        with pytest.raises(CertificateError, match="再交付の理由"):
            reissue_certificate(
                session, config, first, reason=" ", issued_by=staff, application_date=APPLIED
            )
        resident.family_name = "犀川"  # name changed (e.g. marriage): the reissue shows it
        second = reissue_certificate(
            session, config, first, reason="氏名変更", issued_by=staff, application_date=APPLIED,
            kind=CertificateKind.OVERSEAS, passport=japanese_passport(),
        )
        with pytest.raises(CertificateError, match=f"新しい証明書ID {second.certificate_no}"):
            reissue_certificate(
                session, config, first, reason="紛失", issued_by=staff, application_date=APPLIED
            )
        first_id, second_id = first.id, second.id

    with db.transaction() as session:
        old, new = session.get(Certificate, first_id), session.get(Certificate, second_id)
        assert new.supersedes is old and old.superseded_by is new
        assert old.certificate_no != new.certificate_no
        assert (old.family_name, new.family_name) == ("金沢", "犀川")
        assert (old.kind, new.kind) == ("domestic", "overseas")
        assert new.reissue_reason == "氏名変更"
        assert session.scalar(select(func.count()).select_from(CertificateDose)) == 4


def test_a_reprint_shows_what_was_issued_even_after_the_record_changes(db, config):
    with db.transaction() as session:
        staff = make_staff(session)
        resident = make_resident(session, 10)
        (record,) = add_covid_doses(session, resident, 1)
        certificate = issue_certificate(
            session, config, resident=resident, kind=CertificateKind.DOMESTIC,
            issued_by=staff, application_date=APPLIED,
        )
        record.lot_no, record.version = "FE9787", 2
        session.flush()
        text = pdf_text(certificate_pdf(certificate, config))
    assert COVID_DOSES[0][3] in text and "FE9787" not in text
    assert certificate.doses[0].record_version == 1
