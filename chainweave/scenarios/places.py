"""Bundled place tables: the real clusters scenarios can name, built from the data in ``data/``.

A place table has one row per disjoint place with the node attributes `PlaceNetwork` reads
(``name``, ``tier``, ``parent``, ``population``, ``urban_share``, ``area_km2``, ``lat``,
``lon``, ``resource_type``, ``productivity_factor``, ``rd_factor``, ``industry_shares``,
``industry_weights``) and the ``prefecture`` it belongs to. `place_graph` turns a table into
the cluster graph.

- ``yijing_jingen``: Wuhan (core) and the Yijing Jingen agglomeration, Yichang, Jingzhou,
  Jingmen and Enshi, each split into its city proper (urban districts; for Enshi, which has
  none, the county-level city at its seat) and its counties (29 places). Populations are the
  2020 census; county rows (NBS county tabulation) are scaled to the city's bulletin total where
  the two differ (Yichang: 3,762,407 -> 4,017,607, x1.068). GDP, industry shares and patents
  per prefecture are in ``data/hubei_targets.csv``, with how each was set; the calibration
  factors that make step 0 match them are in ``data/yijing_jingen_calibration.csv``
  (`chainweave.scenarios.calibrate`), and the industries each prefecture specializes in, which
  its ``specialization_factor`` raises (``industry_weights``), in
  ``data/yijing_jingen_specialization.csv``, with the sentence of seed 004 each comes from.
- ``yunnan_resource``: a resource-based cluster around Kunming from the national census
  extract: Kunming (core; its district Dongchuan, a declining copper town, kept as a county of
  its own), and the prefectures Qujing (mature), Yuxi, Chuxiong (growing), Honghe (with Gejiu,
  declining tin city) and Lijiang (regenerating), life-cycle types as the 2013 national plan
  lists them (``resource_city_types.csv`` of the shared data, the verified Yunnan examples).
  Land area is estimated as for the national scenario (China's land shared by rural residents).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd

from chainweave.errors import ParameterError
from chainweave.network import ResourceType, Tier, add_standard_links
from chainweave.scenarios.national import CHINA_LAND_KM2, national_places

YIJING_JINGEN_CITIES: tuple[str, ...] = ("Yichang", "Jingzhou", "Jingmen", "Enshi")
"""The secondary cities of the default scenario, in the source paper's order."""

COLUMNS: tuple[str, ...] = (
    "name", "prefecture", "tier", "parent", "population", "urban_share", "area_km2", "lat",
    "lon", "resource_type", "productivity_factor", "rd_factor", "primary_share",
    "secondary_share", "tertiary_share", "industry_weights",
)
"""Columns of a place table (industry shares NaN where the sector table's tier mix applies;
``industry_weights`` a mapping, empty where the place has none)."""


def read_data(name: str, **kwargs) -> pd.DataFrame:
    """Returns a bundled CSV of ``chainweave/scenarios/data``."""
    with (resources.files("chainweave.scenarios") / "data" / name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, **kwargs)


FACTORS: tuple[str, ...] = ("productivity_factor", "rd_factor", "specialization_factor")
"""Calibration factors per prefecture: step-0 productivity and R&D multipliers, and the
strength lambda of its specialization (its listed industries' weight is 1 + lambda)."""


def calibration_factors(table: str) -> pd.DataFrame:
    """Returns the stored calibration factors of a place table, indexed by prefecture.

    Columns `FACTORS` (a factor a file lacks is 1, the specialization 0); an empty frame
    if none are stored.
    """
    folder = resources.files("chainweave.scenarios") / "data"
    if not (folder / f"{table}_calibration.csv").is_file():
        return pd.DataFrame(columns=list(FACTORS))
    factors = read_data(f"{table}_calibration.csv").set_index("prefecture")
    if "specialization_factor" not in factors:
        factors["specialization_factor"] = 0.0
    return factors


def specialized_industries(table: str) -> dict[str, list[str]]:
    """Returns, per prefecture, the industries its place table's specialization raises.

    From ``data/<table>_specialization.csv`` (one row per prefecture and industry, with the
    evidence); empty if the table has none.
    """
    folder = resources.files("chainweave.scenarios") / "data"
    if not (folder / f"{table}_specialization.csv").is_file():
        return {}
    rows = read_data(f"{table}_specialization.csv")
    return {p: list(group["industry"]) for p, group in rows.groupby("prefecture", sort=False)}


