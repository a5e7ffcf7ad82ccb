"""Passwords: the policy a new one must meet, and its argon2id hash (argon2-cffi).

A password is a low-entropy secret people choose, so unlike a token's secret it gets a
slow, salted hash; a hash made with older parameters is upgraded at the next sign-in."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scic.errors import refuse
from scic.i18n import N_

MIN_LENGTH = 12
_HASHER = PasswordHasher()
# Verified against when the e-mail is unknown, so a miss costs what a wrong password costs.
_NO_HASH = _HASHER.hash("no such account: this hash is never matched")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of passwords people often choose (lowercased)."""
    text = resources.files("scic.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_policy(password: str) -> None:
    """Refuse a new password shorter than 12 characters or found in the common list."""
    if len(password) < MIN_LENGTH:
        raise refuse(
            "password-too-short",
            f"a password needs at least {MIN_LENGTH} characters (this one has {len(password)})",
            N_("Un mot de passe compte au moins %(least)s caractères (celui-ci en a %(has)s)."),
            least=MIN_LENGTH,
            has=len(password),
        )
    if password.strip().lower() in common_passwords():
        raise refuse(
            "password-too-common",
            "this password is in the list of common passwords: choose another one",
            N_("Ce mot de passe fait partie des mots de passe courants : choisissez-en un autre."),
        )


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Does `password` match the stored hash? (None: no password set — still as slow.)"""
    try:
        return _HASHER.verify(stored or _NO_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
