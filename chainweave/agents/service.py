"""Service providers: banks, venture capital, incubators and intermediaries (the service chain).

Providers serve firms in their own place and, through the spillover kernel, in other places.
Banks and venture funds have lending capacity that tracks local value added; incubators host
startups (capacity x effectiveness: an incubator with effectiveness near 0 is "a formality",
a landlord); intermediaries raise the odds that knowledge is transferred to firms.
Phase: `provide_services` (step 3).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from chainweave.agents.table import ColumnTable, RowAgent, group_sum
from chainweave.network import column_sums, gravity_flows, row_sums

if TYPE_CHECKING:
    from chainweave.model import ClusterModel


class ServiceKind(IntEnum):
    """What a service provider offers."""

    BANK = 0
    VENTURE_CAPITAL = 1
    INCUBATOR = 2
    INTERMEDIARY = 3


class ProviderTable(ColumnTable):
    """One row per service provider.

    ``capacity_weight`` is the provider's share of its kind's capacity in its place (banks,
    funds), or its own capacity (incubators: startups hosted; intermediaries: enterprises
    served), counted in real enterprises, not model firms.
    """

    COLUMNS: ClassVar[dict[str, type]] = {
        "place": np.int64,
        "kind": np.int8,  # ServiceKind
        "capacity_weight": np.float64,
        "base_effectiveness": np.float64,  # [0, 1], without government upgrade spending
        "effectiveness": np.float64,  # [0, 1], this year
        "served": np.float64,  # M yuan lent or invested, startups hosted, firms served
    }


class ServiceProvider(RowAgent):
    """Mesa handle onto one row of `ProviderTable`."""

    table_name = "providers"


def capacity_by_place(model: ClusterModel, kind: ServiceKind) -> NDArray[np.float64]:
    """Returns what the providers of one kind in each place can supply this year.

    Banks and venture capital: M yuan, a multiple of last year's local value added times the
    place's providers' weights and effectiveness, times the government's finance factor
    (1 unless an S&T finance policy raises it). Incubators: startups they can host.
    Intermediaries: enterprises they can serve.
    """
    s, prm, n = model.providers, model.params, model.net.n
    mask = s.kind == kind
    economy = np.maximum(model.last.value_added, 0.0)  # a place losing money has no finance
    if kind == ServiceKind.BANK:
        weight = group_sum(s.place[mask], s.capacity_weight[mask] * s.effectiveness[mask], n)
        return weight * prm.bank_capacity_per_gdp * model.governments.bank_factor * economy
    if kind == ServiceKind.VENTURE_CAPITAL:
        weight = group_sum(s.place[mask], s.capacity_weight[mask] * s.effectiveness[mask], n)
        return weight * prm.vc_capacity_per_gdp * model.governments.vc_factor * economy
    return group_sum(s.place[mask], s.capacity_weight[mask], n)


def quality_by_place(model: ClusterModel, kind: ServiceKind) -> NDArray[np.float64]:
    """Returns the capacity-weighted mean effectiveness of a place's providers of one kind."""
    s, n = model.providers, model.net.n
    mask = s.kind == kind
    cap = group_sum(s.place[mask], s.capacity_weight[mask], n)
    eff = group_sum(s.place[mask], s.capacity_weight[mask] * s.effectiveness[mask], n)
    return np.divide(eff, cap, out=np.zeros(n), where=cap > 0)


def serve(
    model: ClusterModel, kind: ServiceKind, asked: NDArray[np.float64]
) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    """Returns (flows, granted share per place) of one service sought by each place.

    Places source what they ask from provider places by `gravity_flows` over
    `service_reach` x K (themselves with weight 1), each provider place delivering at most
    its `capacity_by_place`: capacity is shared, not copied, between the places it serves.
    """
    flows = gravity_flows(asked, capacity_by_place(model, kind), model.service_reach, cap_by_supply=True)
    got = row_sums(flows)
    return flows, np.divide(got, asked, out=np.zeros(len(asked)), where=asked > 0).clip(0, 1)


def received_quality(
    model: ClusterModel, kind: ServiceKind, flows: sp.csr_matrix
) -> NDArray[np.float64]:
    """Returns, per place, the flow-weighted effectiveness of the providers that served it."""
    got = row_sums(flows)
    weighted = flows @ quality_by_place(model, kind)
    return np.divide(weighted, got, out=np.zeros(len(got)), where=got > 0)


