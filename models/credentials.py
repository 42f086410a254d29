"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12

# Passwords people pick first; refused whatever their length.
COMMON_PASSWORDS = frozenset({
    "password1234", "passwordpassword", "123456789012", "qwertyuiopas", "abcdefghijkl",
    "kanazawa1234", "sesshu123456", "administrator", "password1234!", "p@ssw0rd1234",
    "111111111111", "000000000000", "iloveyou1234", "letmein12345", "welcome12345",
})

_hasher = PasswordHasher()


class PasswordPolicyError(ValueError):
    """The password breaks the policy; the message is Japanese."""


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) <= 2:
        raise PasswordPolicyError("推測されやすいパスワードは使えません。")


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
