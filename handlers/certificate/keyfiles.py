"""Signing keys kept in the instance folder: created once, readable by the owner only."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from handlers.certificate.errors import CertificateError


def read_or_create_private_file(path: Path, create: Callable[[], bytes]) -> bytes:
    """The file's bytes, writing `create()` first (mode 0600) if it does not exist.

    The new content goes to a private temporary file that is then linked into place,
    so a concurrent reader never sees a half-written file and two workers never both win.
    """
    if not path.exists():
        content = create()
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.link(temporary, path)
        except FileExistsError:  # another worker created it a moment ago: use theirs
            pass
        finally:
            os.unlink(temporary)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise CertificateError(
            f"署名鍵ファイル {path} が所有者以外にも読める設定です。chmod 600 で権限を絞ってください。"
        )
    return path.read_bytes()
