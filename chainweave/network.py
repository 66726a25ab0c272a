"""The city-cluster graph: places, tiers, distances, barriers, and the spillover kernel.

A cluster is a networkx graph whose nodes are places (a core city, the cities of a secondary
urban agglomeration, their counties) and whose edges are administrative and peer links with
distance, hierarchy hops and an administrative barrier. `PlaceNetwork` turns that graph into
arrays for the vectorised phases: place attributes, and a sparse set of place pairs close
enough to matter, over which the spillover kernel and the gravity rules are evaluated. The
kernel's cost grows with the number of such pairs, about linearly in places for a fixed
density, never with their square.

A compact cluster (every place within reach of every other) has a pair for every two places,
and the model keeps arrays per pair and per pair and sector. `PlaceNetwork` counts the pairs
before it builds them (a k-d tree count, without listing them) and refuses, with one line
giving the estimate and what to change, a cluster whose pair arrays would not fit in the
memory this machine has free (`check_pair_memory`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from chainweave.errors import ParameterError

EARTH_RADIUS_KM = 6371.0088
MIN_MASS = 1e-200
"""Attractive mass below which a destination finds no origin (demand / mass would overflow)."""

PAIR_BYTES = 80.0
"""Memory a model run holds per directed place pair, bytes (pair arrays, kernels, barriers)."""
PAIR_SECTOR_BYTES = 30.0
"""Memory per pair and sector, bytes (gravity flows and their temporaries). With `PAIR_BYTES`,
about 350 B per pair with the 9 default sectors: measured peak memory above an empty run of
short runs of synthetic clusters of 605, 1,205 and 2,405 places (0.37 M, 1.45 M and 5.78 M
pairs: +130 MB, +500 MB, +1,800 MB, i.e. 355, 345 and 311 B per pair; 2026-12-01)."""
MEMORY_SHARE = 0.8
"""Share of the memory available now that the pair arrays may take."""


class Tier(IntEnum):
    """Level of a place in the hierarchy (core city, secondary agglomeration, county)."""

    CORE = 0
    SECONDARY = 1
    COUNTY = 2


class ResourceType(IntEnum):
    """Life-cycle type of a resource-based place (2013 national plan); NONE for the rest."""

    NONE = 0
    GROWING = 1
    MATURE = 2
    DECLINING = 3
    REGENERATING = 4


class Chain(IntEnum):
    """The three chains of the IIS system, which label flows and spillover."""

    INDUSTRY = 0
    INNOVATION = 1
    SERVICE = 2


def great_circle_km(
    lat1: NDArray[np.float64], lon1: NDArray[np.float64],
    lat2: NDArray[np.float64], lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Returns the haversine distance in km between points given in decimal degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def synthetic_cluster(
    n_cores: int = 1, n_secondary: int = 4, n_counties: int = 6, seed: int = 0
) -> nx.Graph:
    """Returns a synthetic cluster graph: cores, secondary cities and their counties.

    Cores sit near (30.6 N, 114.3 E); secondary cities lie 150-350 km from their core, counties
    15-80 km from their city. Populations are log-normal around 10 million (core), 1.5 million
    (secondary city proper) and 0.45 million (county). One county in four is resource-based,
    with a life-cycle type drawn from the 2013 plan's shares (31 : 141 : 67 : 23, growing :
    mature : declining : regenerating).

    Args:
        n_cores: Core cities, >= 1.
        n_secondary: Secondary cities per core, >= 0.
        n_counties: Counties per secondary city, >= 0.
        seed: Seed of the generator that places and sizes everything (same seed, same graph).
    """
    for name, value, low in (("n_cores", n_cores, 1), ("n_secondary", n_secondary, 0),
                             ("n_counties", n_counties, 0)):
        if not isinstance(value, int | np.integer) or value < low:
            raise ParameterError(name, value, f"a whole number >= {low}")
    rng = np.random.default_rng(seed)
    graph = nx.Graph(name="synthetic cluster")
    km_per_deg_lat = np.pi * EARTH_RADIUS_KM / 180

    def offset(lat: float, lon: float, r_lo: float, r_hi: float) -> tuple[float, float]:
        r, angle = rng.uniform(r_lo, r_hi), rng.uniform(0, 2 * np.pi)
        dlat = r * np.sin(angle) / km_per_deg_lat
        dlon = r * np.cos(angle) / (km_per_deg_lat * np.cos(np.radians(lat)))
        return lat + dlat, lon + dlon

    resource_p = np.array([31, 141, 67, 23]) / 262
    for c in range(n_cores):
        core = f"core_{c}"
        lat, lon = offset(30.6, 114.3, 0, 0) if c == 0 else offset(30.6, 114.3, 400, 600)
        graph.add_node(core, tier=Tier.CORE, parent=None, lat=lat, lon=lon,
                       population=float(rng.lognormal(np.log(10e6), 0.15)),
                       area_km2=float(rng.uniform(6000, 9000)), resource_type=ResourceType.NONE,
                       urban_share=0.84)
        for s in range(n_secondary):
            city = f"city_{c}_{s}"
            slat, slon = offset(lat, lon, 150, 350)
            graph.add_node(city, tier=Tier.SECONDARY, parent=core, lat=slat, lon=slon,
                           population=float(rng.lognormal(np.log(1.5e6), 0.35)),
                           area_km2=float(rng.uniform(1500, 4000)),
                           resource_type=ResourceType.NONE, urban_share=0.7)
            for k in range(n_counties):
                county = f"county_{c}_{s}_{k}"
                klat, klon = offset(slat, slon, 15, 80)
                is_resource = rng.random() < 0.25
                rtype = ResourceType(int(rng.choice(4, p=resource_p)) + 1) if is_resource \
                    else ResourceType.NONE
                graph.add_node(county, tier=Tier.COUNTY, parent=city, lat=klat, lon=klon,
                               population=float(rng.lognormal(np.log(4.5e5), 0.4)),
                               area_km2=float(rng.uniform(1000, 3500)), resource_type=rtype,
                               urban_share=float(rng.uniform(0.35, 0.55)))
    add_standard_links(graph)
    return graph


def add_standard_links(graph: nx.Graph) -> None:
    """Adds the administrative and peer edges of a cluster graph, in place.

    Every place is linked to its parent; cores and secondary cities are linked to each other
    (peers across the upper tiers); counties are linked to the other counties of their city.
    Each edge gets ``distance_km`` (great circle between seats) and ``hops`` (hierarchy hops).
    """
    names = list(graph.nodes)
    tier = {n: Tier(graph.nodes[n]["tier"]) for n in names}
    upper = [n for n in names if tier[n] != Tier.COUNTY]
    edges = [(n, graph.nodes[n]["parent"]) for n in names if graph.nodes[n].get("parent")]
    edges += [(a, b) for i, a in enumerate(upper) for b in upper[i + 1:]]
    by_parent: dict[str, list[str]] = {}
    for n in names:
        if tier[n] == Tier.COUNTY:
            by_parent.setdefault(graph.nodes[n]["parent"], []).append(n)
    for siblings in by_parent.values():
        edges += [(a, b) for i, a in enumerate(siblings) for b in siblings[i + 1:]]
    index = {n: i for i, n in enumerate(names)}
    lat = np.array([graph.nodes[n]["lat"] for n in names], dtype=float)
    lon = np.array([graph.nodes[n]["lon"] for n in names], dtype=float)
    parent = np.array([index.get(graph.nodes[n].get("parent"), -1) for n in names])
    src = np.array([index[a] for a, _ in edges], dtype=np.int64)
    dst = np.array([index[b] for _, b in edges], dtype=np.int64)
    dist = great_circle_km(lat[src], lon[src], lat[dst], lon[dst])
    hops = hierarchy_hops(parent, src, dst)
    for (a, b), d, h in zip(edges, dist, hops, strict=True):
        graph.add_edge(a, b, distance_km=float(d), hops=int(h))


def interaction_reach_km(kernel_decay_km: float, kernel_cutoff: float, trade_decay_km: float) -> float:
    """Returns the distance within which two places interact in a model run, km.

    The larger of the spillover kernel's reach (``decay x ln(1 / cutoff)``, where its weight
    falls below the cutoff) and three trade decay lengths.
    """
    reach = kernel_decay_km * np.log(1 / max(kernel_cutoff, 1e-12))
    return float(max(reach, 3 * trade_decay_km))


def available_memory_bytes() -> int:
    """Returns the memory available to a new allocation now (``MemAvailable``), bytes.

    Falls back to the physical memory where ``/proc/meminfo`` cannot be read.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def _unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _chord(reach_km: float) -> float:
    return float(2 * np.sin(min(reach_km / EARTH_RADIUS_KM, np.pi) / 2))


