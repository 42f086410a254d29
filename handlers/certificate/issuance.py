"""Issue, reissue and print vaccination certificates: the functions the process calls.

- `issue_certificate`  — decide the doses, sign the SMART Health Card, store the issuance
- `reissue_certificate` — 再交付: a new certificate (new 証明書ID) superseding an old one
- `certificate_pdf`    — the A4 PDF bytes of a stored certificate (identical on reprint)
- `certificate_shc`    — the `shc:/…` text of a stored certificate's QR code

All of them raise `CertificateError` (a Japanese message) for anything a user can fix;
the caller's transaction then writes nothing.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.certificate.eligibility import (
    LATEST_FIVE_NOTE,
    MAX_PRINTED_DOSES,
    Eligibility,
    Passport,
    assess_doses,
)
from handlers.certificate.errors import CertificateError
from handlers.certificate.glyphs import printable_text
from handlers.certificate.pdf import CertificateDocument, PrintedDose, render_pdf
from handlers.certificate.shc import CardDose, CardHolder, ShcIssuer, numeric_shc
from handlers.certificate.vaccines import lookup_product
from handlers.certificate.vds_nc import SealDose, VdsNcSigner
from models.certificate import Certificate, CertificateDose, CertificateKind
from models.resident import Resident
from models.staff import Staff
from models.vaccination import VaccinationRecord

JST = timezone(timedelta(hours=9), "JST")  # 発行日 is the date in Japan
CERTIFICATE_NO_ALPHABET = string.ascii_uppercase + string.digits
CERTIFICATE_NO_LENGTH = 12


@dataclass(frozen=True)
class CertificateConfig:
    """What the city configures: its code, the printed issuer names, and the SHC signer."""

    municipality_code: str  # 全国地方公共団体コード of this city
    issuer_name: str  # 発行自治体, e.g. 石川県金沢市
    issuer_name_en: str
    shc: ShcIssuer
    vds_nc: VdsNcSigner  # ICAO seal of the overseas version


def resident_doses(session: Session, resident: Resident) -> list[VaccinationRecord]:
    return list(
        session.scalars(
            select(VaccinationRecord)
            .where(VaccinationRecord.resident_id == resident.id)
            .order_by(VaccinationRecord.vaccinated_on, VaccinationRecord.dose_number)
        )
    )


def check_eligibility(
    session: Session, config: CertificateConfig, resident: Resident
) -> Eligibility:
    """Every recorded dose of `resident` with the reason it cannot be certified, if any."""
    return assess_doses(resident_doses(session, resident), config.municipality_code, resident)


def issue_certificate(
    session: Session,
    config: CertificateConfig,
    *,
    resident: Resident,
    kind: CertificateKind,
    issued_by: Staff,
    application_date: date,
    passport: Passport | None = None,
    dose_ids: Sequence[int] | None = None,
    case_id: int | None = None,
    issued_at: datetime | None = None,
    supersedes: Certificate | None = None,
    reissue_reason: str | None = None,
) -> Certificate:
    """Issue a certificate for `resident` and add it to `session` (flushed, not committed).

    `dose_ids` are the doses staff picked (default: every eligible dose); a picked dose
    that is not eligible is refused with its reason. More than 5 doses: the latest 5 are
    listed with the fixed note. A 海外用 certificate needs a validated, unexpired passport.
    """
    kind = CertificateKind(kind)
    issued_at = issued_at or datetime.now(UTC)
    eligibility = check_eligibility(session, config, resident)
    if reason := eligibility.rejection_reason:
        raise CertificateError(reason)
    chosen = _chosen_doses(eligibility, dose_ids)
    latest_five_only = len(chosen) > MAX_PRINTED_DOSES
    chosen = chosen[-MAX_PRINTED_DOSES:]

    if kind is CertificateKind.OVERSEAS:
        if passport is None:
            raise CertificateError(
                "海外用の証明書には旅券の情報（旅券番号・ローマ字氏名・国籍・有効期限）が必要です。"
            )
        if passport.expires_on < application_date:
            raise CertificateError(
                "旅券の有効期限が申請日より前のため、海外用の証明書は発行できません。国内用での発行をご案内してください。"
            )
    elif passport is not None:
        raise CertificateError(
            "国内用の証明書には旅券の情報を記載しません。種類を確認してください。"
        )

    substitutions = [
        str(s)
        for text in (resident.family_name, resident.given_name)
        for s in printable_text(text)[1]
    ]
    if passport is not None:
        holder = CardHolder(passport.family_name, passport.given_name, resident.birth_date)
    else:
        holder = CardHolder(resident.family_name, resident.given_name, resident.birth_date)
    card_doses = [CardDose(r.vaccinated_on, r.product, r.lot_no) for r in chosen]
    jws_text = config.shc.issue(holder, card_doses, issued_at)

    certificate_no = _new_certificate_no(session)
    seal = None
    if passport is not None:
        seal = config.vds_nc.seal(
            uvci=certificate_no,
            roman_name=passport.roman_name,
            birth_date=resident.birth_date,
            passport_no=passport.number,
            doses=[SealDose(r.dose_number, r.vaccinated_on, r.product, r.lot_no) for r in chosen],
        )
    certificate = Certificate(
        certificate_no=certificate_no,
        case_id=case_id,
        resident_id=resident.id,
        kind=kind.value,
        family_name=resident.family_name,
        given_name=resident.given_name,
        birth_date=resident.birth_date,
        glyph_substitutions="、".join(dict.fromkeys(substitutions))[:200] or None,
        latest_five_only=latest_five_only,
        shc_jws=jws_text,
        vds_nc=seal,
        issued_at=issued_at,
        issued_by_id=issued_by.id,
        supersedes_id=supersedes.id if supersedes is not None else None,
        reissue_reason=reissue_reason,
    )
    if passport is not None:
        certificate.passport_no = passport.number
        certificate.passport_family_name = passport.family_name
        certificate.passport_given_name = passport.given_name
        certificate.nationality = passport.nationality
        certificate.passport_expires_on = passport.expires_on
    certificate.doses = [
        CertificateDose(
            vaccination_record_id=record.id,
            position=position,
            record_version=record.version,
            dose_number=record.dose_number,
            vaccinated_on=record.vaccinated_on,
            product=record.product,
            manufacturer=record.manufacturer,
            lot_no=record.lot_no,
        )
        for position, record in enumerate(chosen, start=1)
    ]
    session.add(certificate)
    session.flush()
    return certificate


def reissue_certificate(
    session: Session,
    config: CertificateConfig,
    previous: Certificate,
    *,
    reason: str,
    issued_by: Staff,
    application_date: date,
    kind: CertificateKind | None = None,
    passport: Passport | None = None,
    dose_ids: Sequence[int] | None = None,
    case_id: int | None = None,
    issued_at: datetime | None = None,
) -> Certificate:
    """再交付: a new certificate that supersedes `previous`; the old record is kept unchanged.

    The register is read again, so a corrected name or dose appears on the new certificate.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(
            "再交付の理由（紛失、氏名の変更、旅券の更新など）を入力してください。"
        )
    current = session.scalars(
        select(Certificate).where(Certificate.supersedes_id == previous.id)
    ).one_or_none()
    if current is not None:
        raise CertificateError(
            f"証明書ID {previous.certificate_no} はすでに再交付されています"
            f"（新しい証明書ID {current.certificate_no}）。最新の証明書から再交付してください。"
        )
    return issue_certificate(
        session,
        config,
        resident=previous.resident,
        kind=kind or CertificateKind(previous.kind),
        issued_by=issued_by,
        application_date=application_date,
        passport=passport,
        dose_ids=dose_ids,
        case_id=case_id if case_id is not None else previous.case_id,
        issued_at=issued_at,
        supersedes=previous,
        reissue_reason=reason[:200],
    )


