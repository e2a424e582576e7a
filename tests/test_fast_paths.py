"""The numpy fast paths taken above 50,000 values give exactly what the exact integer paths give, at their edges."""

from fractions import Fraction

from connectome.exact import scaled, scaled_list
from connectome.sim.plan import delays_in_steps

MANY = 50_001


def test_sixteen_digit_strengths_leave_the_float_path_for_the_exact_one():
    """959.0409552561403 has 16 significant digits: beyond what doubles keep distinct, so numpy may not decide."""
    values = [959.0409552561403] * MANY + [0.1, 1000.0]
    ints, power = scaled(values)
    assert (ints[959.0409552561403], power) == (9590409552561403, 13)
    assert scaled_list(values) == ([ints[v] for v in values], power)


def test_fourteen_digit_strengths_on_the_float_path_are_the_exact_decimals():
    values = [959.04095525614] * MANY + [0.3, 2.5e-7]
    assert scaled_list(values) == ([95904095525614] * MANY + [3 * 10**10, 25000], 11)


def test_delays_at_exact_halves_round_up_on_the_float_path_too():
    """0.35 mm at 7/3 mm/ms and dt 0.1 ms is 1.5 steps exactly (2 after rounding half up), where the float
    ratio is not exactly 1.5; 0.7 is 3 steps, 0.1166… sits far from any half."""
    lengths = [0.35] * MANY + [0.7, 0.1, 0.35 + 1e-9]
    where = lambda i: ("a", "b")  # noqa: E731
    fast = delays_in_steps(lengths, Fraction(7, 3), Fraction(1, 10), 10**6, where)
    exact = [delays_in_steps([v], Fraction(7, 3), Fraction(1, 10), 10**6, where)[0] for v in (0.35, 0.7, 0.1, 0.35 + 1e-9)]
    assert exact == [2, 3, 0, 2]
    assert fast == [2] * MANY + exact[1:]