def count_pairs_within(lat: NDArray[np.float64], lon: NDArray[np.float64], reach_km: float) -> int:
    """Returns the number of directed pairs of distinct places within ``reach_km``, without listing them."""
    tree = cKDTree(_unit_vectors(lat, lon))
    return int(tree.count_neighbors(tree, _chord(reach_km))) - len(lat)


def check_pair_memory(n_places: int, n_pairs: int, n_sectors: int, reach_km: float,
                      available: int | None = None) -> int:
    """Returns the estimated bytes of a run's pair arrays, after checking they fit in memory.

    Args:
        n_places: Places of the cluster.
        n_pairs: Directed pairs within reach (`count_pairs_within`, plus parent links).
        n_sectors: Sectors of the sector table (0: pair arrays only).
        reach_km: The reach the pairs were counted within, km.
        available: Memory available, bytes; default `available_memory_bytes`.

    Raises:
        ParameterError: naming the estimate and what to change when it exceeds
            `MEMORY_SHARE` of the available memory.
    """
    need = int(n_pairs * (PAIR_BYTES + PAIR_SECTOR_BYTES * n_sectors))
    free = available_memory_bytes() if available is None else available
    if need > MEMORY_SHARE * free:
        raise ParameterError(
            "places", f"{n_places:,} places with {n_pairs:,} place pairs within {reach_km:,.0f} km "
            f"(about {need / 1e9:,.1f} GB of pair and pair x sector arrays)",
            f"at most {MEMORY_SHARE * free / 1e9:,.1f} GB ({MEMORY_SHARE:.0%} of the memory free now): "
            "shorten the reach (lower params.kernel_decay_km or params.trade_decay_km, or raise "
            "params.kernel_cutoff; reach = max(decay x ln(1/cutoff), 3 x trade decay)), or use fewer places")
    return need


