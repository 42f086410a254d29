"""Small hand-made registry files (住基連携ファイル) for the import tests; every person is fictitious."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from handlers.registry_import.rows import COLUMNS
from models.demo.people import synthetic_my_number


def person(serial: int, **overrides: str) -> dict[str, str]:
    row = {
        "宛名番号": f"{serial:010d}",
        "個人番号": synthetic_my_number(serial),
        "氏名_姓": "金沢",
        "氏名_名": f"太郎{serial}" if serial > 9 else "太郎",
        "カナ氏名_姓": "カナザワ",
        "カナ氏名_名": "タロウ",
        "生年月日": "1960-05-01",
        "性別": "1",
        "郵便番号": "920-0962",
        "住所": f"石川県金沢市広坂二丁目{serial}番99号",
        "世帯番号": f"{serial:010d}",
        "異動事由": "",
        "異動日": "",
        "転入前住所": "",
        "転入前市町村コード": "",
    }
    row.update(overrides)
    return row


def write_registry(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    path.write_bytes(out.getvalue().encode(encoding))
    return path