def yijing_jingen_places() -> pd.DataFrame:
    """Returns the place table of the default scenario (see the module docstring)."""
    cities = read_data("hubei_cities.csv").set_index("city_en")
    counties = read_data("hubei_counties.csv")
    targets = read_data("hubei_targets.csv").set_index("city")
    wuhan = cities.loc["Wuhan"]
    national = read_data("china_prefecture_level_2020.csv", dtype={"city_code": str})
    wuhan_urban = national.loc[national["city_code"] == str(wuhan["adcode"]),
                               "urban_pop_census2020"].iloc[0]
    rows = [{
        "name": "Wuhan", "prefecture": "Wuhan", "tier": "core", "parent": None,
        "population": float(wuhan["pop_census2020"]),
        "urban_share": float(wuhan_urban / national.loc[national["city_code"] == str(wuhan["adcode"]),
                                                        "pop_census2020"].iloc[0]),
        "area_km2": float(wuhan["area_km2_boundary_estimate"]),
        "lat": float(wuhan["seat_lat"]), "lon": float(wuhan["seat_lon"]),
    }]
    for city in YIJING_JINGEN_CITIES:
        units = counties[counties["parent_city_en"] == city].copy()
        scale = cities.at[city, "pop_census2020"] / units["pop_census2020"].sum()
        units["area"] = units["area_km2"].fillna(units["area_km2_boundary_estimate"]).fillna(0.0)
        urban = units["type"].str.startswith(("district", "development zone"))
        if not urban.any():  # Enshi: the county-level city at the prefecture seat
            urban = units["county_en"] == city
        proper, rest = units[urban], units[~urban]
        rows.append({
            "name": city, "prefecture": city, "tier": "secondary", "parent": "Wuhan",
            "population": float(proper["pop_census2020"].sum() * scale),
            "urban_share": float(proper["pop_urban_census2020"].sum() / proper["pop_census2020"].sum()),
            "area_km2": float(proper["area"].sum()),
            "lat": float(cities.at[city, "seat_lat"]), "lon": float(cities.at[city, "seat_lon"]),
        })
        rows += [{
            "name": r.county_en, "prefecture": city, "tier": "county", "parent": city,
            "population": float(r.pop_census2020 * scale),
            "urban_share": float(r.pop_urban_census2020 / r.pop_census2020),
            "area_km2": float(r.area), "lat": float(r.seat_lat), "lon": float(r.seat_lon),
        } for r in rest.itertuples()]
    table = pd.DataFrame(rows)
    table["resource_type"] = "none"
    shares = targets.loc[table["prefecture"], ["primary_share_pct", "secondary_share_pct",
                                                "tertiary_share_pct"]].to_numpy() / 100.0
    table[["primary_share", "secondary_share", "tertiary_share"]] = shares / shares.sum(axis=1,
                                                                                        keepdims=True)
    return _with_factors(table, "yijing_jingen")


YUNNAN_PREFECTURES: dict[str, str] = {
    "昆明市": "none", "曲靖市": "mature", "玉溪市": "none", "楚雄彝族自治州": "growing",
    "红河哈尼族彝族自治州": "none", "丽江市": "regenerating",
}
"""Prefectures of the resource-based cluster and their life-cycle type (2013 plan)."""
YUNNAN_COUNTIES: dict[str, str] = {"个旧市": "declining", "东川区": "declining"}
"""County-level units with a type of their own (2013 plan: Gejiu, Dongchuan District)."""


