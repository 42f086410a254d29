"""情報提供用個人識別符号 (the per-person code the network uses instead of the 個人番号).

The real 符号 is issued by J-LIS. Sesshu and its simulator derive a stand-in
with an HMAC over the 個人番号 under a key both hold, so the network messages
never carry a 個人番号 and the code cannot be reversed without the key.
"""

from __future__ import annotations

import hashlib
import hmac

from models.identifiers import validate_my_number

_LABEL = b"sesshu-subject-token/1\n"


def subject_token(my_number: str, token_key: bytes) -> str:
    number = validate_my_number(my_number)
    return hmac.new(token_key, _LABEL + number.encode("ascii"), hashlib.sha256).hexdigest()
