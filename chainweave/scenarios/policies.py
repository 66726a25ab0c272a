"""The policy library: each lever the source papers propose, as a named, parameterised policy.

A policy moves the model's levers (`chainweave.model.apply_policies` resets them to the
scenario's baseline every year, then lets each active policy act) for the places it targets,
scaled by its phase-in intensity x in (0, 1]. `POLICIES` lists them with their parameters
(default, range, unit, meaning); `ActivePolicy` is one use of a policy in a scenario: the policy,
its parameter values, its target places, its start year and ramp. The levers are those of
CONCEPTS.md section 7; docs/ODD.md section 6 gives each policy's equations and sources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from chainweave.agents.institute import knowledge_output
from chainweave.agents.service import ServiceKind
from chainweave.network import ResourceType

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class PolicyParameter:
    """One parameter of a policy: default, allowed range, unit and meaning."""

    default: float
    lower: float
    upper: float
    unit: str
    doc: str


@dataclass(frozen=True)
class PolicyInfo:
    """A policy of the library.

    Attributes:
        name: Key in `POLICIES` and in scenario files.
        lever: The lever of CONCEPTS.md section 7 it stands for.
        description: What it does to the model, in one or two sentences.
        parameters: Numeric parameters by name.
        act: The function moving the levers: act(model, targets, intensity, values, sectors).
        sectors: Default sector names the policy acts on (empty if it takes none).
    """

    name: str
    lever: str
    description: str
    parameters: Mapping[str, PolicyParameter]
    act: Callable[[ClusterModel, Mask, float, Mapping[str, float], tuple[str, ...]], None]
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActivePolicy:
    """One use of a library policy in a run: what, where, from when, how strongly.

    Attributes:
        info: The library policy.
        label: Name of this use (the policy name unless a scenario gives another).
        values: Parameter values (defaults filled in).
        targets: Which places it acts on (bool per place).
        start: Last year without the policy; it acts from year start + 1, >= 0.
        ramp: Years to reach full strength (0: at once), >= 0.
        sectors: Sector names it acts on (for policies that take sectors).
    """

    info: PolicyInfo
    label: str
    values: Mapping[str, float]
    targets: Mask
    start: int = 0
    ramp: int = 0
    sectors: tuple[str, ...] = field(default=())

    def apply(self, model: ClusterModel, intensity: float) -> None:
        """Moves the levers of the target places for this year, scaled by ``intensity``."""
        self.info.act(model, self.targets, intensity, self.values, self.sectors)


def _add_share(model: ClusterModel, share: str, targets: Mask, amount: float) -> None:
    """Adds ``amount`` to a budget share of the target governments."""
    column = getattr(model.governments, share)
    column[targets] += amount


def _sector_mask(model: ClusterModel, sectors: tuple[str, ...]) -> NDArray[np.bool_]:
    """Returns a bool per sector: is it one of ``sectors``."""
    return np.isin(np.asarray(model.sectors.names), sectors)


def rd_subsidy(model, targets, x, v, sectors) -> None:
    """Raises the R&D-subsidy share of the budget by x * extra_share."""
    _add_share(model, "rd_subsidy_share", targets, x * v["extra_share"])


def talent(model, targets, x, v, sectors) -> None:
    """Raises the talent share (researchers hired) by x * extra_share."""
    _add_share(model, "talent_share", targets, x * v["extra_share"])


def incubator_upgrade(model, targets, x, v, sectors) -> None:
    """Raises incubator spending (their effectiveness) and their base effectiveness."""
    _add_share(model, "incubator_share", targets, x * v["extra_share"])
    s = model.providers
    rows = (s.kind == ServiceKind.INCUBATOR) & targets[s.place]
    s.base_effectiveness[rows] += x * np.maximum(v["base_effectiveness"] - s.base_effectiveness[rows], 0)


def st_finance(model, targets, x, v, sectors) -> None:
    """Multiplies local bank credit and venture capital by 1 + x (factor - 1)."""
    g = model.governments
    g.bank_factor[targets] *= 1 + x * (v["bank_factor"] - 1)
    g.vc_factor[targets] *= 1 + x * (v["vc_factor"] - 1)


def rd_platform(model, targets, x, v, sectors) -> None:
    """Raises the public R&D platform share (funding of local institutes)."""
    _add_share(model, "platform_share", targets, x * v["extra_share"])


def technical_enclave(model, targets, x, v, sectors) -> None:
    """Opens labs of outside institutes in the target places, once, in its first year.

    Each target place gets ``labs`` institutes of ``researchers`` FTE funded from outside the
    place, in the field of the place's largest sector (by last year's output).
    """
    state = model.policy_state.setdefault("technical_enclave", set())
    new = [p for p in np.flatnonzero(targets) if p not in state]
    labs = int(round(v["labs"]))
    if not new or labs == 0:
        return
    state.update(new)
    place = np.repeat(np.asarray(new, dtype=np.int64), labs)
    field = model.last.output_by_sector[place].argmax(axis=1)
    researchers = np.full(len(place), v["researchers"])
    funding = researchers * model.params.funding_per_researcher
    model.institutes.append(place=place, field=field, base_researchers=researchers,
                            researchers=researchers, funding=funding,
                            new_knowledge=knowledge_output(researchers, funding,
                                                           model.params.knowledge_productivity))


def intermediaries(model, targets, x, v, sectors) -> None:
    """Scales intermediaries' capacity and raises their effectiveness towards a target."""
    s = model.providers
    rows = (s.kind == ServiceKind.INTERMEDIARY) & targets[s.place]
    s.capacity_weight[rows] *= 1 + x * (v["capacity_factor"] - 1)
    s.base_effectiveness[rows] += x * np.maximum(v["effectiveness"] - s.base_effectiveness[rows], 0)


