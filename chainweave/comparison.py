"""Policy comparison: baseline and policy variants, replicated with common random numbers.

`compare` runs every variant of a scenario (the baseline and each compared policy) R times.
Replicate r uses the same seed in every variant (common random numbers), so differences between
variants are the policies' effects, not different luck; the seeds come from the scenario's seed
by `numpy.random.SeedSequence`. Runs go to a local process pool when ``workers`` > 1; the result
does not depend on the number of workers. The effects are paired differences to the baseline at
the final step, with t confidence intervals (`chainweave.analysis.policy_contrasts`), for the
cluster and for each tier: D, C, T, the four subsystem scores, emissions, residents, value added
and the policies' cumulative budget cost.

Under several index systems (`chainweave.measurement`; the scenario's ``measurement.systems``
or ``systems=``), systems that need a baseline (baseline bounds, entropy or PCA weights) are
fitted once on the baseline's place rows and then score every variant; the effects then hold
each system's D, C and T (``<system>_D``, ...), and `rankings_table` ranks the policies under
each system side by side (`format_rankings` says where the rankings disagree).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from chainweave import __version__
from chainweave.analysis import policy_contrasts
from chainweave.errors import ParameterError
from chainweave.measurement import IndexSystem
from chainweave.measurement.tables import fit_systems, score_tables
from chainweave.processes import check_main_guard
from chainweave.results import write_results
from chainweave.scenarios import POLICIES, Scenario, load_scenario

SCOPES: tuple[str, ...] = ("cluster", "core", "secondary", "county")
"""Levels effects are reported at: the whole cluster and each tier."""
SCORE_METRICS: tuple[str, ...] = ("D", "C", "T", "score_industry", "score_innovation",
                                  "score_service", "score_urbanization")
"""Metrics the cluster table holds per scope (``D``, ``D_core``, ...)."""
SUM_METRICS: tuple[str, ...] = ("emissions", "population", "value_added")
"""Metrics summed over a scope's places (t CO2, persons, M yuan per year)."""
COST = "policy_spend_total"
"""Budget spent by policies above the baseline mix, summed over the run's years, M yuan."""


@dataclass(frozen=True)
class Comparison:
    """The result of `compare`.

    Attributes:
        cluster: Cluster tables of every run, with ``scenario`` and ``replicate`` columns.
        places: Places tables of every run, likewise.
        effects: One row per variant, scope and metric at the final step: mean, CI, paired
            difference to the baseline and its CI (columns of `policy_contrasts`, plus ``scope``).
        ranking: One row per policy variant, ranked by the change in the cluster's D
            (default system).
        manifest: The resolved scenario, variants, seeds, versions and timings.
        rankings: The ranking under every index system (`rankings_table`).
        systems: How each system scored (`chainweave.measurement.tables.systems_table`),
            with the bounds and weights fitted on the baseline.
    """

    cluster: pd.DataFrame
    places: pd.DataFrame
    effects: pd.DataFrame
    ranking: pd.DataFrame
    manifest: dict[str, Any]
    rankings: pd.DataFrame | None = None
    systems: pd.DataFrame | None = None

    def write(self, out: str | Path) -> Path:
        """Writes the tables (Parquet and CSV) and the manifest into ``out``; returns it."""
        tables = {"cluster": self.cluster, "places": self.places, "effects": self.effects,
                  "ranking": self.ranking}
        tables.update({k: v for k, v in (("rankings", self.rankings), ("systems", self.systems))
                       if v is not None})
        return write_results(out, tables, self.manifest)


def replicate_seeds(seed: int, replications: int) -> list[int]:
    """Returns the seeds of replicates 0..R-1 (the same in every variant)."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(replications, dtype=np.uint32)]


def _run_one(resolved: dict[str, Any], source: str, seed: int, steps: int
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs one variant at one seed in a worker; returns its cluster and places tables."""
    scenario = Scenario.from_dict(resolved, source)
    tables, _ = scenario.run(seed=seed, steps=steps, record_flows=False, fit_systems=False)
    return tables["cluster"], tables["places"]


