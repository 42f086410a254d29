"""Reading the CSV files other systems send: encoding, checksum, numbered rows.

Municipal systems still emit Shift_JIS/CP932 beside UTF-8 (with or without BOM).
Undecodable bytes become U+FFFD so that the row holding them is rejected on its
own instead of stopping the whole file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENCODINGS = ("utf-8", "cp932")
UNDECODABLE = "\ufffd"
_CHUNK = 1 << 20


class SourceError(ValueError):
    """The file cannot be read at all; str(error) is a Japanese message."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    encoding: str  # a Python codec: "utf-8-sig" or "cp932"
    checksum: str  # SHA-256 of the bytes: the same file is the same run
    data_rows: int  # physical lines after the header (for the progress bar)

    @property
    def encoding_label(self) -> str:
        return "utf-8" if self.encoding.startswith("utf-8") else self.encoding


def open_source(path: Path, encoding: str | None = None) -> SourceFile:
    """Checksum, line count and encoding (detected unless given) of `path`."""
    digest = hashlib.sha256()
    lines = 0
    head = b""
    last = b"\n"
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                head = head or chunk
                digest.update(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError as exc:
        raise SourceError(f"ファイルを読めません: {path}（{exc.strerror}）") from exc
    if last != b"\n":
        lines += 1
    if encoding is None:
        encoding = detect_encoding(head)
    elif encoding not in ENCODINGS:
        raise SourceError(f"文字コード {encoding} には対応していません（utf-8 または cp932）。")
    codec = "utf-8-sig" if encoding == "utf-8" else encoding  # utf-8-sig also drops a BOM
    return SourceFile(path, codec, digest.hexdigest(), max(lines - 1, 0))


def detect_encoding(head: bytes) -> str:
    """UTF-8 when the first megabyte decodes as UTF-8 (or starts with a BOM), else CP932."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def numbered_rows(source: SourceFile, header: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each data row; the header must match `header`."""
    with source.path.open(encoding=source.encoding, errors="replace", newline="",
                          buffering=_CHUNK) as handle:
        reader = csv.reader(handle)
        first = next(reader, None)
        if first is None:
            raise SourceError("ファイルが空です。")
        if tuple(cell.strip() for cell in first) != header:
            raise SourceError(
                "1行目の項目名が定義と一致しません。"
                f"期待: {','.join(header)} / 実際: {','.join(first)}"
            )
        for fields in reader:
            if fields:
                yield reader.line_num, fields


def row_text(fields: list[str]) -> str:
    """The row as one CSV line, for the reject file."""
    return ",".join(
        f'"{f.replace(chr(34), chr(34) * 2)}"' if any(c in f for c in ',"\r\n') else f
        for f in fields
    )
