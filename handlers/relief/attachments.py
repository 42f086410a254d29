"""Scanned documents attached to a claim: checked by content (magic bytes), size-limited,
stored under the instance folder (never under the web root) and named by a random key."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from handlers.relief.common import ReliefError
from models.relief_document import ReliefAttachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Leading bytes of the accepted formats; the uploaded name and declared type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def detect_media_type(head: bytes) -> str | None:
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None


def store(session: Session, folder: Path, claim_id: int, purpose: str, filename: str, data: bytes,
          staff_id: int | None, max_bytes: int = DEFAULT_MAX_BYTES) -> ReliefAttachment:
    if not data:
        raise ReliefError("ファイルが空です")
    if len(data) > max_bytes:
        raise ReliefError(f"ファイルが大きすぎます（上限 {max_bytes // (1024 * 1024)} MB）")
    media_type = detect_media_type(data[:16])
    if media_type is None:
        raise ReliefError("PDF・JPEG・PNG のファイルだけを添付できます（ファイルの中身で判定しています）")
    key = secrets.token_hex(20)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    row = ReliefAttachment(claim_id=claim_id, purpose=purpose[:30], filename=(Path(filename).name or "添付")[:200],
                           media_type=media_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                           storage_key=key, uploaded_by_id=staff_id)
    session.add(row)
    session.flush()
    return row


def read(folder: Path, attachment: ReliefAttachment) -> bytes:
    data = (folder / attachment.storage_key).read_bytes()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise ReliefError("添付ファイルが保存時から変わっています。システム管理者に連絡してください")
    return data
