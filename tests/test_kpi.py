"""KPI figures carry units and deltas, formatted the way a council reads them."""

import math

from twin.kpi import Figure, cost_per_unit, format_delta, format_value


def test_delta_and_formatting():
    covered = Figure("persons_good", "Persons with good 4G", 412_345, "persons", "radio", 410_000)
    assert covered.delta == 2_345
    assert format_value(covered.value, covered.unit) == "412 345 people"
    assert format_delta(covered) == "+2 345 people"
    lost = Figure("pv", "PV", 10.0, "MWh/yr", "energy", 12.5)
    assert format_delta(lost) == "−2.50 MWh/year"
    assert format_value(1_250_000, "EUR") == "1.25 M€"
    assert format_value(12_500, "EUR") == "12.5 k€"
    assert format_delta(Figure("x", "x", 1, "t", "energy")) == "–"


def test_cost_per_person_is_undefined_without_gain():
    assert cost_per_unit(1_000_000, 400) == 2_500
    assert math.isnan(cost_per_unit(1_000_000, 0))