def hierarchy_hops(
    parent: NDArray[np.int64], src: NDArray[np.int64], dst: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Returns the number of administrative links between each pair (src[i], dst[i]).

    Hops are counted along the parent tree; two places in different trees (under different
    roots) are joined through their roots, which are one hop apart as peers.

    Args:
        parent: Index of each place's parent, -1 for a root.
        src: Index of the first place of each pair.
        dst: Index of the second place of each pair.
    """
    ancestors = ancestor_matrix(parent)
    depth = (ancestors >= 0).sum(axis=1) - 1
    same = (ancestors[src] == ancestors[dst]) & (ancestors[src] >= 0)
    common = np.cumprod(same, axis=1).sum(axis=1)
    lca_depth = common - 1
    within = depth[src] + depth[dst] - 2 * lca_depth
    across = depth[src] + depth[dst] + 1
    return np.where(common > 0, within, across).astype(np.int64)


def ancestor_matrix(parent: NDArray[np.int64]) -> NDArray[np.int64]:
    """Returns A with A[p, k] = the ancestor of p at depth k (root = depth 0), -1 below p.

    Raises:
        ParameterError: if the parent links contain a cycle.
    """
    n = len(parent)
    chains = [np.arange(n)]
    current = np.arange(n)
    for _ in range(n + 1):
        current = np.where(current >= 0, parent[np.maximum(current, 0)], -1)
        if (current < 0).all():
            break
        chains.append(current)
    else:
        raise ParameterError("parent", "cycle", "an acyclic parent tree")
    up = np.stack(chains, axis=1)  # up[p, k] = k-th ancestor going up, -1 past the root
    depth = (up >= 0).sum(axis=1) - 1
    width = up.shape[1]
    k = np.arange(width)
    idx = depth[:, None] - k[None, :]
    return np.where(idx >= 0, np.take_along_axis(up, np.maximum(idx, 0), axis=1), -1)


@dataclass(frozen=True)
class PlacePairs:
    """Directed pairs of distinct places close enough to exchange anything.

    Arrays are aligned: pair i goes from ``src[i]`` to ``dst[i]`` (both directions present).
    """

    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    distance_km: NDArray[np.float64]
    hops: NDArray[np.int64]
    same_jurisdiction: NDArray[np.bool_]


_OPTIONAL_DEFAULTS = {"urban_share": 0.5, "productivity_factor": 1.0, "rd_factor": 1.0}
"""Values of the optional numeric node attributes when a node does not give them."""


class PlaceNetwork:
    """Arrays of a validated cluster graph, and the kernels the phases use.

    Attributes:
        graph: The networkx graph the network was built from (node order = place index).
        names: Place names, index-aligned with every per-place array in the model.
        tier: `Tier` of each place.
        parent: Index of each place's parent, -1 for a root.
        jurisdiction: Index of the prefecture-level unit governing each place (itself for
            cities, the parent city for counties).
        population, area_km2, lat, lon, urban_share: Step-0 attributes (persons, km2,
            degrees, share in [0, 1]).
        resource_type: `ResourceType` of each place.
        productivity_factor: Multiplier of step-0 firm productivity (calibration, > 0; 1 if
            the node does not give one).
        rd_factor: Multiplier of step-0 R&D shares and institute researchers (> 0; 1 if absent).
        root: Index of the top of each place's tree (its core, or itself).
        distance_to_root_km: Great-circle distance from each place to its root, km.
        industry_shares: Step-0 shares of primary, secondary and tertiary industry in value
            added (places x 3, rows summing to 1); NaN rows where the node gives none (the
            sector table's tier mix applies there).
        industry_weights: Per place, multipliers (> 0) of the step-0 chance of a firm being
            in the named sectors (its prefecture's specialization; `chainweave.agents.firm.sector_mix`),
            an empty mapping where the node gives none.
        pairs: The `PlacePairs` within reach.
    """

    def __init__(self, graph: nx.Graph, reach_km: float, n_sectors: int = 0) -> None:
        """Validates the graph and finds the place pairs within ``reach_km`` of each other.

        Args:
            graph: Cluster graph; nodes need ``tier``, ``parent``, ``population``,
                ``area_km2``, ``lat``, ``lon``; ``resource_type``, ``urban_share``,
                ``productivity_factor``, ``rd_factor``, ``industry_shares`` and
                ``industry_weights`` are optional (defaults NONE, 0.5, 1, 1, the tier mix and
                no weights).
            reach_km: Largest distance at which two places interact, km; parent links are
                kept whatever their length.
            n_sectors: Sectors the run's pair x sector arrays will have, for the memory
                check made before the pairs are built (`check_pair_memory`).

        Raises:
            ParameterError: naming the place and attribute that is missing or impossible, or
                the estimated size of the pair arrays when they would not fit in memory.
        """
        self.graph = graph
        self.names: list[str] = [str(n) for n in graph.nodes]
        if not self.names:
            raise ParameterError("places", [], "at least one place")
        index = {n: i for i, n in enumerate(graph.nodes)}
        n = len(self.names)
        attrs = {key: np.empty(n) for key in ("population", "area_km2", "lat", "lon",
                                              "urban_share", "productivity_factor", "rd_factor")}
        industry_shares = np.full((n, 3), np.nan)
        industry_weights: list[dict[str, float]] = []
        tier = np.empty(n, dtype=np.int8)
        parent = np.full(n, -1, dtype=np.int64)
        resource = np.zeros(n, dtype=np.int8)
        for i, (node, data) in enumerate(graph.nodes(data=True)):
            where = f"places[{node!r}]"
            try:
                tier[i] = Tier(data["tier"]) if not isinstance(data.get("tier"), str) \
                    else Tier[data["tier"].upper()]
            except (KeyError, ValueError) as err:
                raise ParameterError(f"{where}.tier", data.get("tier"),
                                     "core, secondary or county") from err
            p = data.get("parent")
            if p is not None and p not in index:
                raise ParameterError(f"{where}.parent", p, "the name of a place in the cluster")
            if tier[i] == Tier.COUNTY and p is None:
                raise ParameterError(f"{where}.parent", p, "a parent city for a county")
            parent[i] = index[p] if p is not None else -1
            for key in attrs:
                value = data.get(key, _OPTIONAL_DEFAULTS.get(key))
                if value is None or not np.isfinite(float(value)):
                    raise ParameterError(f"{where}.{key}", value, "a finite number")
                attrs[key][i] = float(value)
            shares = data.get("industry_shares")
            if shares is not None:
                shares = np.asarray(shares, dtype=float)
                if shares.shape != (3,) or (shares < 0).any() or not np.isclose(shares.sum(), 1.0):
                    raise ParameterError(f"{where}.industry_shares", data["industry_shares"],
                                         "three shares (primary, secondary, tertiary) summing to 1")
                industry_shares[i] = shares
            weights = dict(data.get("industry_weights") or {})
            for sector, value in weights.items():
                if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
                    raise ParameterError(f"{where}.industry_weights.{sector}", value,
                                         "a finite multiplier > 0")
            industry_weights.append({str(k): float(v) for k, v in weights.items()})
            rt = data.get("resource_type", ResourceType.NONE)
            try:
                resource[i] = ResourceType(rt) if not isinstance(rt, str) \
                    else ResourceType[rt.upper()]
            except (KeyError, ValueError) as err:
                raise ParameterError(f"{where}.resource_type", rt,
                                     "none, growing, mature, declining or regenerating") from err
        for key, low, high in (("population", 0, np.inf), ("area_km2", 0, np.inf),
                               ("urban_share", 0, 1), ("lat", -90, 90), ("lon", -180, 180),
                               ("productivity_factor", 1e-6, 1e6), ("rd_factor", 0, 1e6)):
            bad = np.flatnonzero((attrs[key] < low) | (attrs[key] > high))
            if bad.size:
                i = int(bad[0])
                raise ParameterError(f"places[{self.names[i]!r}].{key}", attrs[key][i],
                                     f"a value in [{low}, {high}]")
        child_tier_ok = (parent < 0) | (tier[np.maximum(parent, 0)] < tier)
        if not child_tier_ok.all():
            i = int(np.flatnonzero(~child_tier_ok)[0])
            raise ParameterError(f"places[{self.names[i]!r}].parent", self.names[parent[i]],
                                 "a place of a higher tier")
        self.tier, self.parent, self.resource_type = tier, parent, resource
        self.population, self.area_km2 = attrs["population"], attrs["area_km2"]
        self.lat, self.lon, self.urban_share = attrs["lat"], attrs["lon"], attrs["urban_share"]
        self.productivity_factor, self.rd_factor = attrs["productivity_factor"], attrs["rd_factor"]
        self.industry_shares = industry_shares
        self.industry_weights = industry_weights
        self.jurisdiction = np.where(tier == Tier.COUNTY, parent, np.arange(n))
        ancestors = ancestor_matrix(parent)
        self.depth = (ancestors >= 0).sum(axis=1) - 1
        self.root = ancestors[:, 0]
        self.distance_to_root_km = great_circle_km(self.lat, self.lon, self.lat[self.root],
                                                   self.lon[self.root])
        if reach_km > 0:
            links = 2 * int((parent >= 0).sum())
            check_pair_memory(n, count_pairs_within(self.lat, self.lon, reach_km) + links, n_sectors,
                              reach_km)
        self.pairs = self._pairs_within(reach_km)
        self.children_offsets, self.children = self._children()

    @property
    def n(self) -> int:
        """Number of places."""
        return len(self.names)

    def _pairs_within(self, reach_km: float) -> PlacePairs:
        """Finds directed pairs of distinct places within reach_km, plus all parent links."""
        close = cKDTree(_unit_vectors(self.lat, self.lon)).query_pairs(_chord(reach_km),
                                                                      output_type="ndarray")
        child = np.flatnonzero(self.parent >= 0)
        links = np.column_stack([child, self.parent[child]])
        both = np.concatenate([close, links]) if len(close) else links
        both = np.unique(np.sort(both, axis=1), axis=0) if len(both) else both.reshape(0, 2)
        src = np.concatenate([both[:, 0], both[:, 1]]).astype(np.int64)
        dst = np.concatenate([both[:, 1], both[:, 0]]).astype(np.int64)
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        return PlacePairs(
            src=src, dst=dst,
            distance_km=great_circle_km(self.lat[src], self.lon[src], self.lat[dst], self.lon[dst]),
            hops=hierarchy_hops(self.parent, src, dst),
            same_jurisdiction=self.jurisdiction[src] == self.jurisdiction[dst],
        )

    def _children(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Returns CSR-style (offsets, children) listing each place's child places."""
        child = np.flatnonzero(self.parent >= 0)
        order = np.argsort(self.parent[child], kind="stable")
        children = child[order]
        counts = np.bincount(self.parent[child], minlength=self.n)
        return np.concatenate([[0], np.cumsum(counts)]), children

    def barrier(
        self, within: float, between: float, collaboration: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Returns the administrative barrier of every pair, in [0, 1].

        b_pq = within for places of one jurisdiction, else between x (1 - min(c_p, c_q)):
        a cooperation agreement removes the share of the barrier both governments commit to.

        Args:
            within: Barrier between places of one jurisdiction (a city and its counties).
            between: Barrier between different jurisdictions.
            collaboration: Each government's collaboration level c_p in [0, 1].
        """
        both = np.minimum(collaboration[self.pairs.src], collaboration[self.pairs.dst])
        cross = between * (1.0 - both)
        return np.where(self.pairs.same_jurisdiction, within, cross)


def row_sums(matrix: sp.csr_matrix) -> NDArray[np.float64]:
    """Returns the sum of each row of a CSR matrix, as a flat array.

    The same reduction as ``matrix.sum(axis=1)`` (``np.add.reduceat`` over each row's
    entries), without its matrix wrapping, which costs more than the sum on small matrices.
    """
    out = np.zeros(matrix.shape[0])
    filled = np.flatnonzero(np.diff(matrix.indptr))
    out[filled] = np.add.reduceat(matrix.data, matrix.indptr[filled])
    return out


def column_sums(matrix: sp.csr_matrix) -> NDArray[np.float64]:
    """Returns the sum of each column of a CSR matrix, as a flat array.

    Entries are added row by row, as ``matrix.sum(axis=0)`` adds them (a product with a row
    of ones), without its matrix wrapping.
    """
    return np.bincount(matrix.indices, weights=matrix.data, minlength=matrix.shape[1])


def spillover_kernel(
    pairs: PlacePairs, n_places: int, decay_km: float, hop_attenuation: float,
    barrier: NDArray[np.float64], cutoff: float = 0.0,
) -> sp.csr_matrix:
    """Returns the sparse spillover kernel K, K[p, q] = share of q's effect that reaches p.

    For distinct places p and q within reach:

        K[p, q] = exp(-d_pq / d0) * h ** hops_pq * (1 - b_pq)

    with d_pq the great-circle distance (km), d0 the decay distance, h the attenuation per
    hierarchy hop and b_pq the administrative barrier of the pair. K[p, p] = 0: what a place
    does for itself is not spillover. Weights below ``cutoff`` are dropped, so K stays sparse.
    K is symmetric whenever the barrier is.

    Args:
        pairs: Directed pairs within reach.
        n_places: Number of places (the matrix is n_places x n_places).
        decay_km: d0 > 0, km.
        hop_attenuation: h in [0, 1].
        barrier: b for every pair, in [0, 1].
        cutoff: Smallest weight kept, in [0, 1).
    """
    weight = np.exp(-pairs.distance_km / decay_km) * hop_attenuation ** pairs.hops * (1.0 - barrier)
    keep = weight > cutoff
    return sp.csr_matrix((weight[keep], (pairs.dst[keep], pairs.src[keep])),
                         shape=(n_places, n_places))


@dataclass(frozen=True)
class GravitySplit:
    """Demands for one or more goods spread over origin places by the gravity rule.

    For good i, place p spreads its demand over origins q in proportion to
    ``reach[p, q] * supply[q, i]`` (reach includes p itself):

        F_i[p, q] = demand[p, i] * reach[p, q] * supply[q, i] / sum_q' reach[p, q'] supply[q', i]

    plus, on the diagonal, the part of p's demand bound to its own place (``local``: goods
    bought where the buyer lives). All goods share one sparse pattern, so the split costs two
    sparse-dense products however many goods there are.

    Attributes:
        reach: Sparse weights of origins for each destination, self weights included (n x n).
        supply: Attractive mass of each origin for each good (n x goods), >= 0.
        scale: demand[p, i] / sum_q reach[p, q] supply[q, i] (0 where the sum is at most
            `MIN_MASS`), for the demand that goes by gravity.
        local: Demand of each place for each good that it sources from itself (n x goods).
    """

    reach: sp.csr_matrix
    supply: NDArray[np.float64]
    scale: NDArray[np.float64]
    local: NDArray[np.float64]

    def received(self) -> NDArray[np.float64]:
        """Returns what each origin is asked for, per good: sum_p F_i[p, q] (n x goods)."""
        return self.supply * (self.reach.T @ self.scale) + self.local

    def delivered_value(self, weight: NDArray[np.float64]) -> NDArray[np.float64]:
        """Returns sum_q F_i[p, q] * weight[q, i] per destination p and good i (n x goods)."""
        return self.scale * (self.reach @ (self.supply * weight)) + self.local * weight

    def volumes(self, weight: NDArray[np.float64] | None = None) -> sp.csr_matrix:
        """Returns V[p, q] = sum_i F_i[p, q] * weight[q, i] (weight 1 if None), on reach's pattern."""
        n = self.reach.shape[0]
        rows = np.repeat(np.arange(n), np.diff(self.reach.indptr))
        cols = self.reach.indices
        origin = self.supply if weight is None else self.supply * weight
        data = self.reach.data * np.einsum("ki,ki->k", self.scale[rows], origin[cols])
        gravity = sp.csr_matrix((data, cols, self.reach.indptr), shape=self.reach.shape)
        own = (self.local if weight is None else self.local * weight).sum(axis=1)
        return gravity + sp.diags(own, format="csr") if own.any() else gravity


def gravity_split(
    demand: NDArray[np.float64], supply: NDArray[np.float64], reach: sp.csr_matrix,
    local: NDArray[np.float64] | None = None,
) -> GravitySplit:
    """Returns the `GravitySplit` of demand (n or n x goods) over origins with mass ``supply``.

    Args:
        demand: What each place seeks of each good, >= 0 (any unit), ``local`` included.
        supply: Attractive mass of each place as an origin of each good, >= 0, same shape.
        reach: Sparse origin weights with the self weight on the diagonal (K + I).
        local: The part of ``demand`` each place buys in its own place (same shape, at most
            ``demand``); where the place has no supply of the good it goes by gravity too.
    """
    demand2 = np.asarray(demand, dtype=float).reshape(len(demand), -1)
    supply2 = np.asarray(supply, dtype=float).reshape(len(supply), -1)
    own = np.zeros_like(demand2) if local is None else np.where(
        supply2 > MIN_MASS, np.asarray(local, dtype=float).reshape(demand2.shape), 0.0)
    reach = reach if isinstance(reach, sp.csr_matrix) else sp.csr_matrix(reach)
    total = reach @ supply2
    scale = np.divide(demand2 - own, total, out=np.zeros_like(demand2), where=total > MIN_MASS)
    return GravitySplit(reach, supply2, scale, own)


def gravity_flows(
    demand: NDArray[np.float64], supply: NDArray[np.float64], reach: sp.csr_matrix,
    cap_by_supply: bool = False,
) -> sp.csr_matrix:
    """Returns F with F[p, q] = what place p obtains from place q under a gravity rule.

    Each place p spreads its demand over origins q (itself included, with weight 1: reach is
    K + I) in proportion to ``reach[p, q] * supply[q]`` (`gravity_split`):

        F[p, q] = demand[p] * w_pq * supply[q] / sum_q' w_pq' * supply[q'],  w_pp = 1

    With ``cap_by_supply``, an origin asked for more than it has scales all its deliveries
    down to its supply (credit, venture capital); without, origins deliver what is asked
    (goods, whose producers then compete for the demand).

    Args:
        demand: What each place seeks, >= 0 (any unit).
        supply: Attractive mass (or capacity) of each place as an origin, >= 0.
        reach: Sparse K + I: K[p, q] in [0, 1] with zero diagonal, plus the self weight 1.
        cap_by_supply: Whether deliveries are limited by the origin's supply.
    """
    n = len(demand)
    split = gravity_split(demand, supply, reach)
    flows = split.volumes()
    if cap_by_supply:
        asked = split.received().ravel()
        ratio = np.divide(supply, asked, out=np.ones(n), where=asked > supply)
        flows.data *= np.minimum(ratio, 1.0)[flows.indices]  # column q scaled by its ratio
    return flows
