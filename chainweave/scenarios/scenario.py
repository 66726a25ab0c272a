"""Scenarios: load a YAML file (or a bundled name), resolve ``extends``, validate, run.

`load_scenario` reads a file, follows its ``extends`` chain (a bundled name or a path relative
to the file), merges each file over its parent (mappings merge key by key, everything else is
replaced), validates the result against `chainweave.scenarios.schema.ScenarioSpec` and then
against the places and the model (place names, parameter ranges, sectors). Every problem is
one `ParameterError` naming the file, the field path, the value and what was expected.

A `Scenario` is immutable: `with_values` and `with_policies` return new ones. `build_model`
makes a `ClusterModel` with the scenario's places, sectors, parameters, government mixes and
policies; `run` runs it and returns the tables and a manifest holding the resolved scenario.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterable, Mapping
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chainweave.arguments import MAX_SEED
from chainweave.errors import ParameterError
from chainweave.measurement import IndexSystem, resolve_systems
from chainweave.measurement.tables import fit_systems as fit_on_baseline
from chainweave.measurement.tables import score_tables
from chainweave.model import ClusterModel
from chainweave.network import (
    MEMORY_SHARE,
    PlaceNetwork,
    Tier,
    available_memory_bytes,
    check_pair_memory,
    count_pairs_within,
    interaction_reach_km,
    synthetic_cluster,
)
from chainweave.parameters import IndustryClass, ModelParams, SectorTable, Stage, default_sectors
from chainweave.scenarios.industries import industry_table
from chainweave.scenarios.national import national_cluster
from chainweave.scenarios.places import PLACE_TABLES, place_graph, place_table
from chainweave.scenarios.policies import POLICIES, ActivePolicy
from chainweave.scenarios.schema import PlaceRow, PolicyUse, ScenarioSpec, SyntheticPlaces, validate_spec
from chainweave.yaml_files import read_yaml_mapping

BUNDLED = resources.files("chainweave.scenarios") / "bundled"
"""Folder of the bundled scenario files."""
FIRM_BYTES = 420
"""Peak memory of a run per step-0 firm, bytes (412 B measured at 1 M firms, docs/performance.md)."""


def list_scenarios() -> list[str]:
    """Returns the names of the bundled scenarios."""
    return sorted(p.name.removesuffix(".yaml") for p in BUNDLED.iterdir() if p.name.endswith(".yaml"))


def _locate(reference: str, relative_to: Path | None) -> tuple[Path, str]:
    """Returns (path, display name) of a scenario reference: a bundled name or a file path."""
    if reference in list_scenarios():
        return Path(str(BUNDLED / f"{reference}.yaml")), reference
    path = Path(reference)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if not path.is_file():
        raise ParameterError("scenario", reference,
                             f"a bundled scenario ({', '.join(list_scenarios())}) or a YAML file")
    return path, str(reference)


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Returns ``child`` merged over ``parent``: mappings key by key, other values replaced."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve(path: Path, source: str, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Returns the file's fields merged over those of the scenarios it extends."""
    if path.resolve() in chain:
        raise ParameterError(f"{source}: extends", " -> ".join(p.name for p in (*chain, path.resolve())),
                             "a chain of scenarios without a cycle")
    data = read_yaml_mapping(path, source, "scenario")
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise ParameterError(f"{source}: extends", parent_ref, "the name or path of one scenario")
    try:
        parent_path, parent_source = _locate(parent_ref, path.parent)
    except ParameterError as err:
        raise ParameterError(f"{source}: extends", parent_ref, err.expected) from None
    return _merge(_resolve(parent_path, parent_source, (*chain, path.resolve())), data)


def load_scenario(reference: str | Path) -> Scenario:
    """Returns the scenario of a bundled name (see `list_scenarios`) or of a YAML file.

    Raises:
        ParameterError: one line naming the file, the field path and what was expected.
    """
    path, source = _locate(str(reference), None)
    return Scenario.from_dict(_resolve(path, source), source)


@cache
def _bundled_graph(name: str) -> nx.Graph:
    """Returns the graph of a bundled place table (cached: graphs are only read)."""
    if name == "national":
        return national_cluster()
    return place_graph(place_table(name))


def _weights_for(graph: nx.Graph, sectors: SectorTable) -> nx.Graph:
    """Returns a bundled graph whose industry weights fit the scenario's sector table.

    A bundled place table's weights (its prefectures' specialization) name the industries of
    the table it was calibrated with; a scenario giving another table (``sectors: default``)
    gets the places without them. Weights a scenario gives itself are checked, not dropped.
    """
    names = set(sectors.names)
    if all(set(data.get("industry_weights") or {}) <= names for _, data in graph.nodes(data=True)):
        return graph
    graph = graph.copy()
    for _, data in graph.nodes(data=True):
        data["industry_weights"] = {}
    return graph


