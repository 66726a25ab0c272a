"""The national cluster: every county-level unit of mainland China in a three-level hierarchy.

Built from the 2020 census extract bundled in ``data/`` (``china_prefecture_level_2020.csv``,
369 prefecture-level rows, and ``china_county_level_2020.csv``, 2,943 county-level rows; see
``data/README.md`` for sources and licences). Places are disjoint, so nobody is counted twice:

- the county rows carry the people. A prefecture's urban districts (rows whose name ends in
  区, development zones included) are merged into one place, the prefecture's city proper; a
  prefecture without districts takes the county-level unit nearest to its seat as its city
  proper. Every other county row (县, county-level 市, 旗, ...) is a county place whose parent
  is its prefecture's city proper. Prefecture rows with no county rows and a census population
  (Hong Kong, Macao and a few others, listed by `national_summary`) are places of their own;
  the prefecture rows' own totals are used for nothing else (they differ from the county sums
  by under 3 % for most prefectures: different bulletins and reporting units).
- agglomerations stand for the 19 national urban agglomerations of the 14th Five-Year Plan
  (2021): the ``n_cores`` most populous city propers, taken in order of population and
  skipping any within ``core_separation_km`` of a core already chosen, are the cores; every
  other city proper joins the nearest core within ``agglomeration_radius_km`` as a secondary
  city, or stands alone (a secondary city without a parent) if none is that close.
- rows without a seat coordinate (141 county rows, mostly development zones and units created
  after 2016; 6 prefecture rows) take their prefecture's seat, or its boundary centroid when
  the seat is missing too.
- land area is not in the extract: each place gets China's land area (9.6 million km2) shared
  in proportion to its rural residents, an estimate that bounds primary output where farmland
  is (see `ModelParams.primary_output_per_km2`). Resource types are not in the extract: all
  places are ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from chainweave.errors import ParameterError
from chainweave.network import EARTH_RADIUS_KM, ResourceType, Tier, great_circle_km

CHINA_LAND_KM2 = 9.6e6
"""Land area of China, km2 (shared over places by rural residents)."""

NATIONAL_FIRMS = 1_000_000
"""Model firms of the full-size national scenario."""


@dataclass(frozen=True)
class NationalData:
    """The two census tables, as read from the bundled files."""

    prefectures: pd.DataFrame
    counties: pd.DataFrame


def read_national_data() -> NationalData:
    """Returns the bundled prefecture and county tables (codes as text)."""
    folder = resources.files("chainweave.scenarios") / "data"
    with (folder / "china_prefecture_level_2020.csv").open(encoding="utf-8") as fh:
        prefectures = pd.read_csv(fh, dtype={"city_code": str})
    with (folder / "china_county_level_2020.csv").open(encoding="utf-8") as fh:
        counties = pd.read_csv(fh, dtype={"county_code": str})
    return NationalData(prefectures=prefectures, counties=counties)


def national_places(data: NationalData | None = None) -> pd.DataFrame:
    """Returns one row per disjoint place: name, prefecture, kind, population, urban, lat, lon.

    ``kind`` is ``city`` (a prefecture's city proper) or ``county``; ``prefecture`` is the
    key ``province/prefecture`` of the prefecture the place belongs to.
    """
    data = data or read_national_data()
    pref = data.prefectures.copy()
    pref["key"] = pref["province_zh"] + "/" + pref["city_zh"]
    seat_lat = pref["seat_lat"].fillna(pref["centroid_lat"])
    seat_lon = pref["seat_lon"].fillna(pref["centroid_lon"])
    pref_lat = dict(zip(pref["key"], seat_lat, strict=True))
    pref_lon = dict(zip(pref["key"], seat_lon, strict=True))

    cty = data.counties.copy()
    cty["key"] = cty["province_zh"] + "/" + cty["prefecture_zh"]
    unknown = sorted(set(cty["key"]) - set(pref["key"]))
    if unknown:
        raise ParameterError("county_level.prefecture_zh", unknown[0], "a prefecture in the prefecture file")
    cty["lat"] = cty["seat_lat"].fillna(cty["key"].map(pref_lat))
    cty["lon"] = cty["seat_lon"].fillna(cty["key"].map(pref_lon))
    is_district = cty["county_zh"].str.endswith("区").to_numpy()

    rows = []
    for key, group in cty.groupby("key", sort=False):
        districts = group[is_district[group.index]]
        others = group[~is_district[group.index]]
        if len(districts) == 0:  # the unit at the prefecture seat becomes the city proper
            d = great_circle_km(others["lat"].to_numpy(), others["lon"].to_numpy(),
                                pref_lat[key], pref_lon[key])
            seat = others.index[int(np.argmin(d))]
            districts, others = group.loc[[seat]], others.drop(index=seat)
        pop = districts["pop_census2020"].to_numpy(float)
        rows.append({
            "name": key.split("/")[1], "prefecture": key, "kind": "city",
            "population": pop.sum(), "urban": districts["urban_pop_census2020"].sum(),
            # the most populous unit's seat stands for the city proper
            "lat": districts["lat"].to_numpy()[np.argmax(pop)],
            "lon": districts["lon"].to_numpy()[np.argmax(pop)],
        })
        rows += [{"name": f"{key.split('/')[1]}/{r.county_zh}", "prefecture": key, "kind": "county",
                  "population": float(r.pop_census2020), "urban": float(r.urban_pop_census2020),
                  "lat": r.lat, "lon": r.lon} for r in others.itertuples()]
    alone = pref[~pref["key"].isin(set(cty["key"])) & pref["pop_census2020"].notna()]
    rows += [{"name": r.city_zh, "prefecture": r.key, "kind": "city",
              "population": float(r.pop_census2020),
              "urban": float(r.urban_pop_census2020) if pd.notna(r.urban_pop_census2020)
              else float(r.pop_census2020),
              "lat": pref_lat[r.key], "lon": pref_lon[r.key]} for r in alone.itertuples()]
    places = pd.DataFrame(rows)
    return places[places["population"] > 0].reset_index(drop=True)


def choose_cores(
    lat: NDArray[np.float64], lon: NDArray[np.float64], population: NDArray[np.float64],
    n_cores: int, separation_km: float,
) -> NDArray[np.int64]:
    """Returns the indices of the agglomeration cores, most populous first.

    Candidates are taken by population (ties by index); one within ``separation_km`` of a
    core already chosen is skipped. Fewer than ``n_cores`` come back if candidates run out.
    """
    chosen: list[int] = []
    for i in np.argsort(-population, kind="stable"):
        if chosen and great_circle_km(lat[chosen], lon[chosen], lat[i], lon[i]).min() < separation_km:
            continue
        chosen.append(int(i))
        if len(chosen) == n_cores:
            break
    return np.array(chosen, dtype=np.int64)


def national_cluster(
    n_cores: int = 19, core_separation_km: float = 300.0, agglomeration_radius_km: float = 400.0,
    data: NationalData | None = None,
) -> nx.Graph:
    """Returns the national cluster graph (about 2,200 places; see the module docstring).

    Nodes carry ``tier``, ``parent``, ``population``, ``urban_share``, ``lat``, ``lon``,
    ``area_km2``, ``resource_type`` and ``prefecture``; edges join each place to its parent,
    with ``distance_km`` and ``hops`` = 1.

    Args:
        n_cores: Agglomeration cores, >= 1 (19: the national urban agglomerations).
        core_separation_km: Least distance between two cores, km, >= 0.
        agglomeration_radius_km: Largest distance from a secondary city to its core, km, >= 0.
        data: Census tables; default the bundled files.
    """
    if not isinstance(n_cores, int | np.integer) or n_cores < 1:
        raise ParameterError("n_cores", n_cores, "a whole number >= 1")
    for name, value in (("core_separation_km", core_separation_km),
                        ("agglomeration_radius_km", agglomeration_radius_km)):
        if not np.isfinite(value) or value < 0:
            raise ParameterError(name, value, "a distance >= 0 km")
    places = national_places(data)
    lat, lon = places["lat"].to_numpy(float), places["lon"].to_numpy(float)
    pop = places["population"].to_numpy(float)
    city = np.flatnonzero(places["kind"].to_numpy() == "city")
    cores = city[choose_cores(lat[city], lon[city], pop[city], n_cores, core_separation_km)]
    tier = np.full(len(places), Tier.COUNTY, dtype=np.int64)
    tier[city] = Tier.SECONDARY
    tier[cores] = Tier.CORE
    parent = np.full(len(places), -1, dtype=np.int64)
    others = city[tier[city] == Tier.SECONDARY]
    dist = great_circle_km(lat[others, None], lon[others, None], lat[None, cores], lon[None, cores])
    near = dist.argmin(axis=1)
    joined = dist[np.arange(len(others)), near] <= agglomeration_radius_km
    parent[others[joined]] = cores[near[joined]]
    city_of = dict(zip(places["prefecture"].to_numpy()[city], city, strict=True))
    county = np.flatnonzero(tier == Tier.COUNTY)
    parent[county] = [city_of[k] for k in places["prefecture"].to_numpy()[county]]

    rural = pop - places["urban"].to_numpy(float).clip(0, pop)
    area = CHINA_LAND_KM2 * rural / rural.sum()
    names = places["name"].to_numpy()
    graph = nx.Graph(name="China, county level (2020 census)")
    for i in range(len(places)):
        graph.add_node(
            names[i], tier=Tier(int(tier[i])), parent=names[parent[i]] if parent[i] >= 0 else None,
            population=pop[i], urban_share=float(np.clip(places["urban"].iat[i] / pop[i], 0, 1)),
            lat=float(lat[i]), lon=float(lon[i]), area_km2=float(max(area[i], 1.0)),
            resource_type=ResourceType.NONE, prefecture=places["prefecture"].iat[i],
        )
    child = np.flatnonzero(parent >= 0)
    d = great_circle_km(lat[child], lon[child], lat[parent[child]], lon[parent[child]])
    for c, km in zip(child, d, strict=True):
        graph.add_edge(names[c], names[parent[c]], distance_km=float(km), hops=1)
    return graph


def national_summary(graph: nx.Graph) -> dict[str, float]:
    """Returns counts and totals of a national graph: places per tier, people, roots."""
    tiers = np.array([int(d["tier"]) for _, d in graph.nodes(data=True)])
    roots = sum(1 for _, d in graph.nodes(data=True) if d["parent"] is None)
    return {
        "places": graph.number_of_nodes(),
        **{f"{t.name.lower()}_places": int((tiers == t).sum()) for t in Tier},
        "population": float(sum(d["population"] for _, d in graph.nodes(data=True))),
        "standalone_cities": roots - int((tiers == Tier.CORE).sum()),
        "km_per_degree": float(np.pi * EARTH_RADIUS_KM / 180),
    }
