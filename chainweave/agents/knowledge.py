"""Knowledge stocks per place, their radiation through the kernel, absorption and patents.

A place's knowledge stock (places x sectors, knowledge units comparable to M yuan of R&D) has
three parts that depreciate alike at `knowledge_depreciation`: its firms' accumulated R&D
(`model.firm_knowledge`), its institutes' knowledge by field, and the knowledge it absorbed
from other places and made its own (`model.relayed_knowledge`). A place radiates its whole
stock, so what a secondary city absorbs from the core it passes on to its counties; the
relayed part is radiated by the share `relay_by_tier` of the place's tier (1: all, 0:
re-radiation switched off, for experiments).

Absorption follows Cohen and Levinthal (1990): a place uses what reaches it in proportion to
its absorptive capacity, which grows with its own knowledge stock, researchers and human
capital per worker, with diminishing returns. What reaches a place is shared by its contacts:
the workers of the place and those it is in contact with through the kernel, so the same
volume means less per worker in a large place. Interaction rises with employment density
(Carlino, Chatterjee and Hunt 2007). Firms' patents follow a knowledge production function in
own R&D, knowledge absorbed from other places and institute knowledge within reach (Griliches
1979; Jaffe 1989; Bottazzi and Peri 2003).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from chainweave.agents.institute import field_knowledge
from chainweave.agents.table import group_sum

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

RELAY_BURN_IN = 30
"""Years of relaying run at set-up so that step 0 starts with the relayed stock it sustains."""


@dataclass
class KnowledgeAccess:
    """What each place reaches and absorbs this year.

    Attributes:
        capacity: Absorptive capacity a_p, [0, 1).
        reach: g_p / D_p: per-worker access per unit of kernel-weighted stock (1/worker), g_p
            the density factor of interaction and D_p the place's contacts (its workers plus
            the kernel-weighted workers of the places within reach).
        absorbed: (places x sectors) knowledge absorbed from other places this year, units.
        reachable: (places x sectors) useful knowledge reachable per worker
            (`reachable_useful`), units/worker.
        flows: F[p, q], knowledge of q absorbed by p (the diagonal: p's own stock used locally).
    """

    capacity: NDArray[np.float64]
    reach: NDArray[np.float64]
    absorbed: NDArray[np.float64]
    reachable: NDArray[np.float64]
    flows: sp.csr_matrix


@dataclass
class KnowledgeReference:
    """Step-0 values against which the knowledge production function and researchers' wages run.

    Attributes:
        rd: Real R&D of each place's firms (M yuan at the base researcher cost).
        absorbed: Knowledge each place absorbed from other places, units.
        institutes: Institute knowledge each place reaches, units.
        usable: Labour-weighted mean usable knowledge per worker over firms, units/worker.
        rd_bill_share: Firms' R&D spending / wage bill of each place.
    """

    rd: NDArray[np.float64]
    absorbed: NDArray[np.float64]
    institutes: NDArray[np.float64]
    usable: float
    rd_bill_share: NDArray[np.float64]


def own_stock(model: ClusterModel, inst: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Returns (places x sectors) each place's whole knowledge stock: firms', institutes', relayed.

    ``inst`` is the institutes' knowledge by place and field when the caller has it.
    """
    inst = field_knowledge(model) if inst is None else inst
    return model.firm_knowledge + inst + model.relayed_knowledge


def radiating_stock(model: ClusterModel,
                    inst: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Returns (places x sectors) the stock a place radiates.

    Its firms' and institutes' knowledge, and the share `relay_by_tier` of its tier of the
    knowledge it relays (``inst`` as in `own_stock`).
    """
    inst = field_knowledge(model) if inst is None else inst
    relay = np.asarray(model.params.relay_by_tier)[model.net.tier]
    return model.firm_knowledge + inst + relay[:, None] * model.relayed_knowledge


def useful(model: ClusterModel, stock: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns (places x sectors) knowledge useful to each sector from a stock by field.

    Knowledge of field j counts fully for sector j and with `field_relatedness` for the others.
    """
    rho = model.params.field_relatedness
    return stock * (1 - rho) + rho * stock.sum(axis=1, keepdims=True)


def interaction_factor(model: ClusterModel) -> NDArray[np.float64]:
    """Returns g_p = (density_p / cluster density)^theta, density = jobs per km2.

    theta = `knowledge_density_elasticity`: patents per head rise about 20% with each doubling
    of employment density (Carlino, Chatterjee and Hunt 2007). Places without land count at
    the cluster's density; places without jobs have 0.
    """
    jobs, area = model.last.employment, model.net.area_km2
    mean = jobs.sum() / area.sum() if area.sum() > 0 else 1.0
    density = np.divide(jobs, area, out=np.full(len(jobs), mean), where=area > 0)
    relative = np.divide(density, mean, out=np.zeros(len(jobs)), where=mean > 0)
    return relative ** model.params.knowledge_density_elasticity * (jobs > 0)


def researchers_by_place(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each place's researchers: institutes' plus the R&D staff its firms hire, FTE."""
    n = model.net.n
    return (group_sum(model.institutes.place, model.institutes.researchers, n)
            + group_sum(model.firms.place, model.firms.rd_workers, n))


def human_capital(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each place's labour-weighted mean productivity / the step-0 reference (1 if no jobs)."""
    f, n = model.firms, model.net.n
    jobs = group_sum(f.place, f.labour, n)
    mean = np.divide(group_sum(f.place, f.labour * f.productivity, n), jobs,
                     out=np.full(n, model.reference_productivity), where=jobs > 0)
    return mean / model.reference_productivity


def absorptive_capacity(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each place's absorptive capacity a = z / (1 + z) in [0, 1).

    z = h (k / k_half + r / r_half): k the place's own knowledge stock per worker, r its
    researchers per worker, h its human capital (`human_capital`); k_half =
    `absorptive_half` and r_half = `absorptive_researchers_half` are the levels at which
    either alone gives a = 1/2. Capacity grows with the place's own R&D, researchers and
    skills, with diminishing returns (Cohen and Levinthal 1990); per worker, so that a large
    place needs a proportionally larger stock.
    """
    prm, jobs = model.params, model.last.employment
    k = np.divide(own_stock(model).sum(axis=1), jobs, out=np.zeros(len(jobs)), where=jobs > 0)
    r = np.divide(researchers_by_place(model), jobs, out=np.zeros(len(jobs)), where=jobs > 0)
    z = human_capital(model) * (k / prm.absorptive_half + r / prm.absorptive_researchers_half)
    return z / (1 + z)


def contact_reach(model: ClusterModel) -> NDArray[np.float64]:
    """Returns g_p / D_p, D_p = L_p + sum_q K[p, q] L_q (0 where a place has no contacts)."""
    jobs = model.last.employment
    contacts = jobs + model.kernel @ jobs
    return np.divide(interaction_factor(model), contacts, out=np.zeros(len(jobs)),
                     where=contacts > 0)


def _uptake(model: ClusterModel) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                          NDArray[np.float64]]:
    """Returns (a, g / D, taken = a (g / D) L) of every place (see `knowledge_access`)."""
    capacity, reach = absorptive_capacity(model), contact_reach(model)
    return capacity, reach, capacity * reach * model.last.employment


def knowledge_access(model: ClusterModel) -> KnowledgeAccess:
    """Returns this year's `KnowledgeAccess` from the current stocks and last year's jobs.

    F[p, q] = a_p g_p (L_p / D_p) K[p, q] R_q for q != p (R the radiating stock) and
    F[p, p] = a_p g_p (L_p / D_p) S_p (S the whole own stock): per worker, place p takes up
    a_p g_p sum_q K[p, q] R_q / D_p, each worker's contacts being shared between the
    workers of the place and those of the places within reach.
    """
    kernel, reach_self = model.kernel, model.kernel_with_self
    capacity, reach, taken = _uptake(model)
    inst = field_knowledge(model)
    radiating = radiating_stock(model, inst)
    reached = kernel @ radiating
    rows = np.repeat(np.arange(reach_self.shape[0]), np.diff(reach_self.indptr))
    sent = np.where(reach_self.indices == rows, own_stock(model, inst).sum(axis=1)[rows],
                    radiating.sum(axis=1)[reach_self.indices])
    flows = sp.csr_matrix((taken[rows] * reach_self.data * sent, reach_self.indices,
                           reach_self.indptr), shape=reach_self.shape)
    return KnowledgeAccess(capacity=capacity, reach=reach, absorbed=taken[:, None] * reached,
                           reachable=reachable_useful(model, reach, inst, reached), flows=flows)


def knowledge_flows(model: ClusterModel) -> sp.csr_matrix:
    """Returns F[p, q], knowledge of q absorbed by p (see `knowledge_access`)."""
    return knowledge_access(model).flows


def reachable_useful(model: ClusterModel, reach: NDArray[np.float64], inst: NDArray[np.float64],
                     reached: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns (places x sectors) useful knowledge reachable per worker of each place.

    (g_p / D_p) (U_p + sum_q K[p, q] U^rad_q), U the knowledge useful to each sector of the
    whole own stock, U^rad that of the radiating stock: `useful` of institutes' knowledge
    plus firms' and relayed knowledge of the sector. Since `useful` is linear, K U^rad is
    `useful` of K times the radiating institutes' part, plus the rest of ``reached``.

    Args:
        model: The model.
        reach: g_p / D_p of each place.
        inst: (places x fields) institute knowledge.
        reached: K times the radiating stock (places x sectors).
    """
    rho = model.params.field_relatedness
    inst_reached = model.kernel @ inst
    sent = reached - rho * inst_reached + rho * inst_reached.sum(axis=1, keepdims=True)
    here = useful(model, inst) + model.firm_knowledge + model.relayed_knowledge
    return reach[:, None] * (here + sent)


def relay_knowledge(model: ClusterModel, absorbed: NDArray[np.float64]) -> None:
    """Adds the share `relay_share` of what each place absorbed from others to its stock.

    ``absorbed``: (places x sectors) knowledge absorbed from other places this year.

    R <- (1 - delta) R + phi A. Knowledge a place absorbs from a neighbour is access to the
    neighbour's stock, most of which the place's firms already knew last year: in a steady
    state only the renewed part (delta = 10% a year) is new. phi = 0.05 keeps half of that
    as the place's own, codified knowledge (in its firms' products, patents and people) that
    it can pass on; the tacit rest stays with whoever absorbed it (Bottazzi and Peri 2003:
    spillovers are non-codified, embodied in people). phi / delta = 0.5 also keeps the relay
    stable: each place keeps at most a g phi / delta (< 1) of the neighbours' intensity.
    """
    prm = model.params
    model.relayed_knowledge = ((1 - prm.knowledge_depreciation) * model.relayed_knowledge
                               + prm.relay_share * absorbed)


def burn_in_relay(model: ClusterModel) -> None:
    """Runs `RELAY_BURN_IN` years of relaying on the step-0 stocks (set-up, no other change)."""
    inst = field_knowledge(model)
    for _ in range(RELAY_BURN_IN):
        taken = _uptake(model)[2]
        relay_knowledge(model, taken[:, None] * (model.kernel @ radiating_stock(model, inst)))


def institutes_reached(model: ClusterModel, access: KnowledgeAccess) -> NDArray[np.float64]:
    """Returns the institute knowledge each place's firms reach, units: a g (L / D) (I + K I)."""
    inst = field_knowledge(model).sum(axis=1)
    return access.capacity * access.reach * model.last.employment * (inst + model.kernel @ inst)


def _relative(value: NDArray[np.float64], reference: NDArray[np.float64] | float,
              elasticity: float) -> NDArray[np.float64]:
    """Returns (value / reference)^elasticity, 1 where the reference is 0."""
    ratio = np.divide(value, reference, out=np.ones(np.shape(value)),
                      where=np.asarray(reference) > 0)
    return ratio ** elasticity


def firm_patent_rate(model: ClusterModel, access: KnowledgeAccess,
                     rd: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns each place's expected firm patents from the knowledge production function.

    P_p = m RD0^(1-b) RD^b (X / X0)^c (U / U0)^e, m = `patents_per_rd`, RD the real R&D of
    the place's firms, X the knowledge absorbed from other places, U the institute knowledge
    reached, 0 their step-0 values (so step 0 keeps the calibrated patents per R&D; a place
    without step-0 R&D has b = 1). Elasticities: own R&D b = 0.85 (Bottazzi and Peri 2003:
    doubling a region's R&D raises its patents by 80-90%), other places' knowledge c = 0.035
    (ibid.: doubling R&D within 300 km raises a region's patents by 2-3%), institutes e = 0.1
    (Jaffe 1989: elasticity of corporate patents to university research about 0.1).
    """
    prm, ref = model.params, model.knowledge_reference
    own = np.where(ref.rd > 0, _relative(rd, ref.rd, prm.patent_rd_elasticity) * ref.rd, rd)
    return (prm.patents_per_rd * own
            * _relative(access.absorbed.sum(axis=1), ref.absorbed, prm.patent_spillover_elasticity)
            * _relative(institutes_reached(model, access), ref.institutes,
                        prm.patent_institute_elasticity))


def innovation_boost(model: ClusterModel, access: KnowledgeAccess) -> NDArray[np.float64]:
    """Returns (places x sectors) the factor (a k / k_ref)^e on a firm's innovation odds.

    a k is the usable knowledge per worker (capacity times `reachable_useful`), k_ref its
    step-0 labour-weighted mean; e = `innovation_knowledge_elasticity` = 0.1, the output
    elasticity of R&D capital in the survey of Hall, Mairesse and Mohnen (2010, about 0.08)
    rounded: productivity jumps come from accessible knowledge, not own R&D alone.
    """
    usable = access.capacity[:, None] * access.reachable
    return _relative(usable, model.knowledge_reference.usable,
                     model.params.innovation_knowledge_elasticity)


def researcher_price(model: ClusterModel, rd: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns each place's researchers' wage relative to `researcher_cost`: (s / s0)^eps.

    s is the place's firm R&D spending over last year's wage bill, s0 its step-0 value
    (price 1 before step 0 is set and where s0 = 0), eps = `researcher_wage_elasticity` =
    0.4: R&D workers' supply is inelastic, and 30-50% of extra R&D spending goes into their
    wages (Goolsbee 1998).
    """
    ref = model.knowledge_reference
    if ref is None:
        return np.ones(model.net.n)
    share = rd_bill_share(model, rd)
    return _relative(share, ref.rd_bill_share, model.params.researcher_wage_elasticity)


def rd_bill_share(model: ClusterModel, rd: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns each place's firm R&D spending (``rd`` per firm) / last year's wage bill."""
    bill = model.last.wage_bill
    spent = group_sum(model.firms.place, rd, model.net.n)
    return np.divide(spent, bill, out=np.zeros(len(bill)), where=bill > 0)


def knowledge_reference(model: ClusterModel) -> KnowledgeReference:
    """Returns the step-0 `KnowledgeReference` of a model whose year 0 has just run."""
    f, prm, n = model.firms, model.params, model.net.n
    access = knowledge_access(model)
    usable = (access.capacity[:, None] * access.reachable).ravel()[
        f.place * model.sectors.n + f.sector]
    return KnowledgeReference(
        rd=group_sum(f.place, f.rd_workers * prm.researcher_cost, n),
        absorbed=access.absorbed.sum(axis=1),
        institutes=institutes_reached(model, access),
        usable=float((usable * f.labour).sum() / max(f.labour.sum(), 1e-12)),
        rd_bill_share=rd_bill_share(model, f.rd_own + f.rd_subsidy),
    )