def _stage(name: str) -> int:
    return int(Stage[name.upper()])


class Scenario:
    """A validated scenario: places, sectors, parameters, policies, horizon and seed.

    Attributes:
        spec: The validated `ScenarioSpec`.
        source: Where it came from (file name, bundled name, or "(script)").
    """

    def __init__(self, spec: ScenarioSpec, source: str = "(script)") -> None:
        """Validates ``spec`` against the places and the model; see `load_scenario`."""
        self.spec = spec
        self.source = source
        self._check()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "(script)") -> Scenario:
        """Returns the scenario of a mapping of scenario fields (``extends`` not allowed)."""
        if "extends" in data:
            raise ParameterError(f"{source}: extends", data["extends"],
                                 "no extends here (load_scenario resolves it from files)")
        return cls(validate_spec(dict(data), source), source)

    # --- properties ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def horizon(self) -> int:
        """Years a run lasts unless told otherwise."""
        return self.spec.horizon

    @property
    def seed(self) -> int:
        """Seed of a run unless told otherwise (and base seed of comparisons)."""
        return self.spec.seed

    def resolved(self) -> dict[str, Any]:
        """Returns the whole scenario as plain JSON-able data (what manifests record)."""
        return json.loads(self.spec.model_dump_json(exclude_defaults=False))

    def policy_names(self) -> list[str]:
        """Returns the labels of the scenario's policies."""
        return [p.name for p in self.spec.policies]

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, places={self.network.n}, policies={self.policy_names()})"

    # --- derived pieces -----------------------------------------------------------------
    @cached_property
    def graph(self) -> nx.Graph:
        """The cluster graph: bundled or listed places, with the overrides applied."""
        places, overrides = self.spec.places, self.spec.place_overrides
        if isinstance(places, SyntheticPlaces):
            s = places.synthetic
            graph = synthetic_cluster(s.n_cores, s.n_secondary, s.n_counties, seed=s.seed)
        elif isinstance(places, str):
            if places not in (*PLACE_TABLES, "national"):
                raise ParameterError(f"{self.source}: places", places,
                                     f"one of {', '.join((*PLACE_TABLES, 'national'))}, "
                                     "{synthetic: ...} or a list of places")
            graph = _weights_for(_bundled_graph(places), self.sectors)
        else:
            graph = place_graph(pd.DataFrame([_row(p) for p in places]))
        if not overrides:
            return graph
        graph = graph.copy()
        for name, change in overrides.items():
            if name not in graph:
                raise ParameterError(f"{self.source}: place_overrides.{name}", name,
                                     "the name of a place in the cluster")
            for key, value in change.model_dump(exclude_none=True).items():
                graph.nodes[name][key] = (Tier[value.upper()] if key == "tier" else
                                          tuple(value) if key == "industry_shares" else value)
        return graph

    @cached_property
    def systems(self) -> tuple[IndexSystem, ...]:
        """The index systems of ``measurement.systems``: ``default`` first, then the others."""
        return resolve_systems(self.spec.measurement.systems, f"{self.source}: measurement.systems")

    @cached_property
    def network(self) -> PlaceNetwork:
        """The places as arrays (for names, tiers and targets; no pairs)."""
        return PlaceNetwork(self.graph, reach_km=0.0)

    @cached_property
    def params(self) -> ModelParams:
        """The model parameters: defaults with the file's ``params``."""
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in self.spec.params.items()}
        try:
            return ModelParams().replace(**values)
        except ParameterError as err:
            raise ParameterError(f"{self.source}: params.{err.field}", err.value, err.expected) from None
        except TypeError as err:
            raise ParameterError(f"{self.source}: params", values, str(err)) from None

    @cached_property
    def sectors(self) -> SectorTable:
        """The sector table: default or given, with the per-sector overrides."""
        spec = self.spec.sectors
        try:
            if spec == "default":
                table = default_sectors()
            elif isinstance(spec, str):
                table = industry_table(spec)
            else:
                table = SectorTable(
                    names=tuple(spec.names), stage=np.array([_stage(s) for s in spec.stage], np.int8),
                    industry_class=np.array([int(IndustryClass[c.upper()]) for c in spec.industry_class],
                                            np.int8),
                    high_tech=np.array(spec.high_tech, bool),
                    resource_based=np.array(spec.resource_based, bool),
                    carbon_intensity=np.array(spec.carbon_intensity, float), io=np.array(spec.io, float),
                    final_demand_share=np.array(spec.final_demand_share, float),
                    base_productivity=np.array(spec.base_productivity, float),
                    rd_share=np.array(spec.rd_share, float), tier_mix=np.array(spec.tier_mix, float),
                    wage_ratio=None if spec.wage_ratio is None else np.array(spec.wage_ratio, float),
                    local_share=None if spec.local_share is None else np.array(spec.local_share, float),
                    industrial=None if spec.industrial is None else np.array(spec.industrial, bool))
            if not self.spec.sector_overrides:
                return table
            columns = {k: getattr(table, k).copy() for k in ("carbon_intensity", "base_productivity",
                                                             "rd_share", "wage_ratio", "local_share",
                                                             "high_tech", "resource_based")}
            for name, change in self.spec.sector_overrides.items():
                if name not in table.names:
                    raise ParameterError(f"sector_overrides.{name}", name,
                                         f"a sector ({', '.join(table.names)})")
                for key, value in change.model_dump(exclude_none=True).items():
                    columns[key][table.names.index(name)] = value
            return dataclasses.replace(table, **columns)
        except ParameterError as err:
            field = err.field if err.field.startswith("sector") else f"sectors.{err.field}"
            raise ParameterError(f"{self.source}: {field}", err.value, err.expected) from None
        except ValueError as err:  # ragged lists
            raise ParameterError(f"{self.source}: sectors", "ragged table", str(err)) from None

    def _check(self) -> None:
        """Builds every derived piece once so that errors surface at load time."""
        try:
            net = self.network
        except ParameterError as err:
            field = err.field if err.field.startswith(self.source) else f"{self.source}: {err.field}"
            raise ParameterError(field, err.value, err.expected) from None
        self.params  # noqa: B018 - validates
        self.systems  # noqa: B018 - validates
        names = set(self.sectors.names)
        known = set(net.names)
        for place in self.spec.governments:
            if place not in known:
                raise ParameterError(f"{self.source}: governments.{place}", place,
                                     "the name of a place in the cluster")
        for path, policy in self._all_policy_uses():
            where = f"{self.source}: {path}"
            for key in ("places", "jurisdictions"):
                for place in getattr(policy.targets, key):
                    if place not in known:
                        raise ParameterError(f"{where}.targets.{key}", place,
                                             "the name of a place in the cluster")
            for sector in policy.sectors or ():
                if sector not in names:
                    raise ParameterError(f"{where}.sectors", sector, f"a sector ({', '.join(sorted(names))})")
            if not _activate(policy, net).targets.any():
                raise ParameterError(f"{where}.targets", policy.targets.model_dump(exclude_defaults=True),
                                     "targets that select at least one place (tiers, places and "
                                     "jurisdictions must overlap)")
        try:
            self._government_mix_check()
            self._size_check()
        except ParameterError as err:
            raise ParameterError(f"{self.source}: {err.field}", err.value, err.expected) from None

    def _size_check(self) -> None:
        """Checks that a run's firm table and place pairs fit in the memory free now.

        The place pairs are checked as the model's network checks them
        (`chainweave.network.check_pair_memory`); the firm table at `FIRM_BYTES` per step-0 firm.
        """
        net, prm = self.network, self.params
        usable = MEMORY_SHARE * available_memory_bytes()
        need = prm.n_firms * FIRM_BYTES
        if need > usable:
            raise ParameterError("params.n_firms", prm.n_firms,
                                 f"at most {int(usable / FIRM_BYTES):,} firms (about {need / 1e9:,.1f} GB "
                                 f"at {FIRM_BYTES} B per firm; {MEMORY_SHARE:.0%} of the memory free now "
                                 f"is {usable / 1e9:,.1f} GB)")
        reach = interaction_reach_km(prm.kernel_decay_km, prm.kernel_cutoff, prm.trade_decay_km)
        pairs = count_pairs_within(net.lat, net.lon, reach) + 2 * int((net.parent >= 0).sum())
        check_pair_memory(net.n, pairs, self.sectors.n, reach)

    def _government_mix_check(self) -> None:
        baseline = {name: getattr(self.params, name) for name in
                    ("rd_subsidy_share", "talent_share", "public_services_share", "incubator_share",
                     "platform_share", "enforcement_share")}
        for place, mix in self.spec.governments.items():
            shares = {**baseline, **{k: v for k, v in mix.model_dump(exclude_none=True).items()
                                     if k in baseline}}
            if sum(shares.values()) > 1 + 1e-12:
                raise ParameterError(f"governments.{place}", round(sum(shares.values()), 6),
                                     "budget shares summing to at most 1")

    def _all_policy_uses(self) -> Iterable[tuple[str, PolicyUse]]:
        for i, p in enumerate(self.spec.policies):
            yield f"policies[{i}]", p
        for i, v in enumerate(self.spec.compare.variants):
            if not isinstance(v, str):
                for j, p in enumerate(v.policies):
                    yield f"compare.variants[{i}].policies[{j}]", p

    # --- new scenarios ------------------------------------------------------------------
    def with_values(self, values: Mapping[str, Any]) -> Scenario:
        """Returns a new scenario with some fields set, by dotted path.

        Paths: any field of the file (``horizon``, ``params.kernel_decay_km``,
        ``place_overrides.Yichang.population``, ``governments.Enshi.talent_share``, ...), and
        ``policies.<label>.<parameter>`` (or ``.start``, ``.ramp``, ``.targets``: a mapping of
        tiers, places, jurisdictions) for a policy of the scenario.

        Raises:
            ParameterError: naming the path for an unknown path or an impossible value.
        """
        data = self.resolved()
        for path, value in values.items():
            parts = str(path).split(".")
            if parts[0] == "policies":
                _set_policy_value(data, parts, value, path)
                continue
            target = data
            for part in parts[:-1]:
                if not isinstance(target, dict):
                    raise ParameterError(path, value, "a path to a scenario field")
                target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ParameterError(path, value, "a path to a scenario field")
            if parts[0] == "params" and (len(parts) != 2 or parts[1] not in ModelParams.__dataclass_fields__):
                raise ParameterError(path, value, "params.<a ModelParams field>")
            target[parts[-1]] = value
        return Scenario.from_dict(_drop_nones(data), self.source)

    def with_policies(self, policies: Iterable[str | PolicyUse | Mapping[str, Any]]) -> Scenario:
        """Returns a new scenario with library policies added (names use their defaults)."""
        data = self.resolved()
        for p in policies:
            entry = ({"policy": p} if isinstance(p, str) else
                     json.loads(p.model_dump_json()) if isinstance(p, PolicyUse) else dict(p))
            data["policies"].append(entry)
        return Scenario.from_dict(_drop_nones(data), self.source)

    def variants(self) -> list[tuple[str, Scenario]]:
        """Returns ("baseline", self) and one (name, scenario) per compared variant."""
        out = [("baseline", self)]
        for v in self.spec.compare.variants:
            if isinstance(v, str):
                out.append((v, self.with_policies([v])))
            else:
                out.append((v.name, self.with_policies(v.policies)))
        return out

    # --- running ------------------------------------------------------------------------
    def active_policies(self, net: PlaceNetwork) -> list[ActivePolicy]:
        """Returns the scenario's policies with their targets resolved on ``net``."""
        return [_activate(p, net) for p in self.spec.policies]

    def model_kwargs(self, seed: int | None = None, record_flows: bool = True,
                     firm_handles: bool | None = None, steps: int | None = None) -> dict[str, Any]:
        """Returns the `ClusterModel` keywords of this scenario (arguments as for `build_model`).

        They are the graph, parameters, sectors, policies, government mixes, seed, horizon and
        the index systems that need no baseline.
        For Mesa's ``batch_run`` and SolaraViz, which pass keywords as plain values and keep
        them in their results, use `chainweave.scenarios.ScenarioModel` instead.
        """
        mix = {place: m.model_dump(exclude_none=True) for place, m in self.spec.governments.items()}
        return {"graph": self.graph, "params": self.params, "sectors": self.sectors,
                "rng": self.seed if seed is None else seed,
                "steps": self.horizon if steps is None else steps,
                "record_flows": record_flows, "firm_handles": firm_handles,
                "policies": self.active_policies(self.network), "government_mix": mix,
                "systems": [s for s in self.systems if s.is_fitted]}

    def build_model(self, seed: int | None = None, record_flows: bool = True,
                    firm_handles: bool | None = None, steps: int | None = None) -> ClusterModel:
        """Returns a `ClusterModel` of this scenario (policies attached), ready to step.

        The model scores each year under the scenario's systems that need no baseline; the
        others are scored after the run (`run`) or the comparison.

        Args:
            seed: Seed of the run; default the scenario's.
            record_flows: Whether to keep the per-edge flows table.
            firm_handles: Whether to make a Mesa agent per firm (default: small runs only).
            steps: Horizon of the model (``running`` turns False after it); default the scenario's.
        """
        return ClusterModel(**self.model_kwargs(seed, record_flows, firm_handles, steps))

    def run(self, seed: int | None = None, steps: int | None = None,
            record_flows: bool = True, fit_systems: bool = True
            ) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """Runs the scenario and returns (tables, manifest); tables carry a ``seed`` column.

        Tables are ``places``, ``flows``, ``cluster`` and ``systems`` (how each index system
        scored: bounds, weights, coupling form).

        Args:
            seed: Seed of the run; default the scenario's.
            steps: Years to run; default the scenario's horizon.
            record_flows: Whether to record the per-edge flows table.
            fit_systems: Whether systems that need a baseline are fitted on this run (its own
                baseline) and scored; a comparison passes False and fits on its baseline.
        """
        seed = self.seed if seed is None else seed
        steps = self.horizon if steps is None else steps
        if not isinstance(steps, int | np.integer) or steps < 0:
            raise ParameterError("steps", steps, "a whole number >= 0")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= MAX_SEED:
            raise ParameterError("seed", seed, "a whole number in [0, 2**63 - 1]")
        model = self.build_model(seed=seed, record_flows=record_flows, steps=steps)
        model.run(steps)
        tables = model.tables()
        for table in tables.values():
            table.insert(0, "seed", seed)
        manifest = {"kind": "run", "scenario_name": self.name, **model.manifest(),
                    "scenario": self.resolved()}
        systems = model.systems
        if fit_systems and len(systems) < len(self.systems):
            later = fit_on_baseline([s for s in self.systems if not s.is_fitted], tables["places"])
            tables["places"], tables["cluster"] = score_tables(tables["places"], tables["cluster"],
                                                               later)
            systems = (*systems, *later)
            manifest["systems"] = {s.name: s.describe() for s in systems}
        tables["systems"] = pd.DataFrame([row for s in systems for row in s.describe()])
        return tables, manifest