def collaboration(model, targets, x, v, sectors) -> None:
    """Raises the target governments' collaboration level towards ``level``."""
    g = model.governments
    g.collaboration[targets] += x * np.maximum(v["level"] - g.collaboration[targets], 0)


def division_of_labour(model, targets, x, v, sectors) -> None:
    """Ends duplicate chains: per sector one leader place among the targets keeps it.

    For each sector, the target place with the largest output of it in the year before the
    policy starts leads (the plan assigns the chain once): its
    entry is multiplied by 1 + x * leader_entry_boost; in the other target places no new firms
    of the sector are approved (entry times 1 - x) and its firms exit with extra probability
    x * exit_pressure a year.
    """
    places = np.flatnonzero(targets)
    if len(places) < 2:
        return
    leaders = model.policy_state.setdefault("division_of_labour", {})
    for s in np.flatnonzero(_sector_mask(model, sectors)):
        key = (tuple(places), int(s))
        if key not in leaders:
            leaders[key] = int(places[model.last.output_by_sector[places, s].argmax()])
        leader = leaders[key]
        others = places[places != leader]
        model.exit_pressure[others, s] += x * v["exit_pressure"]
        model.entry_factor[others, s] *= 1 - x
        model.entry_factor[leader, s] *= 1 + x * v["leader_entry_boost"]


def chain_leader(model, targets, x, v, sectors) -> None:
    """Backs one chain: more R&D subsidy, steered to its sectors, and more entry in them."""
    _add_share(model, "rd_subsidy_share", targets, x * v["extra_share"])
    chain = _sector_mask(model, sectors)
    cells = np.ix_(targets, chain)
    model.subsidy_weight[cells] *= 1 + x * (v["subsidy_weight"] - 1)
    model.entry_factor[cells] *= 1 + x * v["entry_boost"]


def low_carbon(model, targets, x, v, sectors) -> None:
    """Prices carbon, sets an emission standard and funds its enforcement."""
    g = model.governments
    g.carbon_price[targets] += x * v["carbon_price"]
    g.emission_standard[targets] = np.minimum(g.emission_standard[targets], v["emission_standard"] / x)
    _add_share(model, "enforcement_share", targets, x * v["enforcement_share"])


