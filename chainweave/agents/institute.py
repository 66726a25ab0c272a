"""Research institutes and universities: the knowledge end of the innovation chain.

An institute has a field (the sector its knowledge serves), researchers, funding and a
knowledge stock. It turns researchers and funding into knowledge and patents; its knowledge is
available to firms of matching sectors in its place and, through the spillover kernel,
elsewhere. Talent spending hires researchers; public R&D platform spending funds them.
Phase: `produce_knowledge` (step 4, before firms innovate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from chainweave.agents.table import ColumnTable, RowAgent, group_sum, poisson_counts

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

RESEARCHER_ELASTICITY = 0.7
"""Elasticity of knowledge output to researchers (funding gets 1 - this): a Cobb-Douglas
knowledge production function with labour-heavy returns, as in Romer-style R&D sectors."""


class InstituteTable(ColumnTable):
    """One row per research institute or university."""

    COLUMNS: ClassVar[dict[str, type]] = {
        "place": np.int64,
        "field": np.int64,  # index of the sector its knowledge serves
        "base_researchers": np.float64,  # FTE the institute keeps on its own funding
        "researchers": np.float64,  # FTE
        "funding": np.float64,  # M yuan per year
        "knowledge": np.float64,  # stock, knowledge units
        "new_knowledge": np.float64,  # this year's flow
        "patents": np.float64,  # granted this year
    }


class ResearchInstitute(RowAgent):
    """Mesa handle onto one row of `InstituteTable`."""

    table_name = "institutes"


def knowledge_output(
    researchers: NDArray[np.float64], funding: NDArray[np.float64], productivity: float
) -> NDArray[np.float64]:
    """Returns new knowledge per year: a * R^0.7 * F^0.3 (R in FTE, F in M yuan)."""
    return productivity * researchers**RESEARCHER_ELASTICITY * funding ** (1 - RESEARCHER_ELASTICITY)


def produce_knowledge(model: ClusterModel) -> None:
    """Step 4a: institutes hire, get funded, produce knowledge and patents.

    Researchers: R = R_base + talent spend / researcher cost (a yearly cost per extra
    researcher), the extra split over the place's institutes by base size.
    Funding: F = R * funding per researcher + the place's platform spend, split by base size.
    Knowledge: K <- (1 - delta) K + a R^0.7 F^0.3 (units comparable to M yuan of R&D).
    Patents ~ Poisson(patents per R&D x new knowledge).
    """
    inst, g, prm, n = model.institutes, model.governments, model.params, model.net.n
    if len(inst) == 0:
        return
    size = group_sum(inst.place, inst.base_researchers, n)
    share = np.divide(inst.base_researchers, size[inst.place], out=np.zeros(len(inst)),
                      where=size[inst.place] > 0)
    inst.researchers = inst.base_researchers + g.talent_spend[inst.place] / prm.researcher_cost * share
    inst.funding = inst.researchers * prm.funding_per_researcher + g.platform_spend[inst.place] * share
    inst.new_knowledge = knowledge_output(inst.researchers, inst.funding, prm.knowledge_productivity)
    inst.knowledge = (1 - prm.knowledge_depreciation) * inst.knowledge + inst.new_knowledge
    inst.patents = poisson_counts(model.rng, prm.patents_per_rd * inst.new_knowledge)


def institute_counts(population: NDArray[np.float64], tier: NDArray[np.int64],
                     per_tier: tuple[int, int, int]) -> NDArray[np.int64]:
    """Returns the institutes of each place: its tier's total shared in proportion to population.

    A tier with P places gets P x ``per_tier[tier]`` institutes (so a place of its tier's mean
    population has ``per_tier[tier]``), split over its places in proportion to residents by
    largest remainders (ties to the lower index). No bundled table counts institutes or
    universities per place (the data folder leaves them empty), so size and tier decide.

    Args:
        population: Residents of each place.
        tier: Tier of each place (0 core, 1 secondary, 2 county).
        per_tier: Institutes of a place of mean population, per tier.
    """
    counts = np.zeros(len(population), dtype=np.int64)
    for t, per_place in enumerate(per_tier):
        members = np.flatnonzero(tier == t)
        total_pop = population[members].sum()
        if len(members) == 0 or per_place == 0:
            continue
        quota = (per_place * len(members) * population[members] / total_pop if total_pop > 0
                 else np.full(len(members), float(per_place)))
        base = np.floor(quota).astype(np.int64)
        left = per_place * len(members) - int(base.sum())
        order = np.argsort(-(quota - base), kind="stable")[:left]
        base[order] += 1
        counts[members] = base
    return counts


def field_knowledge(model: ClusterModel) -> NDArray[np.float64]:
    """Returns a (places x sectors) array of institute knowledge by place and field."""
    inst, n, s = model.institutes, model.net.n, model.sectors.n
    return group_sum(inst.place * s + inst.field, inst.knowledge, n * s).reshape(n, s)
