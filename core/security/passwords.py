"""Password hashing with argon2 (argon2-cffi's recommended parameters).

The parameters are stored in each hash, so a hash made with other parameters still
verifies; a successful sign-in re-hashes it with the current ones (``needs_rehash``).
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash with other parameters from now on.

    The test suite uses argon2's cheapest profile: its thousands of sign-ins would
    otherwise spend a quarter of a second each on the recommended 64 MiB and three
    passes. The server never calls this.
    """
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """The work of verifying a password, for a login that does not exist.

    So that the time an answer takes does not tell which logins exist.
    """
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password")
    verify_password(_dummy_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