def resource_response(model, targets, x, v, sectors) -> None:
    """Responds to depletion by each resource place's current life-cycle type (2013 plan).

    Growing: regulate extraction (more enforcement). Mature: diversify (R&D subsidy, entry of
    non-resource sectors). Declining: retire resource capacity (exit pressure on resource
    sectors), retrain and look after people (talent and public services). Regenerating:
    upgrade (public R&D platforms).
    """
    g, sec = model.governments, model.sectors
    kind = g.resource_type
    growing = targets & (kind == ResourceType.GROWING)
    mature = targets & (kind == ResourceType.MATURE)
    declining = targets & (kind == ResourceType.DECLINING)
    regenerating = targets & (kind == ResourceType.REGENERATING)
    _add_share(model, "enforcement_share", growing, x * v["growing_enforcement_share"])
    _add_share(model, "rd_subsidy_share", mature, x * v["mature_rd_share"])
    model.entry_factor[np.ix_(mature, ~sec.resource_based)] *= 1 + x * v["diversification_entry"]
    model.exit_pressure[np.ix_(declining, sec.resource_based)] += x * v["declining_exit_pressure"]
    _add_share(model, "talent_share", declining, x * v["declining_talent_share"])
    _add_share(model, "public_services_share", declining, x * v["declining_services_share"])
    _add_share(model, "platform_share", regenerating, x * v["regenerating_platform_share"])


def smart_shrinkage(model, targets, x, v, sectors) -> None:
    """Shrinking places (residents below ``threshold`` x step 0) renew services for fewer people."""
    g = model.governments
    shrinking = targets & (g.population < v["threshold"] * model.net.population)
    _add_share(model, "public_services_share", shrinking, x * v["services_share"])


def _share(default: float, doc: str) -> PolicyParameter:
    return PolicyParameter(default, 0.0, 0.5, "share of budget", doc)


