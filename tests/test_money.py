"""Stock-flow consistency: every payment has a payer and a payee, and the money accounts
agree with the model's own balance sheets, every year (`chainweave.agents.money`)."""

import numpy as np
import pytest

from chainweave.agents.money import Sector
from chainweave.scenarios import load_scenario

TOLERANCE = 1e-9
YEARS = 12


def _model(seed, policies=(), **params):
    values = {"params.n_firms": 1500, **{f"params.{k}": v for k, v in params.items()}}
    scenario = load_scenario("yijing_jingen").with_values(values)
    if policies:
        scenario = scenario.with_policies(list(policies))
    return scenario.build_model(seed=seed, record_flows=False, firm_handles=False, steps=YEARS)


CASES = {
    "default": {},
    "no outside growth": {"export_growth": 0.0},
    # Carbon price, standards and enforcement close dirty firms; finance shocks lend more.
    "levers": {"carbon_price": 200.0, "emission_standard": 300.0, "enforcement_share": 0.03,
               "incubator_share": 0.03, "rd_subsidy_share": 0.1},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_accounts_balance_every_year(case):
    for seed in (0, 1):
        model = _model(seed, **CASES[case])
        for _ in range(YEARS):
            model.step()
            errors = model.ledger.errors(model)
            assert max(errors.values()) < TOLERANCE, (case, seed, model.year, errors)


def test_accounts_balance_under_every_policy_of_the_library():
    from chainweave.scenarios.policies import POLICIES

    model = _model(2, policies=sorted(POLICIES))
    for _ in range(8):
        model.step()
        assert max(model.ledger.errors(model).values()) < TOLERANCE, model.ledger.errors(model)


def test_money_goes_round():
    """Each sector pays and is paid: households are paid wages and buy goods, governments
    collect taxes and pay salaries, banks lend and are repaid, the outside world buys."""
    model = _model(3)
    model.run(3)
    booked = model.ledger.transactions().set_index("item")
    paid = booked["paid"]
    for item in ("sales", "wages", "taxes", "government pay", "credit", "repayment",
                 "interest", "dividends", "R&D wages"):
        assert paid[item] > 0, item
    bought = model.purchases
    assert bought.households.sum() > 0 and bought.exports.sum() > 0
    assert np.isclose(bought.households.sum() + bought.government.sum() + bought.intermediates.sum()
                      + bought.investment.sum() + bought.exports.sum(),
                      booked.loc["sales", "received"], rtol=1e-12)


def test_the_check_finds_money_made_from_nothing():
    """Capital that no one paid for, or a payment with no payee, shows in the errors."""
    model = _model(4)
    model.run(2)
    model.firms.capital[0] += 1.0
    assert model.ledger.errors(model)["firm_money"] > 1e-7
    model.firms.capital[0] -= 1.0
    model.ledger.balance[Sector.HOUSEHOLDS, 0] += 1.0
    assert model.ledger.errors(model)["accounts"] > 1e-7


def test_the_tables_report_households_income_and_deposits_as_booked():
    """The places table's household_deposits is the households' account each year (0 at the
    opening of the accounts) and grows by what they were paid less what they spent, plus
    their other receipts; household_income is what they spend from the next year."""
    model = _model(5)
    deposits, income = [], []
    for _ in range(3):
        before = model.ledger.balance[Sector.HOUSEHOLDS].sum()
        model.step()
        deposits.append(model.ledger.balance[Sector.HOUSEHOLDS].copy())
        income.append(model.household_income.copy())
        booked = model.ledger.transactions()
        received = booked.loc[(booked.payee == "households") & (booked.payer != "households"), "received"]
        pay = booked.loc[(booked.payee == "households") & (booked.payer != "households")
                         & ~booked["item"].isin(["liquidation payout", "founders' equipment"]), "received"]
        assert pay.sum() == pytest.approx(income[-1].sum(), rel=1e-12)
        assert deposits[-1].sum() - before == pytest.approx(
            received.sum() - model.purchases.households.sum(), rel=1e-9)
    places = model.tables()["places"].sort_values(["step", "place"])
    by_step = {s: rows for s, rows in places.groupby("step")}
    assert (by_step[0]["household_deposits"] == 0).all()
    for year in (1, 2, 3):
        np.testing.assert_allclose(by_step[year]["household_deposits"], deposits[year - 1], rtol=1e-12)
        np.testing.assert_allclose(by_step[year]["household_income"], income[year - 1], rtol=1e-12)
    cluster = model.tables()["cluster"].set_index("step")
    assert cluster.at[3, "household_deposits"] == pytest.approx(deposits[-1].sum(), rel=1e-12)


def test_labour_compensation_is_part_of_households_income():
    """What firms pay workers, R&D staff and managers is paid to households, with dividends,
    institutes' and government pay on top."""
    model = _model(0)
    model.run(YEARS)
    c = model.tables()["cluster"]
    assert (c["labour_compensation"] > 0).all()
    assert (c["labour_compensation"] < c["household_income"]).all()
    share = c["labour_compensation"] / c["value_added"]
    assert share.between(0.0, 1.0).all()