def compare(
    scenario: Scenario | str | Path = "yijing_jingen",
    variants: Sequence[str] | None = None,
    replications: int | None = None,
    steps: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: bool = True,
    systems: Sequence[str] | None = None,
) -> Comparison:
    """Runs the baseline and policy variants of a scenario and returns their effects.

    Args:
        scenario: A `Scenario`, a bundled name or a path to a scenario file.
        variants: Library policies to compare, each alone; default the scenario's
            ``compare.variants`` (which may also define named combinations).
        replications: Runs per variant, >= 2 for confidence intervals; default the scenario's.
        steps: Years per run; default the scenario's horizon.
        seed: Base seed; default the scenario's.
        workers: Processes running in parallel, >= 1.
        progress: Whether to show a progress bar on standard error.
        systems: Index systems to score under besides the scenario's (bundled names or
            YAML files); ``default`` is always scored.

    Raises:
        ParameterError: for an unknown policy, index system or an impossible count, before
            any run.
    """
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if variants is not None:
        unknown = [v for v in variants if v not in POLICIES]
        if unknown:
            raise ParameterError("variants", unknown[0], f"policy names ({', '.join(POLICIES)})")
        scenario = scenario.with_values({"compare.variants": list(variants)})
    if systems is not None:
        listed = scenario.spec.measurement.systems
        scenario = scenario.with_values({"measurement.systems": [
            *listed, *(s for s in systems if s not in listed)]})
    reps = scenario.spec.compare.replications if replications is None else replications
    steps = scenario.horizon if steps is None else steps
    seed = scenario.seed if seed is None else seed
    for name, value, low in (("replications", reps, 1), ("steps", steps, 1), ("workers", workers, 1),
                             ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ParameterError(name, value, f"a whole number >= {low}")
    named = scenario.variants()
    if len(named) < 2:
        raise ParameterError("compare.variants", [], "at least one policy to compare with the baseline")
    seeds = replicate_seeds(seed, reps)
    tasks = [(name, r, seeds[r]) for r in range(reps) for name, _ in named]
    resolved = {name: sc.resolved() for name, sc in named}
    results: dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
    bar = tqdm(total=len(tasks), desc="runs", unit="run", disable=not progress)
    if workers == 1:
        for name, r, s in tasks:
            results[name, r] = _run_one(resolved[name], scenario.source, s, steps)
            bar.update()
    else:
        check_main_guard(workers)
        # forkserver: forking this (possibly multi-threaded) process could deadlock a child.
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(_run_one, resolved[name], scenario.source, s, steps): (name, r)
                       for name, r, s in tasks}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
    bar.close()
    cluster, places = _stack(results, [n for n, _ in named], reps)
    fitted = scenario.systems
    later = [s for s in fitted if not s.is_fitted]
    if later:
        # Fitted once, on the baseline's places (every replicate and step), for every variant.
        done = fit_systems(later, places[places["scenario"] == "baseline"])
        places, cluster = score_tables(places, cluster, done)
        fitted = tuple(s if s.is_fitted else done[later.index(s)] for s in fitted)
    effects = effects_table(cluster, places, scenario.spec.compare.confidence, fitted)
    manifest = {
        "kind": "comparison", "chainweave_version": __version__, "numpy_version": np.__version__,
        "scenario_name": scenario.name, "scenario": scenario.resolved(),
        "variants": {name: resolved[name]["policies"] for name, _ in named},
        "replications": reps, "seeds": seeds, "steps": steps, "base_seed": seed,
        "confidence": scenario.spec.compare.confidence, "workers": workers,
        "systems": {s.name: s.describe() for s in fitted},
        "wall_seconds": time.perf_counter() - started,
    }
    return Comparison(cluster, places, effects, ranking_table(effects), manifest,
                      rankings_table(effects, fitted),
                      pd.DataFrame([row for s in fitted for row in s.describe()]))