def _row(place: PlaceRow) -> dict[str, Any]:
    """Returns a place-table row from a place given in a file."""
    shares = place.industry_shares or [np.nan] * 3
    return {"name": place.name, "prefecture": place.parent if place.tier == "county" else place.name,
            "tier": place.tier, "parent": place.parent, "population": place.population,
            "urban_share": place.urban_share, "area_km2": place.area_km2, "lat": place.lat,
            "lon": place.lon, "resource_type": place.resource_type,
            "productivity_factor": place.productivity_factor, "rd_factor": place.rd_factor,
            "primary_share": shares[0], "secondary_share": shares[1], "tertiary_share": shares[2],
            "industry_weights": place.industry_weights or {}}


def _set_policy_value(data: dict[str, Any], parts: list[str], value: Any, path: str) -> None:
    """Sets ``policies.<label>.<key>`` in resolved scenario data."""
    if len(parts) != 3:
        raise ParameterError(path, value, "policies.<label>.<parameter, start, ramp or targets>")
    _, label, key = parts
    for entry in data["policies"]:
        if (entry.get("label") or entry["policy"]) == label:
            if key in ("start", "ramp", "targets"):
                entry[key] = value
            else:
                entry.setdefault("params", {})[key] = value
            return
    labels = [e.get("label") or e["policy"] for e in data["policies"]]
    raise ParameterError(path, label, f"a policy of the scenario ({', '.join(labels) or 'none'})")


def _drop_nones(data: Any) -> Any:
    """Returns data without None values in mappings (optional fields left unset)."""
    if isinstance(data, dict):
        return {k: _drop_nones(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_drop_nones(v) for v in data]
    return data


def _activate(use: PolicyUse, net: PlaceNetwork) -> ActivePolicy:
    """Returns the `ActivePolicy` of a policy use: defaults filled, targets as a mask."""
    info = POLICIES[use.policy]
    values = {name: p.default for name, p in info.parameters.items()} | dict(use.params)
    tiers = [Tier[t.upper()] for t in use.targets.tiers] or list(Tier)
    mask = np.isin(net.tier, tiers)
    if use.targets.places or use.targets.jurisdictions:
        index = {name: i for i, name in enumerate(net.names)}
        chosen = np.isin(np.arange(net.n), [index[p] for p in use.targets.places])
        chosen |= np.isin(net.jurisdiction, [index[p] for p in use.targets.jurisdictions])
        mask &= chosen
    return ActivePolicy(info=info, label=use.name, values=values, targets=mask, start=use.start,
                        ramp=use.ramp, sectors=tuple(use.sectors or info.sectors))
