"""情報提供用個人識別符号 (the per-person code the network uses instead of the 個人番号).

The real 符号 is issued by J-LIS. Sesshu and its simulator derive a stand-in
with an HMAC over the 個人番号 under a key both hold, so the network messages
never carry a 個人番号 and the code cannot be reversed without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.identifiers import validate_my_number
from models.resident import Resident
from models.subject_token import SubjectToken

_LABEL = b"sesshu-subject-token/1\n"
_BATCH = 1000


def subject_token(my_number: str, token_key: bytes) -> str:
    number = validate_my_number(my_number)
    return hmac.new(token_key, _LABEL + number.encode("ascii"), hashlib.sha256).hexdigest()


def register_subject_tokens(session: Session, token_key: bytes, now: datetime) -> int:
    """Issue the 符号 of residents who have none, or whose row changed since; return how many."""
    stale = (
        select(Resident.id, Resident.my_number, SubjectToken)
        .outerjoin(SubjectToken, SubjectToken.resident_id == Resident.id)
        .where(
            Resident.my_number.is_not(None),
            or_(SubjectToken.resident_id.is_(None), Resident.updated_at > SubjectToken.issued_at),
        )
        .order_by(Resident.id)
    )
    issued = 0
    for resident_id, my_number, row in session.execute(stale).all():
        token = subject_token(my_number, token_key)
        if row is None:
            session.add(SubjectToken(resident_id=resident_id, token=token, issued_at=now))
        else:
            row.token, row.issued_at = token, now
        issued += 1
        if issued % _BATCH == 0:
            session.flush()
    session.flush()
    return issued


def resident_for_subject(
    session: Session, token: str, token_key: bytes, now: datetime
) -> Resident | None:
    """The resident an incoming query names.

    Missing or outdated 符号 are issued first when the token is unknown or points
    at a resident changed since, so a 個人番号 that was replaced never matches.
    """
    query = (
        select(Resident, SubjectToken.issued_at)
        .join(SubjectToken, SubjectToken.resident_id == Resident.id)
        .where(SubjectToken.token == token)
    )
    found = session.execute(query).one_or_none()
    if found is None or found[0].updated_at > found[1]:
        register_subject_tokens(session, token_key, now)
        found = session.execute(query).one_or_none()
    return found[0] if found is not None else None
