"""Money: who pays whom each year, and the money each sector holds (stock-flow consistency).

Every payment of the model has a payer and a payee among five sectors, each with an account
per place: firms, households, city governments, the financial sector (banks and venture
capital funds) and the outside world (buyers of exports and the central government that
funds institutes). `MoneyLedger` books the payments of each year (`book_year`, `book_exits`,
`book_entrants`, `book_migration`) and keeps the accounts; `MoneyLedger.errors` checks them
against the model's own state, as Eurace@Unibi checks its stock-flow rules (Dawid et al.
2019): what every payer paid was received, the accounts sum to zero, each firm's money is
its net worth less its capital plus its debt, the banks' loan book is the firms' debt, the
income households spend next year is what they were paid, and the taxes governments spend
next year are what firms paid.

Money is M yuan at current prices. Firms' money may be negative (an overdraft), the
financial sector's is minus the deposits it owes, the outside world's is minus what it paid
in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from chainweave.agents.table import group_sum
from chainweave.parameters import POLICY_SHARES

if TYPE_CHECKING:
    from chainweave.agents.firm import FirmAccounts
    from chainweave.model import ClusterModel


class Sector(IntEnum):
    """The money-holding sectors of the cluster (one account per sector and place)."""

    FIRMS = 0
    HOUSEHOLDS = 1
    GOVERNMENT = 2
    FINANCE = 3
    OUTSIDE = 4


@dataclass(frozen=True)
class Payment:
    """One kind of payment of one year: its total as paid and as received, M yuan."""

    item: str
    payer: Sector
    payee: Sector
    paid: float
    received: float


@dataclass
class Purchases:
    """What buyers paid for goods this year, M yuan (`firm.produce_and_trade`).

    Attributes:
        households, government, intermediates, investment: Paid by the buyers of each place
            (households' consumption, governments' public services, firms' inputs and
            capital goods).
        exports: Paid by buyers outside the cluster, by the selling firm's place.
    """

    households: NDArray[np.float64]
    government: NDArray[np.float64]
    intermediates: NDArray[np.float64]
    investment: NDArray[np.float64]
    exports: NDArray[np.float64]


def government_pay_share(model: ClusterModel) -> NDArray[np.float64]:
    """Returns the share of each government's budget paid to its households as pay.

    The budget not given to a policy lever pays civil servants and transfers, and the
    enforcement and incubator spending pays inspectors' and incubator staff's wages:
    1 - sum of the policy shares + enforcement share + incubator share, in [0, 1].
    """
    g = model.governments
    levers = sum(getattr(g, name) for name in POLICY_SHARES)
    return np.clip(1.0 - levers + g.enforcement_share + g.incubator_share, 0.0, 1.0)


def institute_funding_from_government(model: ClusterModel) -> NDArray[np.float64]:
    """Returns what each government pays its institutes: talent and platform spending, M yuan.

    Paid only where the place has institutes; the rest of the institutes' funding comes from
    outside the cluster (the central government).
    """
    g, inst = model.governments, model.institutes
    has = group_sum(inst.place, None, model.net.n) > 0
    return np.where(has, g.talent_spend + g.platform_spend, 0.0)


class MoneyLedger:
    """The money accounts of the five sectors by place, and the payments of the current year.

    Attributes:
        balance: (sectors x places) money held, M yuan; see the module docstring for signs.
        loans: The financial sector's loan book by the borrowing firm's place, M yuan.
        payments: This year's payments, one per kind.
        taxes: This year's taxes and emission payments received by each government, M yuan.
    """

    def __init__(self, n_places: int) -> None:
        self.n = n_places
        self.balance = np.zeros((len(Sector), n_places))
        self.loans = np.zeros(n_places)
        self.payments: list[Payment] = []
        self.taxes = np.zeros(n_places)

    def open(self, model: ClusterModel) -> None:
        """Opens the accounts from the firms' step-0 balance sheets (the end of year 0).

        Firms hold money = net worth - capital + debt; the banks owe it as deposits and hold
        the firms' debt as loans; the other accounts start at zero.
        """
        f = model.firms
        f.cash = f.net_worth - f.capital + f.debt
        self.balance[:] = 0.0
        self.balance[Sector.FIRMS] = group_sum(f.place, f.cash, self.n)
        self.balance[Sector.FINANCE] = -self.balance[Sector.FIRMS]
        self.loans = group_sum(f.place, f.debt, self.n)
        self.begin_year()

    def begin_year(self) -> None:
        """Clears the list of this year's payments."""
        self.payments = []
        self.taxes = np.zeros(self.n)

    def pay(self, item: str, payer: Sector, payee: Sector, paid: NDArray[np.float64],
            received: NDArray[np.float64] | None = None) -> None:
        """Books one kind of payment, by place: ``paid`` leaves the payer's accounts.

        ``received`` (``paid`` when None) reaches the payee's.
        """
        received = paid if received is None else received
        self.balance[payer] -= paid
        self.balance[payee] += received
        self.payments.append(Payment(item, payer, payee, float(paid.sum()), float(received.sum())))
        if payee == Sector.GOVERNMENT and item == "taxes":
            self.taxes += received

    def buy(self, paid: dict[Sector, NDArray[np.float64]], received: NDArray[np.float64]) -> None:
        """Books the year's sales of goods, by place.

        ``paid`` by each buying sector, ``received`` by the selling firms (their revenue).
        """
        for payer, amount in paid.items():
            self.balance[payer] -= amount
        self.balance[Sector.FIRMS] += received
        self.payments.append(Payment("sales", Sector.FIRMS, Sector.FIRMS,
                                     float(sum(a.sum() for a in paid.values())), float(received.sum())))

    def transactions(self) -> pd.DataFrame:
        """Returns this year's payments: item, payer, payee, paid and received (M yuan)."""
        return pd.DataFrame([{"item": p.item, "payer": p.payer.name.lower(),
                              "payee": p.payee.name.lower(), "paid": p.paid,
                              "received": p.received} for p in self.payments])

    def errors(self, model: ClusterModel) -> dict[str, float]:
        """Returns the relative errors of the stock-flow checks (each should be below 1e-9).

        Each is the largest absolute gap divided by a scale, the year's largest payment (at
        least 1 M yuan): ``payments`` (paid - received of each kind), ``accounts`` (the sum
        of all accounts), ``firm_money`` (each firm's money against net worth - capital +
        debt, and the firms' accounts against their money by place), ``loans`` (loan book
        against the firms' debt by place) and ``taxes`` (the governments' tax revenue against
        the taxes paid).
        """
        f, n = model.firms, self.n
        scale = max([1.0, *(abs(p.paid) for p in self.payments)])
        by_place = group_sum(f.place, f.cash, n)
        gaps = {
            "payments": max([0.0, *(abs(p.paid - p.received) for p in self.payments)]),
            "accounts": float(abs(self.balance.sum())),
            "firm_money": max(float(np.abs(f.cash - (f.net_worth - f.capital + f.debt)).max(initial=0.0)),
                              float(np.abs(self.balance[Sector.FIRMS] - by_place).max())),
            "loans": float(np.abs(self.loans - group_sum(f.place, f.debt, n)).max()),
            "taxes": float(np.abs(model.governments.tax_revenue - self.taxes).max()),
        }
        return {name: gap / scale for name, gap in gaps.items()}