def _stack(results: dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]], names: list[str],
           reps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns all runs' cluster and places tables, in variant and replicate order."""
    frames: dict[str, list[pd.DataFrame]] = {"cluster": [], "places": []}
    for name in names:
        for r in range(reps):
            for key, table in zip(frames, results[name, r], strict=True):
                frames[key].append(table.assign(scenario=name, replicate=r))
    cluster, places = (pd.concat(f, ignore_index=True) for f in frames.values())
    order = ["scenario", "replicate"]
    return (cluster[order + [c for c in cluster.columns if c not in order]],
            places[order + [c for c in places.columns if c not in order]])


def system_metrics(systems: Sequence[IndexSystem]) -> tuple[str, ...]:
    """Returns `SCORE_METRICS` and, for every other system, its prefixed D, C and T."""
    return (*SCORE_METRICS, *(f"{s.prefix()}{k}" for s in systems if s.prefix() for k in "DCT"))


def long_metrics(cluster: pd.DataFrame, places: pd.DataFrame,
                 systems: Sequence[IndexSystem] = ()) -> pd.DataFrame:
    """Returns one row per run, step, scope and metric with its ``value`` (see `SCOPES`)."""
    keys = ["scenario", "replicate", "step"]
    parts = []
    for scope in SCOPES:
        suffix = "" if scope == "cluster" else f"_{scope}"
        part = cluster[keys].copy()
        for metric in system_metrics(systems):
            part[metric] = cluster[f"{metric}{suffix}"]
        in_scope = places if scope == "cluster" else places[places["tier"] == scope]
        sums = in_scope.groupby(keys, sort=False)[[*SUM_METRICS, "policy_spend"]].sum().reset_index()
        sums = sums.sort_values(keys)
        sums[COST] = sums.groupby(["scenario", "replicate"])["policy_spend"].cumsum()
        part = part.merge(sums.drop(columns="policy_spend"), on=keys, how="left")
        parts.append(part.assign(scope=scope))
    wide = pd.concat(parts, ignore_index=True)
    return wide.melt(id_vars=[*keys, "scope"], var_name="metric", value_name="value").fillna({"value": 0.0})


def effects_table(cluster: pd.DataFrame, places: pd.DataFrame, confidence: float = 0.95,
                  systems: Sequence[IndexSystem] = ()) -> pd.DataFrame:
    """Returns, per variant, scope and metric at the final step, the paired effect and CIs.

    Metrics: `SCORE_METRICS`, `SUM_METRICS`, the cost, and D, C, T of each non-default system.
    """
    long = long_metrics(cluster, places, systems)
    final = int(long["step"].max())
    out = []
    for (scope, metric), rows in long.groupby(["scope", "metric"], sort=False):
        c = policy_contrasts(rows, "value", steps=[final], confidence=confidence, paired=True)
        out.append(c.assign(scope=scope, metric=metric))
    effects = pd.concat(out, ignore_index=True)
    return effects[["scenario", "step", "scope", "metric", "n", "mean", "ci_low", "ci_high", "diff",
                    "diff_ci_low", "diff_ci_high"]]


RANKING_COLUMNS: dict[tuple[str, str], str] = {
    ("cluster", "D"): "dD", ("core", "D"): "dD_core", ("secondary", "D"): "dD_secondary",
    ("county", "D"): "dD_county", ("cluster", "score_industry"): "d_industry",
    ("cluster", "score_innovation"): "d_innovation", ("cluster", "score_service"): "d_service",
    ("cluster", "score_urbanization"): "d_urbanization",
}
"""Columns of the ranking: differences to the baseline at the final step."""


