"""The economy: prices on costs, entry and exit at the rates of the data, firms that follow the labour force.

Statistical checks over seeds at a reduced size of the default scenario; the full-size
figures are in the validation suite.
"""

import numpy as np
import pytest

from chainweave.scenarios import load_scenario

SEEDS = range(10)


def _model(seed, steps, **params):
    scenario = load_scenario("yijing_jingen").with_values(
        {"params.n_firms": 3000, **{f"params.{k}": v for k, v in params.items()}})
    return scenario.build_model(seed=seed, record_flows=False, firm_handles=False, steps=steps)


@pytest.fixture(scope="module")
def runs():
    """Ten default runs of 15 years at 3,000 firms: cluster tables and the final models."""
    out = []
    for seed in SEEDS:
        model = _model(seed, 15)
        model.run(15)
        out.append((model.tables()["cluster"], model))
    return out


def test_entry_and_exit_rates_are_those_of_chinese_manufacturing(runs):
    """Each 8-12% a year (Brandt, Van Biesebroeck and Zhang 2012), years 2-15, over 10 seeds."""
    exit_rates, entry_rates = [], []
    for cluster, _ in runs:
        firms_before = cluster["firms"].shift(1).iloc[2:]
        exit_rates.append((cluster["exits"].iloc[2:] / firms_before).mean())
        entry_rates.append((cluster["entries"].iloc[2:] / firms_before).mean())
    for rates in (exit_rates, entry_rates):
        assert 0.08 <= np.mean(rates) <= 0.12, rates


def test_entrants_keep_their_places_calibration():
    """Entrants copy their cell's R&D share, not the sector's default.

    When they took the sector's default, a place calibrated to little R&D (Enshi: 762 patents
    in 2021) drifted to the sector norm: its firms' R&D rose from 0.4% to 3.1% of value added
    in 25 years without any policy.
    """
    model = _model(2, 3)
    model.run(3)
    f, sec = model.firms, model.sectors
    entrants = f.age == 0
    low = model.net.rd_factor[f.place] < 0.5  # prefectures calibrated well below the default
    assert (entrants & low).sum() >= 10
    relative = f.rd_share[entrants & low] / sec.rd_share[f.sector[entrants & low]]
    assert np.median(relative) < 0.5


def test_the_number_of_firms_follows_the_labour_force():
    """Over 100 years firms per worker stay within a factor 2 of step 0."""
    model = _model(1, 100)
    model.run(100)
    cluster = model.tables()["cluster"]
    per_worker = cluster["firms"] / cluster["labour_supply"]
    ratio = per_worker / per_worker.iloc[0]
    assert ratio.between(0.5, 2.0).all(), ratio.describe()


def test_productivity_gains_lower_prices():
    """Doubling one sector's productivity halves its unit labour cost and lowers its price."""
    base, faster = _model(4, 2), _model(4, 2)
    sector = base.sectors.names.index("equipment")
    faster.firms.productivity[faster.firms.sector == sector] *= 2.0
    base.run(2)
    faster.run(2)
    assert faster.sector_price[sector] < 0.95 * base.sector_price[sector]


def test_mark_ups_stay_in_their_bounds_and_move_with_shares(runs):
    from chainweave.agents.firm import MARKUP_MAX, MARKUP_MIN

    for _, model in runs:
        assert ((model.firms.markup >= MARKUP_MIN) & (model.firms.markup <= MARKUP_MAX)).all()
    _, model = runs[0]
    assert model.firms.markup.std() > 0  # mark-ups have moved apart from the sector's start
