"""Validation of model parameters and sector tables: one clear error naming the field."""

import dataclasses

import numpy as np
import pytest

from chainweave.errors import ParameterError
from chainweave.parameters import POLICY_SHARES, ModelParams, SectorTable, default_sectors


def test_defaults_are_valid_and_documented():
    params = ModelParams()
    for f in dataclasses.fields(params):
        assert f.metadata["doc"] and f.metadata["unit"], f.name
        lo, hi = f.metadata["range"]
        assert lo <= hi


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_firms", -10),
        ("n_firms", 0),
        ("n_firms", 2.5),
        ("participation_rate", 1.2),
        ("barrier_between", -0.1),
        ("hop_attenuation", float("nan")),
        ("institutes_per_tier", (1, 2)),
        ("banks_per_tier", (1, -1, 0)),
        ("rd_subsidy_share", "high"),
        ("collaboration", True),
    ],
)
def test_impossible_values_name_the_parameter_and_value(field, value):
    with pytest.raises(ParameterError) as err:
        ModelParams(**{field: value})
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: got {value!r}")


def test_policy_shares_must_fit_in_the_budget():
    with pytest.raises(ParameterError, match="at most 1"):
        ModelParams(**{name: 0.2 for name in POLICY_SHARES})


def test_replace_validates_and_rejects_unknown_names():
    assert ModelParams().replace(rd_subsidy_share=0.1).rd_subsidy_share == 0.1
    with pytest.raises(ParameterError, match="no_such_lever"):
        ModelParams().replace(no_such_lever=1.0)


def _sector_fields(**changes):
    base = default_sectors()
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    return {**fields, **changes}


def test_default_wage_ratios_are_the_national_average_wages_by_sector():
    """NBS, China Statistical Yearbook 2022, table 4-13 (urban non-private units, 2021,
    yuan a year): each sector's average wage over all sectors' 106,837."""
    all_sectors = 106_837
    wages = {"agriculture": 53_819, "mining": 108_467, "chemicals": 92_459,
             "building_materials": 92_459, "equipment": 92_459, "optoelectronics": 92_459,
             "food_consumer": 92_459, "logistics_trade": (109_851 + 107_735) / 2,
             "tech_services": (201_506 + 151_776) / 2}
    sectors = default_sectors()
    for name, wage in wages.items():
        ratio = sectors.wage_ratio[sectors.names.index(name)]
        assert ratio == pytest.approx(wage / all_sectors, abs=0.005), name


def test_a_sector_table_without_wage_ratios_pays_every_sector_the_place_wage():
    fields = _sector_fields()
    del fields["wage_ratio"]
    assert (SectorTable(**fields).wage_ratio == 1.0).all()


def test_default_sectors_have_value_added_in_zero_one():
    va = default_sectors().value_added_share
    assert np.all((va > 0) & (va < 1))


def test_a_sector_table_without_local_shares_sources_everything_by_gravity():
    fields = _sector_fields()
    del fields["local_share"]
    assert (SectorTable(**fields).local_share == 0.0).all()


def test_default_table_buys_only_households_and_governments_logistics_and_trade_at_home():
    sectors = default_sectors()
    local = dict(zip(sectors.names, sectors.local_share, strict=True))
    assert local.pop("logistics_trade") == 1.0
    assert set(local.values()) == {0.0}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"names": ()}, "sectors"),
        ({"io": np.full((9, 9), 0.2)}, "sectors.io"),
        ({"io": np.zeros((3, 3))}, "sectors.io"),
        ({"final_demand_share": np.full(9, 0.2)}, "sectors.final_demand_share"),
        ({"rd_share": np.full(9, 1.5)}, "sectors.rd_share"),
        ({"carbon_intensity": np.full(9, -1.0)}, "sectors.carbon_intensity"),
        ({"tier_mix": np.full((9, 3), 0.5)}, "sectors.tier_mix"),
        ({"stage": np.zeros(4)}, "sectors.stage"),
        ({"wage_ratio": np.zeros(9)}, "sectors.wage_ratio"),
        ({"wage_ratio": np.full(9, np.inf)}, "sectors.wage_ratio"),
        ({"wage_ratio": np.ones(4)}, "sectors.wage_ratio"),
        ({"local_share": np.full(9, 1.5)}, "sectors.local_share"),
        ({"local_share": np.full(9, np.nan)}, "sectors.local_share"),
        ({"local_share": np.ones(4)}, "sectors.local_share"),
    ],
)
def test_bad_sector_tables_name_the_field(changes, field):
    with pytest.raises(ParameterError) as err:
        SectorTable(**_sector_fields(**changes))
    assert err.value.field == field