POLICIES: dict[str, PolicyInfo] = {p.name: p for p in (
    PolicyInfo(
        "rd_subsidy", "R&D subsidy and tax credit",
        "Adds a share of the budget to the R&D subsidy pool, paid to firms in proportion to "
        "their own R&D.",
        {"extra_share": _share(0.03, "budget share added to the R&D subsidy")}, rd_subsidy),
    PolicyInfo(
        "talent", "talent attraction and researcher mobility",
        "Adds a share of the budget to talent programmes, which hire researchers into the "
        "place's institutes.",
        {"extra_share": _share(0.02, "budget share added to talent programmes")}, talent),
    PolicyInfo(
        "incubator_upgrade", "incubator quality (from landlord to real incubation)",
        "Adds incubator spending and raises incubators' own effectiveness, so that they "
        "support startups instead of only renting space.",
        {"extra_share": _share(0.01, "budget share added to incubators"),
         "base_effectiveness": PolicyParameter(0.5, 0.0, 1.0, "1",
                                               "effectiveness incubators are raised to")},
        incubator_upgrade),
    PolicyInfo(
        "st_finance", "S&T finance (bank credit for innovation, venture capital)",
        "Multiplies the credit local banks and the equity local funds can supply.",
        {"bank_factor": PolicyParameter(1.3, 0.0, 10.0, "x", "multiplier of bank capacity"),
         "vc_factor": PolicyParameter(2.0, 0.0, 20.0, "x", "multiplier of venture capital")},
        st_finance),
    PolicyInfo(
        "rd_platform", "public R&D platforms",
        "Adds a share of the budget to public R&D platforms, which fund local institutes.",
        {"extra_share": _share(0.01, "budget share added to R&D platforms")}, rd_platform),
    PolicyInfo(
        "technical_enclave", "technical enclaves (outside institutes opening local labs)",
        "Opens labs of outside institutes, funded from outside, in each target place.",
        {"labs": PolicyParameter(2, 0, 100, "labs per place", "labs opened in each place"),
         "researchers": PolicyParameter(60.0, 0.0, 1e4, "FTE", "researchers per lab")},
        technical_enclave),
    PolicyInfo(
        "intermediaries", "intermediaries and technology-transfer offices",
        "Scales intermediaries' capacity and raises their effectiveness, so that more firms "
        "reach technology transfer.",
        {"capacity_factor": PolicyParameter(2.0, 0.0, 20.0, "x", "multiplier of capacity"),
         "effectiveness": PolicyParameter(0.8, 0.0, 1.0, "1", "effectiveness raised to")},
        intermediaries),
    PolicyInfo(
        "collaboration", "inter-city policy collaboration (co-formulated plans, shared services)",
        "Raises the target governments' collaboration level: the barrier between two "
        "jurisdictions falls by the lower of their levels.",
        {"level": PolicyParameter(0.6, 0.0, 1.0, "1", "share of the barrier removed")},
        collaboration),
    PolicyInfo(
        "division_of_labour", "division of labour (ending duplicate low-end chains)",
        "Per sector, the target place with the largest output keeps it and grows; the "
        "others approve no new firms in it and their firms face extra exit (capacity moves "
        "to the leader).",
        {"exit_pressure": PolicyParameter(0.1, 0.0, 1.0, "1/yr", "extra exit probability"),
         "leader_entry_boost": PolicyParameter(1.0, 0.0, 10.0, "1",
                                               "entry rate added in the leader place")},
        division_of_labour, sectors=("chemicals", "fine_chemicals")),
    PolicyInfo(
        "chain_leader", "chain-leader targeting of one chain",
        "Adds R&D subsidy steered to the chain's sectors and raises entry in them.",
        {"extra_share": _share(0.02, "budget share added to the R&D subsidy"),
         "subsidy_weight": PolicyParameter(3.0, 1.0, 100.0, "x",
                                           "weight of the chain's R&D claims on the subsidy"),
         "entry_boost": PolicyParameter(1.0, 0.0, 10.0, "1", "entry rate added in the chain")},
        chain_leader, sectors=("mining", "phosphate_mining", "chemicals", "fine_chemicals")),
    PolicyInfo(
        "low_carbon", "low-carbon regulation (emission price or standards)",
        "Prices carbon, sets an emission standard (firms above it may be closed) and funds "
        "enforcement; the standard tightens as the policy phases in.",
        {"carbon_price": PolicyParameter(100.0, 0.0, 1e4, "yuan/t CO2", "carbon price added"),
         "emission_standard": PolicyParameter(400.0, 1.0, 1e6, "t CO2 per M yuan",
                                              "emission intensity above which firms may be closed"),
         "enforcement_share": _share(0.005, "budget share added to enforcement")},
        low_carbon),
    PolicyInfo(
        "resource_response", "resource-depletion response by city type",
        "Acts on resource places by their current life-cycle type: growing ones regulate, "
        "mature ones diversify, declining ones retire capacity and look after people, "
        "regenerating ones upgrade.",
        {"growing_enforcement_share": _share(0.01, "enforcement added in growing places"),
         "mature_rd_share": _share(0.02, "R&D subsidy added in mature places"),
         "diversification_entry": PolicyParameter(
             1.0, 0.0, 10.0, "1", "entry rate added for non-resource sectors in mature places"),
         "declining_exit_pressure": PolicyParameter(
             0.1, 0.0, 1.0, "1/yr", "extra exit of resource firms in declining places"),
         "declining_talent_share": _share(0.01, "talent spending added in declining places"),
         "declining_services_share": _share(0.03, "public services added in declining places"),
         "regenerating_platform_share": _share(0.01, "R&D platforms added in regenerating places")},
        resource_response),
    PolicyInfo(
        "smart_shrinkage", "urban renewal and smart shrinkage",
        "Places that have lost residents since step 0 spend more on renewing public services "
        "for the people who stay.",
        {"services_share": _share(0.05, "public-services share added in shrinking places"),
         "threshold": PolicyParameter(1.0, 0.0, 2.0, "1",
                                      "residents / step-0 residents below which a place shrinks")},
        smart_shrinkage),
)}
"""The policy library, by name."""

def policy_table() -> list[dict[str, Any]]:
    """Returns one row per policy parameter (policy, lever, parameter, default, range, unit, doc)."""
    return [{"policy": info.name, "lever": info.lever, "parameter": name, "default": p.default,
             "lower": p.lower, "upper": p.upper, "unit": p.unit, "doc": p.doc}
            for info in POLICIES.values() for name, p in info.parameters.items()]
