"""Unified social credit code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

from django.utils.translation import gettext_noop

# GB 32100-2015 clause 4.1: the 31 characters allowed (no I, O, Z, S, V).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 clause 5.2: weight of position i is 3^i mod 31.
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None when it is: an English message to pass to gettext."""
    if len(code) != 18:
        return gettext_noop("must be 18 characters long")
    bad = sorted({char for char in code if char not in ALPHABET})
    if bad:
        return gettext_noop("contains characters not allowed in a credit code")
    # Positions 3–8 hold the registering authority's 6-digit division code.
    if not code[2:8].isdigit():
        return gettext_noop("characters 3 to 8 must be a division code of 6 digits")
    if check_character(code[:17]) != code[17]:
        return gettext_noop("the check character does not match")
    return None


def make_credit_code(first17: str) -> str:
    """Completes 17 characters with their check character (used by the demo's fictional enterprises)."""
    return first17 + check_character(first17)
