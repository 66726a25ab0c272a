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
    sector = base.sectors.names.index("general_machinery")
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


@pytest.fixture(scope="module")
def followed():
    """Ten default runs of 20 years at 3,000 firms, followed firm by firm: for each year, the
    firms alive at its start (age, labour) and whether they exited during it."""
    years = []
    for seed in SEEDS:
        model = _model(seed, 20)
        for year in range(20):
            uid, age, labour = model.firms.uid.copy(), model.firms.age.copy(), model.firms.labour.copy()
            model.step()
            if year >= 1:  # year 1's exits still reflect the step-0 balance sheets
                years.append((seed, age, labour, ~np.isin(uid, model.firms.uid)))
    return years


def _hazards(followed, group, k):
    """Per seed, the exit hazard of each of k groups (``group(age, labour)`` gives 0..k-1)."""
    out = {}
    for seed, age, labour, exited in followed:
        g = group(age, labour)
        total = out.setdefault(seed, [np.zeros(k), np.zeros(k)])
        total[0] += np.bincount(g, weights=exited, minlength=k)
        total[1] += np.bincount(g, minlength=k)
    return np.array([e / n for e, n in out.values()])


def test_exit_hazard_falls_with_age(followed):
    """Liability of newness: firms aged 0-1 fail more often than those aged 2-4, and those
    more than firms of 10 years and more, in every seed (Evans 1987; Dunne, Roberts and
    Samuelson 1989), from thin buffers that fragility tests, not from an age rule."""
    hazard = _hazards(followed, lambda age, _: np.digitize(age, [2, 5, 10]), 4)
    assert (hazard[:, 0] > hazard[:, 1]).all() and (hazard[:, 1] > hazard[:, 3]).all(), hazard
    assert hazard[:, 0].mean() > 2 * hazard[:, 3].mean(), hazard.mean(axis=0)


def test_exit_hazard_falls_with_size(followed):
    """The largest fifth of firms by employment exits less than the smallest fifth."""
    def quintile(_, labour):
        return np.minimum(np.argsort(np.argsort(labour)) * 5 // len(labour), 4)

    hazard = _hazards(followed, quintile, 5)
    assert (hazard[:, 4] < hazard[:, 0]).all(), hazard
    assert hazard[:, 4].mean() < 0.6 * hazard[:, 0].mean(), hazard.mean(axis=0)


def test_without_growth_sources_d_is_at_rest():
    """Innovation, imitation, transfer and outside demand growth off: D drifts by less than
    0.0005 a year over 20 years (a linear trend, two seeds)."""
    for seed in (0, 1):
        model = _model(seed, 20, export_growth=0.0, innovation_intensity=0.0,
                       imitation_intensity=0.0, transfer_probability_max=0.0)
        model.run(20)
        cluster = model.tables()["cluster"]
        assert abs(np.polyfit(cluster["step"], cluster["D"], 1)[0]) < 0.0005


def test_employment_dips_after_a_demand_shock_and_recovers():
    """Outside demand 30% lower in years 11 and 12: the employment rate falls significantly
    below its unshocked path while the shock lasts, and five years after it ends the gap is
    within two points (ten seeds, common random numbers). Issue 13's "back within one point
    in five years" is the validation suite's known gap `employment_recovery`: the model
    overshoots its unshocked path by up to about 1.4 points in years 17-20."""
    gaps = []
    for seed in SEEDS:
        paths = []
        for shocked in (False, True):
            model = _model(seed, 25, n_firms=5000)
            model.run(10)
            normal = model.export_demand.copy()
            if shocked:
                model.export_demand = 0.7 * normal
            model.run(2)
            model.export_demand = normal
            model.run(5)
            cluster = model.tables()["cluster"]
            paths.append((cluster["employment"] / cluster["labour_supply"]).to_numpy())
        gaps.append(paths[1] - paths[0])
    gaps = np.array(gaps)
    dip = gaps[:, 13]
    assert dip.mean() + 2 * dip.std(ddof=1) / np.sqrt(len(dip)) < -0.02, dip
    assert abs(gaps[:, 17].mean()) < 0.02, gaps[:, 17]


@pytest.fixture(scope="module")
def tail_exponents():
    """Hill estimates of the tail exponent of firm employment (top 5 %) at steps 20 and 50, one
    per seed, at the default 20,000 firms (smaller runs have thinner tails to estimate from)."""
    from chainweave.validation.statistics import hill_estimate

    at = {20: [], 50: []}
    for seed in SEEDS:
        model = _model(seed, 50, n_firms=20_000)
        for steps in (20, 30):
            model.run(steps)
            at[model.year].append(hill_estimate(model.firms.labour, 0.05))
    return np.mean(at[20]), np.mean(at[50])


def test_the_size_distribution_has_a_pareto_tail_at_step_50(tail_exponents):
    """Mean of ten seeds within 0.8-1.3 at step 50 (Axtell 2001 finds about 1 for US firms)."""
    assert 0.8 <= tail_exponents[1] <= 1.3, tail_exponents


@pytest.mark.xfail(strict=True, reason=(
    "known gap tail_exponent_step20 / tail_exponent_stationary (docs/validation.md): with the "
    "33-industry table the tail forms more slowly, alpha 1.34 at step 20 and 1.09 at step 50"))
def test_the_size_distribution_reaches_its_tail_by_step_20_and_stays(tail_exponents):
    """Mean of ten seeds within 0.8-1.3 at step 20 too, and the two within 0.15 of each other
    (issue 13). Strict: the suite fails when this passes, so that the mark is removed."""
    alpha20, alpha50 = tail_exponents
    assert 0.8 <= alpha20 <= 1.3 and abs(alpha20 - alpha50) < 0.15, tail_exponents


def test_wages_follow_productivity_tightness_and_its_change():
    """One year of the wage rule by hand: d ln w = phi d ln A + eps (tau - e*) + kappa d tau
    per place, and every firm pays its place's wage times its sector's ratio."""
    from chainweave.agents import firm, money
    from chainweave.agents.table import group_sum

    model = _model(5, 3)
    model.run(2)
    f, g, prm, n = model.firms, model.governments, model.params, model.net.n
    wage, a_before, tau_before = g.wage.copy(), model.place_productivity.copy(), model.labour_tightness.copy()
    tau = group_sum(f.place, f.labour_desired, n) / g.labour_supply
    firm.hire_and_pay(model)
    expected = (prm.wage_productivity_passthrough * np.log(model.place_productivity / a_before)
                + prm.wage_tightness_elasticity * (tau - prm.employment_rate)
                + prm.wage_tightness_change_elasticity * (tau - tau_before))
    assert np.allclose(np.log(g.wage / wage), np.clip(expected, -0.2, 0.2), atol=1e-12)
    assert np.allclose(model.labour_tightness, tau)
    ratio = model.sectors.wage_ratio[f.sector]
    assert np.allclose(money.firm_wage(model), g.wage[f.place] * ratio)