def firm_wage(model: ClusterModel) -> NDArray[np.float64]:
    """Returns the wage each firm pays a worker, M yuan a year.

    Its place's wage times its sector's `SectorTable.wage_ratio` (sector pay differentials,
    from national data).
    """
    f = model.firms
    return model.governments.wage[f.place] * model.sectors.wage_ratio[f.sector]


def firm_labour_pay(model: ClusterModel) -> dict[str, NDArray[np.float64]]:
    """Returns, per firm, what it pays the people it employs this year by item, M yuan.

    Wages, R&D wages (its own and its subsidised R&D, paid to researchers) and overhead (paid
    to the people who run the enterprises it stands for): its labour compensation.
    """
    f = model.firms
    return {"wages": firm_wage(model) * f.labour,
            "R&D wages": f.rd_own + f.rd_subsidy,
            "overhead": np.full(len(f), model.params.overhead_per_enterprise * model.enterprises_per_firm)}


def firm_pay(model: ClusterModel, accounts: FirmAccounts) -> dict[str, NDArray[np.float64]]:
    """Returns, per firm, what it pays households this year by item, M yuan.

    Its labour compensation (`firm_labour_pay`) and its dividends.
    """
    return {**firm_labour_pay(model), "dividends": accounts.dividends}


def household_pay(model: ClusterModel, by_firm: dict[str, NDArray[np.float64]]
                  ) -> dict[str, tuple[Sector, NDArray[np.float64]]]:
    """Returns, per place, the income households are paid this year by item, with its payer.

    The firms' pay (``by_firm``, `firm_pay`), institutes' funding (researchers' pay: the
    talent and platform spending of their governments, the rest from the central
    government outside) and government pay (`government_pay_share` of the budget), M yuan.
    This is the income households spend next year (`firm.household_income`).
    """
    g, inst, n = model.governments, model.institutes, model.net.n
    pay = {item: (Sector.FIRMS, group_sum(model.firms.place, values, n)) for item, values in by_firm.items()}
    funded = institute_funding_from_government(model)
    pay["institutes' pay"] = (Sector.GOVERNMENT, funded)
    pay["institutes' central funding"] = (Sector.OUTSIDE, group_sum(inst.place, inst.funding, n) - funded)
    pay["government pay"] = (Sector.GOVERNMENT, g.budget * government_pay_share(model))
    return pay