def certificate_document(
    certificate: Certificate, config: CertificateConfig
) -> CertificateDocument:
    """What the stored certificate shows, independent of later changes to the register."""
    doses = []
    for dose in certificate.doses:
        product = lookup_product(dose.product)
        doses.append(
            PrintedDose(
                dose_number=dose.dose_number,
                vaccinated_on=dose.vaccinated_on,
                product_name=dose.product,
                manufacturer=dose.manufacturer,
                product_name_en=product.name_en,
                manufacturer_en=product.maker_en,
                lot_no=dose.lot_no,
            )
        )
    return CertificateDocument(
        certificate_no=certificate.certificate_no,
        overseas=certificate.is_overseas,
        family_name=certificate.family_name,
        given_name=certificate.given_name,
        birth_date=certificate.birth_date,
        doses=doses,
        latest_five_note=LATEST_FIVE_NOTE if certificate.latest_five_only else None,
        issuer_name=config.issuer_name,
        issuer_name_en=config.issuer_name_en,
        issued_on=certificate.issued_at.astimezone(JST).date(),
        shc_jws=certificate.shc_jws,
        passport=stored_passport(certificate),
        vds_nc=certificate.vds_nc,
    )


def stored_passport(certificate: Certificate) -> Passport | None:
    """The passport data an overseas certificate was issued with (None for domestic)."""
    if not certificate.is_overseas:
        return None
    if not (
        certificate.passport_no
        and certificate.passport_family_name
        and certificate.nationality
        and certificate.passport_expires_on
    ):
        raise CertificateError(
            f"証明書ID {certificate.certificate_no} の旅券情報が欠けているため印刷できません。"
        )
    return Passport(
        number=certificate.passport_no,
        family_name=certificate.passport_family_name,
        given_name=certificate.passport_given_name or "",
        nationality=certificate.nationality,
        expires_on=certificate.passport_expires_on,
    )


def certificate_pdf(certificate: Certificate, config: CertificateConfig) -> bytes:
    """The certificate as A4 PDF bytes (the 個人番号 is not part of it)."""
    return render_pdf(certificate_document(certificate, config))


def certificate_shc(certificate: Certificate) -> str:
    """The numeric `shc:/…` text carried by the certificate's QR code."""
    return numeric_shc(certificate.shc_jws)


def _chosen_doses(
    eligibility: Eligibility, dose_ids: Sequence[int] | None
) -> list[VaccinationRecord]:
    """The doses to certify, oldest first: those staff picked, or every eligible one."""
    if dose_ids is None:
        return eligibility.eligible_records
    by_id = {d.record.id: d for d in eligibility.decisions}
    chosen = []
    for dose_id in dict.fromkeys(dose_ids):
        decision = by_id.get(dose_id)
        if decision is None:
            raise CertificateError(
                "選択された接種記録はこの方の記録ではありません。画面を開き直してください。"
            )
        if not decision.eligible:
            raise CertificateError(
                f"{decision.record.dose_number}回目の接種は証明できません: {decision.reason}"
            )
        chosen.append(decision.record)
    if not chosen:
        raise CertificateError("証明する接種記録を1件以上選択してください。")
    return sorted(chosen, key=lambda r: (r.vaccinated_on, r.dose_number))


def _new_certificate_no(session: Session) -> str:
    """A random 12-character 証明書ID not used before (36^12 values: collisions are a formality)."""
    while True:
        candidate = "".join(
            secrets.choice(CERTIFICATE_NO_ALPHABET) for _ in range(CERTIFICATE_NO_LENGTH)
        )
        exists = session.scalar(
            select(Certificate.id).where(Certificate.certificate_no == candidate)
        )
        if exists is None:
            return candidate
