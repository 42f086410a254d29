"""外字 (characters the printer's Japanese font lacks) and their 代用漢字 (substitute kanji).

The certificate PDF uses reportlab's built-in CID fonts (Adobe-Japan1, UCS-2 encoded),
which cannot address characters outside the Basic Multilingual Plane (𠮷, 𡈽, …) and
do not carry every rare BMP ideograph either. A character counts as printable when it
is in the BMP and in Windows-31J (JIS X 0208 with the NEC/IBM extensions: 髙, 﨑, …) or
in JIS X 0213; any other character is replaced by its 代用漢字 when one is known, by
its NFKC form when that is printable, and by 〓 (下駄記号) otherwise. Every replacement is
reported so that the issuance record can say the printed name differs from the register.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GETA = "〓"

# Well-known 外字 of personal names and the 代用漢字 municipalities print instead.
SUBSTITUTES = {
    "𠮷": "吉",  # つちよし
    "𡈽": "土",
    "𣘺": "橋",
    "𠀋": "丈",
    "𥔎": "碕",
    "𦚰": "脇",
    "𩵋": "魚",
    "𠝏": "剣",
}


@dataclass(frozen=True)
class Substitution:
    original: str
    printed: str

    def __str__(self) -> str:
        return f"{self.original}→{self.printed}"


def is_printable(char: str) -> bool:
    if ord(char) < 0x80:
        return char.isprintable() or char == "\n"
    if ord(char) > 0xFFFF:
        return False
    for codec in ("cp932", "euc_jis_2004"):
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            continue
        return True
    return False


def printable_text(text: str) -> tuple[str, list[Substitution]]:
    """`text` with every unprintable character replaced, and the replacements made."""
    out: list[str] = []
    substitutions: list[Substitution] = []
    for char in text:
        if is_printable(char):
            out.append(char)
            continue
        replacement = SUBSTITUTES.get(char)
        if replacement is None:
            normalized = unicodedata.normalize("NFKC", char)
            replacement = (
                normalized
                if normalized != char and all(is_printable(c) for c in normalized)
                else GETA
            )
        out.append(replacement)
        substitutions.append(Substitution(char, replacement))
    return "".join(out), substitutions
