"""Second factor: TOTP (RFC 6238, via pyotp) with replay protection, and recovery codes.

A code is accepted for the current 30-second step or one step either side (clock
drift), and only if its step is later than the last accepted one
(`Staff.totp_last_step`), so an observed code cannot be used twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.staff import Staff
from models.types import UTCDateTime

ISSUER = "Sesshu"
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 16 characters from a 32-letter alphabet: 80 bits, so a plain SHA-256 is enough to
# keep stored codes useless (they are not guessable the way passwords are).
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz023456789"  # no i, l, o, 1


class RecoveryCode(Base):
    """A one-time code that replaces a TOTP code when the phone is lost (回復コード)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def derive_secret(key: str | bytes, material: str) -> str:
    """A base32 TOTP secret (160 bits) derived from a server key and per-enrolment material."""
    key_bytes = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key_bytes, f"totp-enrolment:{material}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def provisioning_uri(secret: str, login_id: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login_id, issuer_name=ISSUER)


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than `after_step`."""
    code = normalize_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if after_step is not None and step <= after_step:
                return None
            return step
    return None


def verify_totp(staff: Staff, code: str, now: datetime) -> bool:
    """Check a code against the person's enrolled secret and consume its step."""
    if not staff.totp_secret:
        return False
    step = matching_step(staff.totp_secret, code, now, staff.totp_last_step)
    if step is None:
        return False
    staff.totp_last_step = step
    return True


def _digest(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def issue_recovery_codes(session: Session, staff: Staff) -> list[str]:
    """Replace the person's recovery codes; the plain codes are shown once and never stored."""
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff.id)):
        session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    session.add_all(RecoveryCode(staff_id=staff.id, code_hash=_digest(c)) for c in codes)
    session.flush()
    return codes


def use_recovery_code(session: Session, staff: Staff, code: str, now: datetime) -> bool:
    """Accept an unused recovery code once."""
    if len(normalize_code(code)) != 16:
        return False
    row = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.staff_id == staff.id,
            RecoveryCode.code_hash == _digest(code),
            RecoveryCode.used_at.is_(None),
        )
    ).first()
    if row is None:
        return False
    row.used_at = now
    return True


def remaining_recovery_codes(session: Session, staff: Staff) -> int:
    return len(session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None)
        )
    ).all())