def ranking_table(effects: pd.DataFrame) -> pd.DataFrame:
    """Returns one row per policy variant ranked by the change in the cluster's D.

    Columns: the changes in `RANKING_COLUMNS`, ``dD_low``/``dD_high`` (its CI), the change in
    emissions (%), in residents of the cluster and of its counties (%: moves within the cluster
    show in the counties, not in the total), and the cumulative cost (bn yuan).
    """
    e = effects[effects["scenario"] != "baseline"]
    pivot = e.pivot_table(index="scenario", columns=["scope", "metric"], values="diff", aggfunc="first")
    rows = pd.DataFrame(index=pivot.index)
    for key, column in RANKING_COLUMNS.items():
        rows[column] = pivot[key]
    d = e[(e["scope"] == "cluster") & (e["metric"] == "D")].set_index("scenario")
    rows["dD_low"], rows["dD_high"] = d["diff_ci_low"], d["diff_ci_high"]
    base = effects[effects["scenario"] == "baseline"].set_index(["scope", "metric"])["mean"]
    for scope, metric, column in (("cluster", "emissions", "d_emissions_pct"),
                                  ("cluster", "population", "d_population_pct"),
                                  ("county", "population", "d_county_population_pct")):
        rows[column] = 100 * pivot[(scope, metric)] / base[(scope, metric)]
    rows["cost_bn_yuan"] = pivot[("cluster", COST)] / 1e3
    rows = rows.sort_values("dD", ascending=False)
    rows.insert(0, "rank", np.arange(1, len(rows) + 1))
    return rows.rename_axis("policy").reset_index()


def format_ranking(ranking: pd.DataFrame, replications: int, steps: int, confidence: float) -> str:
    """Returns the ranking as a text table (changes at the final step vs the baseline)."""
    def fmt(v: float, digits: int = 4) -> str:
        return f"{v:+.{digits}f}"

    lines = [f"Policy ranking: change vs baseline after {steps} years, mean of {replications} paired "
             f"replications ({confidence:.0%} CI); * = CI excludes 0",
             f"{'rank':>4}  {'policy':<20}{'dD cluster':>12}  {'CI':<21}{'dD core':>9}{'dD sec':>9}"
             f"{'dD county':>10}{'d innov':>9}{'d indus':>9}{'d serv':>9}{'d urban':>9}"
             f"{'emis %':>8}{'pop %':>7}{'cty pop %':>10}{'cost bn':>9}"]
    for r in ranking.itertuples():
        star = "*" if r.dD_low > 0 or r.dD_high < 0 else " "
        lines.append(
            f"{r.rank:>4}  {r.policy:<20}{fmt(r.dD):>11}{star} [{fmt(r.dD_low)}, {fmt(r.dD_high)}]"
            f"{fmt(r.dD_core):>9}{fmt(r.dD_secondary):>9}{fmt(r.dD_county):>10}"
            f"{fmt(r.d_innovation, 3):>9}{fmt(r.d_industry, 3):>9}{fmt(r.d_service, 3):>9}"
            f"{fmt(r.d_urbanization, 3):>9}{r.d_emissions_pct:>+8.1f}{r.d_population_pct:>+7.2f}"
            f"{r.d_county_population_pct:>+10.2f}{r.cost_bn_yuan:>9.1f}")
    return "\n".join(lines)


