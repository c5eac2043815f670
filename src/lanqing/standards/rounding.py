"""Exact rounding: the AQI's "round up" (HJ 633-2012 §6.2) and GB/T 8170 "round half to even".

Concentrations are read once onto an integer grid (see air_tables.SCALE); after that every step is integer
arithmetic, so no binary-float error (CO 24-h 2.2 mg/m³ -> IAQI 55, not 56) can creep in.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import numpy as np


def ceil_div(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """Integer ceiling of num/den for integer arrays, den > 0."""
    return -((-num) // den)


def round_half_even_ratio(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """Nearest integer to num/den (den > 0), ties to the even integer: GB/T 8170 on exact rationals."""
    num = np.asarray(num, dtype=np.int64)
    quotient, remainder = np.divmod(num, den)
    twice = 2 * remainder
    up = (twice > den) | ((twice == den) & (quotient % 2 == 1))
    return quotient + up


def gbt8170(value: float | int | str | Decimal | Fraction, digits: int) -> Decimal:
    """GB/T 8170 rounding of one number to `digits` decimals.

    A float is read by its shortest decimal spelling (17.5 stays 17.5; 2.675 is 2.675, not 2.67499…).
    """
    if isinstance(value, Fraction):
        scaled = value * 10**digits
        quotient, remainder = divmod(scaled.numerator, scaled.denominator)
        twice = 2 * remainder
        if twice > scaled.denominator or (twice == scaled.denominator and quotient % 2 == 1):
            quotient += 1
        return Decimal(quotient).scaleb(-digits)
    number = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else str(value))
    )
    return number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)


def gbt8170_array(values: np.ndarray, digits: int) -> np.ndarray:
    """GB/T 8170 rounding of float statistics, vectorised.

    A float within 1e-9 (relative) of a half-way point is taken as the exact half: means and percentiles of
    values read on a decimal grid are rationals with small denominators, so a true half shows up as 17.4999…
    or 17.5000…1 only through binary error, never as a genuine value that close. NaN stays NaN.
    """
    x = np.asarray(values, dtype=np.float64)
    factor = 10.0**digits
    scaled = x * factor
    lower = np.floor(scaled)
    fraction = scaled - lower
    tie = np.abs(fraction - 0.5) <= 1e-9 * np.maximum(1.0, np.abs(scaled))
    odd = np.mod(lower, 2.0) == 1.0
    rounded = np.where(tie, lower + odd, np.rint(scaled))
    return rounded / factor