def provide_services(model: ClusterModel) -> None:
    """Step 3: credit, venture capital, incubation and intermediation reach firms.

    Every service is sought by places and supplied by provider places through `serve`
    (gravity over the kernel, capped by each provider place's capacity).
    Credit: a firm's desired investment is I* = K (delta + g*), g* = clip(a (d/y - 1),
    -delta, 0.3) with d its last demand and y its capacity. It asks banks for what keeps its
    debt at the target leverage, lambda (K + I*) - debt, and orders capital goods for
    min(I*, (1 - lambda) I* + credit) M yuan (the equity part only while its net worth is
    positive); what is delivered and paid joins capital at the year's accounts
    (`firm.pay_for_goods`, `firm.settle_accounts`).
    Venture capital: each young high-tech enterprise seeks a fixed ticket; equity raises net
    worth and is spent on capital goods (or R&D staff, `firm.finance_rd`).
    Incubation: startups (young firms x enterprises per firm) seek places; a startup is hosted
    with the share its place obtained and receives support x quality per enterprise as a
    grant from its place's government (`incubator_support`), which raises its net worth.
    Intermediation: enterprises seek service; coverage and quality feed the transfer odds.
    Startups and firms are counted in real enterprises, so coverage does not depend on how
    many model firms represent the cluster.
    """
    f, prm, n = model.firms, model.params, model.net.n
    per_firm = model.enterprises_per_firm

    excess = np.divide(f.demand, f.capacity, out=np.ones(len(f)), where=f.capacity > 0) - 1.0
    growth = np.clip(prm.investment_accelerator * excess, -prm.depreciation_rate, 0.3)
    desired = f.capital * (prm.depreciation_rate + growth)
    asked = np.maximum(prm.target_leverage * (f.capital + desired) - f.debt, 0.0)
    credit_flows, granted = serve(model, ServiceKind.BANK, group_sum(f.place, asked, n))
    f.credit = asked * granted[f.place]
    equity = np.where(f.net_worth > 0, (1 - prm.target_leverage) * desired, 0.0)
    f.debt += f.credit
    f.invested = np.minimum(desired, equity + f.credit)

    seeks_vc = model.sectors.high_tech[f.sector] & (f.age < prm.young_age)
    vc_asked = np.where(seeks_vc, prm.vc_ticket * per_firm, 0.0)
    vc_flows, vc_granted = serve(model, ServiceKind.VENTURE_CAPITAL, group_sum(f.place, vc_asked, n))
    f.venture_capital = vc_asked * vc_granted[f.place]
    f.net_worth += f.venture_capital
    f.invested += f.venture_capital

    startups = np.flatnonzero(f.age < prm.young_age)
    hosting, coverage = serve(model, ServiceKind.INCUBATOR,
                              group_sum(f.place[startups], None, n) * per_firm)
    quality = received_quality(model, ServiceKind.INCUBATOR, hosting)
    hosted = startups[model.rng.random(len(startups)) < coverage[f.place[startups]]]
    f.incubated = np.zeros(len(f), dtype=bool)
    f.incubated[hosted] = True
    f.incubator_support = np.zeros(len(f))
    f.incubator_support[hosted] = prm.incubator_support * per_firm * quality[f.place[hosted]]
    f.net_worth += f.incubator_support
    model.incubation_coverage, model.incubation_quality = coverage, quality

    desks, reached = serve(model, ServiceKind.INTERMEDIARY, group_sum(f.place, None, n) * per_firm)
    model.intermediary_coverage = reached
    model.intermediation_quality = received_quality(model, ServiceKind.INTERMEDIARY, desks)
    _record_served(model, ServiceKind.BANK, credit_flows)
    _record_served(model, ServiceKind.VENTURE_CAPITAL, vc_flows)
    model.step_flows["service"] = credit_flows + vc_flows


def upgrade_incubators(model: ClusterModel) -> None:
    """Step 1b: this year's incubator spending sets the effectiveness of the place's incubators.

    e = e_base + (1 - e_base) * s / (s + c * H), with s the place's incubator spending (M yuan),
    H the startups its incubators can host and c the yearly spending per hosted startup that
    closes half the gap to full incubation. Quality lasts as long as the spending.
    """
    s, n = model.providers, model.net.n
    mask = s.kind == ServiceKind.INCUBATOR
    places = group_sum(s.place[mask], s.capacity_weight[mask], n)
    spend = model.governments.incubator_spend
    need = model.params.incubator_upgrade_cost * places
    gain = np.divide(spend, spend + need, out=np.zeros(n), where=(spend + need) > 0)[s.place[mask]]
    base = s.base_effectiveness[mask]
    s.effectiveness[mask] = base + (1.0 - base) * gain


def _record_served(model: ClusterModel, kind: ServiceKind, flows: sp.csr_matrix) -> None:
    """Stores what each provider of ``kind`` lent this year: its share of its place's outflows."""
    s, n = model.providers, model.net.n
    mask = s.kind == kind
    sent = column_sums(flows)
    weight = s.capacity_weight[mask] * s.effectiveness[mask]
    total = group_sum(s.place[mask], weight, n)[s.place[mask]]
    s.served[mask] = np.divide(weight, total, out=np.zeros(mask.sum()), where=total > 0) \
        * sent[s.place[mask]]