def rankings_table(effects: pd.DataFrame, systems: Sequence[IndexSystem]) -> pd.DataFrame:
    """Returns the policies ranked by the change in the cluster's D under each index system.

    One row per system and policy: ``system``, ``coupling_variant``, ``rank`` (1 = largest
    rise of D), ``policy``, ``dD`` with ``dD_low``/``dD_high`` (its CI) and ``significant``
    (the CI excludes 0), ``dC``, ``dT``, ``dD_core``, ``dD_secondary``, ``dD_county``,
    ``rank_default`` (the policy's rank under ``default``) and ``rank_change`` (rank minus
    rank_default: negative = ranked higher than under default).
    """
    e = effects[effects["scenario"] != "baseline"]
    diff = e.pivot_table(index="scenario", columns=["scope", "metric"], values="diff", aggfunc="first")
    d = e[e["scope"] == "cluster"].set_index(["metric", "scenario"])
    parts = []
    for system in systems:
        p = system.prefix()
        rows = pd.DataFrame(index=diff.index)
        rows["dD"] = diff[("cluster", f"{p}D")]
        rows["dD_low"] = d.loc[f"{p}D", "diff_ci_low"].reindex(rows.index)
        rows["dD_high"] = d.loc[f"{p}D", "diff_ci_high"].reindex(rows.index)
        rows["significant"] = (rows["dD_low"] > 0) | (rows["dD_high"] < 0)
        rows["dC"], rows["dT"] = diff[("cluster", f"{p}C")], diff[("cluster", f"{p}T")]
        for tier in SCOPES[1:]:
            rows[f"dD_{tier}"] = diff[(tier, f"{p}D")]
        rows = rows.sort_values("dD", ascending=False, kind="stable")
        rows.insert(0, "rank", np.arange(1, len(rows) + 1))
        rows.insert(0, "coupling_variant", system.coupling)
        rows.insert(0, "system", system.name)
        parts.append(rows.rename_axis("policy").reset_index())
    out = pd.concat(parts, ignore_index=True)
    default = out[out["system"] == systems[0].name].set_index("policy")["rank"]
    out["rank_default"] = out["policy"].map(default)
    out["rank_change"] = out["rank"] - out["rank_default"]
    return out[["system", "coupling_variant", "rank", "policy", "dD", "dD_low", "dD_high",
                "significant", "dC", "dT", "dD_core", "dD_secondary", "dD_county",
                "rank_default", "rank_change"]]


def ranking_agreement(rankings: pd.DataFrame) -> list[str]:
    """Returns one line per non-default system saying where its ranking departs from default.

    Each line gives Kendall's tau between the two rankings, the best policy under each, and
    every policy whose rank changes (from -> to).
    """
    from scipy.stats import kendalltau

    systems = list(dict.fromkeys(rankings["system"]))
    base = rankings[rankings["system"] == systems[0]].set_index("policy")
    lines = []
    for name in systems[1:]:
        other = rankings[rankings["system"] == name].set_index("policy").reindex(base.index)
        tau = kendalltau(base["rank"], other["rank"]).statistic if len(base) > 1 else 1.0
        best = other["rank"].idxmin()
        moved = other[other["rank_change"] != 0].sort_values("rank_default")
        head = (f"{name} vs {systems[0]}: Kendall tau {tau:+.2f}; best {best}"
                + ("" if best == base["rank"].idxmin() else f" (under {systems[0]}: "
                   f"{base['rank'].idxmin()})"))
        if moved.empty:
            lines.append(f"{head}; the same ranking")
        else:
            lines.append(f"{head}; {len(moved)} of {len(base)} policies move: " + ", ".join(
                f"{policy} {int(r['rank_default'])}->{int(r['rank'])}" for policy, r in moved.iterrows()))
    return lines


def format_rankings(rankings: pd.DataFrame, replications: int, steps: int, confidence: float) -> str:
    """Returns the rankings under every system side by side, then where they disagree."""
    systems = list(dict.fromkeys(rankings["system"]))
    by = {name: rankings[rankings["system"] == name].set_index("policy") for name in systems}
    order = list(by[systems[0]].index)
    width = max(len(p) for p in order) + 2
    labels = [f"{name} ({by[name]['coupling_variant'].iloc[0]})" for name in systems]
    cell = max(22, *(len(label) + 2 for label in labels))
    lines = [f"Policy ranking under each index system: rank and change in the cluster's D vs baseline "
             f"after {steps} years, mean of {replications} paired replications ({confidence:.0%} CI); "
             "* = CI excludes 0",
             f"{'policy':<{width}}" + "".join(f"{label:>{cell}}" for label in labels)]
    for policy in order:
        cells = []
        for name in systems:
            r = by[name].loc[policy]
            cells.append(f"{int(r['rank']):>4}  {r['dD']:+.4f}{'*' if r['significant'] else ' '}")
        lines.append(f"{policy:<{width}}" + "".join(f"{c:>{cell}}" for c in cells))
    agreement = ranking_agreement(rankings)
    if agreement:
        lines += ["", "Where the rankings disagree:", *(f"  {line}" for line in agreement)]
    return "\n".join(lines)