def book_year(model: ClusterModel, accounts: FirmAccounts) -> NDArray[np.float64]:
    """Books the year's payments (step 6a); returns households' income by place, M yuan.

    The income (`household_pay`) is what households spend next year.

    Firms' money changes by revenue - inputs - capital goods - wages - R&D - overhead -
    interest - taxes - dividends - repayment + credit + venture capital + incubator support;
    each item is booked against its payer or payee. Called by `firm.settle_accounts` once
    the capital goods are added and before debt is repaid.
    """
    led, f, n, prm = model.ledger, model.firms, model.net.n, model.params
    bought = model.purchases

    def firms(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return group_sum(f.place, values, n)

    led.buy({Sector.HOUSEHOLDS: bought.households, Sector.GOVERNMENT: bought.government,
             Sector.OUTSIDE: bought.exports, Sector.FIRMS: bought.intermediates + bought.investment},
            firms(f.revenue))
    led.pay("rd subsidies", Sector.GOVERNMENT, Sector.FIRMS, firms(f.rd_subsidy))
    led.pay("incubator support", Sector.GOVERNMENT, Sector.FIRMS, firms(f.incubator_support))
    by_firm = firm_pay(model, accounts)
    income = np.zeros(n)
    for item, (payer, amount) in household_pay(model, by_firm).items():
        led.pay(item, payer, Sector.HOUSEHOLDS, amount)
        income += amount
    taxes = accounts.taxes
    led.pay("taxes", Sector.FIRMS, Sector.GOVERNMENT, firms(taxes))
    interest = prm.interest_rate * f.debt
    repayment = prm.debt_repayment_rate * f.debt
    led.pay("interest", Sector.FIRMS, Sector.FINANCE, firms(interest))
    led.pay("repayment", Sector.FIRMS, Sector.FINANCE, firms(repayment))
    led.pay("credit", Sector.FINANCE, Sector.FIRMS, firms(f.credit))
    led.pay("venture capital", Sector.FINANCE, Sector.FIRMS, firms(f.venture_capital))
    led.loans += firms(f.credit - repayment)

    f.cash += (f.revenue - f.materials_paid - f.capital_bought + f.rd_subsidy - sum(by_firm.values())
               - taxes - interest - repayment + f.credit + f.venture_capital + f.incubator_support)
    return income


def book_exits(model: ClusterModel, leaves: NDArray[np.bool_]) -> None:
    """Books the liquidation of the firms that exit (step 6b), before they leave the table.

    A firm's money first repays its debt; what is left goes to its owners (households of its
    place); debt its money cannot repay is written off the loan book, and an overdraft is
    cancelled by the bank, so the firm leaves with no money.
    """
    led, f, n = model.ledger, model.firms, model.net.n
    cash, debt, place = f.cash[leaves], f.debt[leaves], f.place[leaves]
    repaid = np.clip(cash, 0.0, debt)
    payout = np.maximum(cash - debt, 0.0)
    overdraft = np.maximum(-cash, 0.0)
    led.pay("liquidation repayment", Sector.FIRMS, Sector.FINANCE, group_sum(place, repaid, n))
    led.pay("liquidation payout", Sector.FIRMS, Sector.HOUSEHOLDS, group_sum(place, payout, n))
    led.pay("overdrafts written off", Sector.FINANCE, Sector.FIRMS, group_sum(place, overdraft, n))
    led.loans -= group_sum(place, debt, n)
    f.cash[leaves] = 0.0


def book_relocation(model: ClusterModel, movers: NDArray[np.int64],
                    origin: NDArray[np.int64]) -> None:
    """Moves the money and debt of relocating firms from their old place's accounts to the new."""
    led, f, n = model.ledger, model.firms, model.net.n
    led.pay("relocation", Sector.FIRMS, Sector.FIRMS, group_sum(origin, f.cash[movers], n),
            group_sum(f.place[movers], f.cash[movers], n))
    led.loans += group_sum(f.place[movers], f.debt[movers], n) - group_sum(origin, f.debt[movers], n)


def book_entrants(model: ClusterModel, place: NDArray[np.int64], debt: NDArray[np.float64]) -> None:
    """Books the founding of new firms, with no money of their own.

    Founders bring the equipment in kind, and the bank loan at the target leverage pays them
    for the part the firm borrows, so an entrant starts with net worth - capital + debt = 0.
    """
    led, n = model.ledger, model.net.n
    lent = group_sum(place, debt, n)
    led.pay("entrants' loans", Sector.FINANCE, Sector.FIRMS, lent)
    led.pay("founders' equipment", Sector.FIRMS, Sector.HOUSEHOLDS, lent)
    led.loans += lent


def book_migration(model: ClusterModel, flows, population_before: NDArray[np.float64]) -> None:
    """Moves migrants' deposits with them: each mover takes the mean deposit of the place left."""
    led = model.ledger
    per_head = np.divide(led.balance[Sector.HOUSEHOLDS], population_before,
                         out=np.zeros(led.n), where=population_before > 0)
    out = per_head * np.asarray(flows.sum(axis=0)).ravel()
    led.pay("migrants' deposits", Sector.HOUSEHOLDS, Sector.HOUSEHOLDS, out, flows @ per_head)
