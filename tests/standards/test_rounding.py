from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np

from lanqing.standards.rounding import ceil_div, gbt8170, gbt8170_array, round_half_even_ratio


def test_gbt8170_rounds_an_exact_half_to_the_even_digit():
    assert gbt8170(17.5, 0) == Decimal(18)
    assert gbt8170(16.5, 0) == Decimal(16)
    assert gbt8170(2.25, 1) == Decimal("2.2")
    assert gbt8170(2.35, 1) == Decimal("2.4")


def test_gbt8170_reads_floats_by_their_decimal_spelling():
    assert gbt8170(2.675, 2) == Decimal("2.68")
    assert gbt8170(Fraction(1, 3), 2) == Decimal("0.33")


def test_the_array_form_treats_binary_noise_around_a_half_as_the_half():
    values = np.array([0.1 + 0.2 + 2.15, 16.5, 17.5, 2.2500000000000004, np.nan])
    assert list(gbt8170_array(values[:4], 1)) == [2.4, 16.5, 17.5, 2.2]
    assert np.isnan(gbt8170_array(values, 0)[-1])


def test_integer_helpers_are_exact():
    assert list(ceil_div(np.array([10, 11, -1]), 5)) == [2, 3, 0]
    assert list(round_half_even_ratio(np.array([5, 15, 7]), 10)) == [0, 2, 1]