def yunnan_resource_places() -> pd.DataFrame:
    """Returns the place table of the resource-based cluster (see the module docstring)."""
    national = national_places()
    rural = (national["population"] - national["urban"].clip(upper=national["population"]))
    km2_per_rural = CHINA_LAND_KM2 / rural.sum()
    county_rows = read_data("china_county_level_2020.csv", dtype={"county_code": str})
    dongchuan = county_rows[(county_rows["county_zh"] == "东川区")
                            & (county_rows["prefecture_zh"] == "昆明市")].iloc[0]
    keys = {f"云南省/{p}": p for p in YUNNAN_PREFECTURES}
    places = national[national["prefecture"].isin(keys)].copy()
    kunming = (places["prefecture"] == "云南省/昆明市") & (places["kind"] == "city")
    # Dongchuan leaves Kunming's city proper and becomes a county of its own.
    i = places.index[kunming][0]
    places.loc[i, "population"] -= dongchuan["pop_census2020"]
    places.loc[i, "urban"] -= dongchuan["urban_pop_census2020"]
    places = pd.concat([places, pd.DataFrame([{
        "name": "昆明市/东川区", "prefecture": "云南省/昆明市", "kind": "county",
        "population": float(dongchuan["pop_census2020"]),
        "urban": float(dongchuan["urban_pop_census2020"]),
        "lat": float(dongchuan["seat_lat"]), "lon": float(dongchuan["seat_lon"])}])],
        ignore_index=True)
    prefecture = places["prefecture"].map(keys)
    city_name = {p: p for p in YUNNAN_PREFECTURES}
    is_city = places["kind"] == "city"
    tier = np.where(is_city, "secondary", "county")
    tier[(is_city & (prefecture == "昆明市")).to_numpy()] = "core"
    parent = np.where(is_city, "昆明市", prefecture.map(city_name))
    parent[tier == "core"] = None
    short = places["name"].str.split("/").str[-1]
    rtype = np.where(is_city | ~short.isin(YUNNAN_COUNTIES), prefecture.map(YUNNAN_PREFECTURES),
                     short.map(YUNNAN_COUNTIES))
    rtype = np.where(short.isin(YUNNAN_COUNTIES), short.map(YUNNAN_COUNTIES), rtype)
    pop = places["population"].to_numpy(float)
    urban = places["urban"].to_numpy(float).clip(0, pop)
    table = pd.DataFrame({
        "name": np.where(is_city, prefecture, short), "prefecture": prefecture.to_numpy(),
        "tier": tier, "parent": parent, "population": pop, "urban_share": urban / pop,
        "area_km2": np.maximum((pop - urban) * km2_per_rural, 1.0),
        "lat": places["lat"].to_numpy(float), "lon": places["lon"].to_numpy(float),
        "resource_type": rtype,
    })
    for column in ("primary_share", "secondary_share", "tertiary_share"):
        table[column] = np.nan
    return _with_factors(table, "yunnan_resource")


def _with_factors(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """Adds the stored calibration factors of each place's prefecture (1 where none).

    And its industry weights: 1 + its specialization factor on each of its specialized
    industries (none where the factor is 0 or not stored).
    """
    factors = calibration_factors(name)
    for column in ("productivity_factor", "rd_factor"):
        table[column] = table["prefecture"].map(factors[column]).fillna(1.0).astype(float) \
            if len(factors) else 1.0
    industries = specialized_industries(name)
    strength = factors["specialization_factor"] if len(factors) else pd.Series(dtype=float)
    table["industry_weights"] = [industry_weights(industries.get(p, []), float(strength.get(p, 0.0)))
                                 for p in table["prefecture"]]
    return table[list(COLUMNS)].reset_index(drop=True)


def industry_weights(industries: list[str], strength: float) -> dict[str, float]:
    """Returns a prefecture's industry weights, 1 + lambda on each of its specialized industries.

    None when lambda, its specialization factor, is 0.
    """
    return {s: 1.0 + strength for s in industries} if strength > 0 else {}


PLACE_TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "yijing_jingen": yijing_jingen_places,
    "yunnan_resource": yunnan_resource_places,
}
"""Bundled place tables by name (``national`` and ``synthetic`` are built as graphs)."""


@cache
def place_table(name: str) -> pd.DataFrame:
    """Returns a bundled place table by name (cached; copy before changing it)."""
    if name not in PLACE_TABLES:
        raise ParameterError("places", name, "one of " + ", ".join(PLACE_TABLES))
    return PLACE_TABLES[name]()


def place_graph(table: pd.DataFrame) -> nx.Graph:
    """Returns the cluster graph of a place table, with the standard links.

    Raises:
        ParameterError: for a duplicate name (the rest `PlaceNetwork` checks).
    """
    duplicated = table["name"][table["name"].duplicated()]
    if len(duplicated):
        raise ParameterError("places.name", duplicated.iloc[0], "names used once")
    graph = nx.Graph()
    for row in table.to_dict("records"):
        shares = [row["primary_share"], row["secondary_share"], row["tertiary_share"]]
        graph.add_node(
            row["name"], tier=Tier[str(row["tier"]).upper()],
            parent=row["parent"] if isinstance(row["parent"], str) and row["parent"] else None,
            population=row["population"], urban_share=row["urban_share"],
            area_km2=row["area_km2"], lat=row["lat"], lon=row["lon"],
            resource_type=ResourceType[str(row["resource_type"]).upper()],
            productivity_factor=row["productivity_factor"], rd_factor=row["rd_factor"],
            industry_shares=None if any(pd.isna(shares)) else tuple(shares),
            industry_weights=dict(row.get("industry_weights") or {}),
            prefecture=row["prefecture"],
        )
    missing = [n for n, d in graph.nodes(data=True) if d["parent"] and d["parent"] not in graph]
    if missing:
        raise ParameterError(f"places[{missing[0]!r}].parent", graph.nodes[missing[0]]["parent"],
                             "the name of a place in the cluster")
    add_standard_links(graph)
    return graph
