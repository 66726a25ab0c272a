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
from chainweave.network import gravity_flows

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
    """Returns the effective capacity of one kind of provider in each place.

    Capacity x effectiveness, summed over the place's providers of that kind. For banks and
    venture capital capacity is M yuan per year: a multiple of last year's local value added.
    """
    s, prm, n = model.providers, model.params, model.net.n
    mask = s.kind == kind
    effective = group_sum(s.place[mask], s.capacity_weight[mask] * s.effectiveness[mask], n)
    if kind == ServiceKind.BANK:
        return effective * prm.bank_capacity_per_gdp * model.last.value_added
    if kind == ServiceKind.VENTURE_CAPITAL:
        return effective * prm.vc_capacity_per_gdp * model.last.value_added
    return effective


def reachable_capacity(model: ClusterModel, capacity: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns capacity usable in each place: its own plus the kernel-weighted others'."""
    return capacity + model.params.service_reach * (model.kernel @ capacity)


def provide_services(model: ClusterModel) -> None:
    """Step 3: credit, venture capital, incubation and intermediation reach firms.

    Credit: a firm's desired investment is I* = K (delta + g*), g* = clip(a (d/y - 1),
    -delta, 0.3) with d its last demand and y its capacity; it funds I* from up to a share of
    its net worth and asks banks for the rest. Places source credit from banks by the
    `gravity_flows` rule over the kernel, limited by each bank place's capacity.
    Venture capital: each young high-tech enterprise seeks a fixed ticket, sourced the same way.
    Incubation: a startup is hosted with probability min(1, reachable places / startups) and
    then receives support * quality per enterprise as equity. Intermediation: coverage
    min(1, reachable capacity / enterprises) is stored for the transfer odds of step 4.
    Startups and firms are counted in real enterprises (model firms x enterprises per firm), so
    coverage does not depend on how many model firms represent the cluster.
    """
    f, prm, n = model.firms, model.params, model.net.n
    kernel = prm.service_reach * model.kernel

    excess = np.divide(f.demand, f.capacity, out=np.ones(len(f)), where=f.capacity > 0) - 1.0
    growth = np.clip(prm.investment_accelerator * excess, -prm.depreciation_rate, 0.3)
    desired = f.capital * (prm.depreciation_rate + growth)
    internal = prm.internal_finance_share * np.maximum(f.net_worth, 0.0)
    asked = np.maximum(desired - internal, 0.0)
    credit_flows = gravity_flows(group_sum(f.place, asked, n),
                                 capacity_by_place(model, ServiceKind.BANK), kernel,
                                 cap_by_supply=True)
    f.credit = asked * _granted_ratio(credit_flows, group_sum(f.place, asked, n))[f.place]
    f.debt += f.credit
    f.capital += np.minimum(desired, internal + f.credit)

    seeks_vc = model.sectors.high_tech[f.sector] & (f.age < prm.young_age)
    vc_asked = np.where(seeks_vc, prm.vc_ticket * model.enterprises_per_firm, 0.0)
    vc_flows = gravity_flows(group_sum(f.place, vc_asked, n),
                             capacity_by_place(model, ServiceKind.VENTURE_CAPITAL), kernel,
                             cap_by_supply=True)
    f.venture_capital = vc_asked * _granted_ratio(vc_flows, group_sum(f.place, vc_asked, n))[f.place]
    f.net_worth += f.venture_capital
    f.capital += f.venture_capital

    young = f.age < prm.young_age
    startups = group_sum(f.place, young.astype(float), n) * model.enterprises_per_firm
    places = reachable_capacity(model, capacity_by_place(model, ServiceKind.INCUBATOR))
    coverage = np.divide(places, startups, out=np.zeros(n), where=startups > 0).clip(0, 1)
    f.incubated = young & (model.rng.random(len(f)) < coverage[f.place])
    quality = incubation_quality(model)
    f.net_worth += np.where(
        f.incubated, prm.incubator_support * model.enterprises_per_firm * quality[f.place], 0.0)
    model.incubation_quality = quality

    firms_here = group_sum(f.place, None, n) * model.enterprises_per_firm
    desks = reachable_capacity(model, capacity_by_place(model, ServiceKind.INTERMEDIARY))
    model.intermediary_coverage = np.divide(desks, firms_here, out=np.zeros(n),
                                            where=firms_here > 0).clip(0, 1)
    model.incubation_coverage = coverage
    _record_served(model, ServiceKind.BANK, credit_flows)
    _record_served(model, ServiceKind.VENTURE_CAPITAL, vc_flows)
    model.step_flows["service"] = credit_flows + vc_flows


def incubation_quality(model: ClusterModel) -> NDArray[np.float64]:
    """Returns the capacity-weighted mean effectiveness of incubators reachable per place."""
    s, n = model.providers, model.net.n
    mask = s.kind == ServiceKind.INCUBATOR
    cap = group_sum(s.place[mask], s.capacity_weight[mask], n)
    eff = group_sum(s.place[mask], s.capacity_weight[mask] * s.effectiveness[mask], n)
    cap_r, eff_r = reachable_capacity(model, cap), reachable_capacity(model, eff)
    return np.divide(eff_r, cap_r, out=np.zeros(n), where=cap_r > 0)


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


def _granted_ratio(flows: sp.csr_matrix, asked: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns, per place, the share of what was asked that the flows deliver, in [0, 1]."""
    got = np.asarray(flows.sum(axis=1)).ravel()
    return np.divide(got, asked, out=np.zeros(len(asked)), where=asked > 0).clip(0, 1)


def _record_served(model: ClusterModel, kind: ServiceKind, flows: sp.csr_matrix) -> None:
    """Stores what each provider of ``kind`` lent this year: its share of its place's outflows."""
    s, n = model.providers, model.net.n
    mask = s.kind == kind
    sent = np.asarray(flows.sum(axis=0)).ravel()
    weight = s.capacity_weight[mask] * s.effectiveness[mask]
    total = group_sum(s.place[mask], weight, n)[s.place[mask]]
    s.served[mask] = np.divide(weight, total, out=np.zeros(mask.sum()), where=total > 0) \
        * sent[s.place[mask]]
