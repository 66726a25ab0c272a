"""Economy statistics of the default scenario over seeds, with 95% intervals: ``economy.md``.

``python -m chainweave.validation.economy --seeds 20 --firms 20000 --years 50 --out results/economy``
runs the bundled scenario (`SCENARIO`) at each seed in two arms, with no export growth
(``params.export_growth = 0``, the main arm) and with the scenario's own export growth, one
year at a time, and measures per seed:

1. real value-added growth (cluster ``value_added_real``), %/yr: the mean of the yearly
   growth rates over years 1..T, the compound rate from 0 to T, and year 1 alone;
2. the employment rate (cluster ``employment`` / ``labour_supply``, both workers): its
   minimum, mean and maximum over years 1..T and its path at `PATH_YEARS`;
3. the Okun coefficient: the OLS slope (statsmodels) of the yearly change of the
   unemployment rate (1 - employment rate, percentage points) on real value-added growth
   (%), years 2..T of one seed; -1 / slope is the growth (%) that goes with one point less
   unemployment (seed paper 002 cites +2.5 % of real income for -1 point, `OKUN_REFERENCE`);
4. the entry and exit rates (cluster ``entries`` and ``exits`` over last year's ``firms``,
   1/yr), and the yearly exit hazard by age class (`AGE_CLASSES`, the firm's age in whole
   years at the start of the year) and by quintile of employment (ranked each year among
   the firms alive at its start). Firms are followed by ``uid``: a firm present before a
   step and absent after it has exited (relocation keeps the uid);
5. the Pareto tail exponent of firm employment (`hill_estimate`, top 5 % of
   ``model.firms.labour``) at `HILL_STEPS`;
6. firms per worker (places ``firms`` / places ``employment``, summed over places) at step
   ``--long-years`` relative to step 0, on a separate, smaller set of long runs of the
   main arm.

Every statistic is reported as the mean over seeds and its 95 % t interval
(`chainweave.validation.suite.interval`). The folder gets ``economy.md`` (one table per
statistic), one CSV of per-seed values per statistic and ``yearly.csv`` (every seed's cluster
path), each written to a temporary file in the folder and renamed into place.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainweave import __version__
from chainweave.results import atomic_write_bytes, atomic_write_table
from chainweave.validation.statistics import hill_estimate
from chainweave.validation.suite import CONFIDENCE, interval, suite_seeds

SCENARIO = "yijing_jingen"
"""The default scenario, whose economy is measured."""
DEFAULT_OUT = Path("results") / "economy"
"""Where the report goes unless told otherwise."""
DEFAULT_SEED = 12
"""Root of the seeds (`chainweave.validation.suite.suite_seeds`), the validation suite's."""
ARMS: dict[str, float | None] = {"no_export_growth": 0.0, "export_growth": None}
"""Run sets by name: ``params.export_growth`` in 1/yr (None: the scenario's own value)."""
MAIN_ARM = "no_export_growth"
"""The arm of the long runs and the one listed first."""
PATH_YEARS: tuple[int, ...] = (0, 1, 2, 5, 10, 20, 30, 50)
"""Years at which the employment path is reported (those within the run)."""
HILL_STEPS: tuple[int, ...] = (0, 20, 50)
"""Steps at which the tail exponent is measured by default (those within the run)."""
HILL_TOP = 0.05
"""Share of the largest firms the Hill estimator uses."""
AGE_CLASSES: tuple[tuple[str, int, float], ...] = (("0-1", 0, 1), ("2-4", 2, 4), ("5-9", 5, 9),
                                                   ("10+", 10, math.inf))
"""Age classes (label, first, last age in whole years at the start of the year)."""
SIZE_QUINTILES = 5
"""Employment size classes: quintiles of the firms alive at the start of each year."""
OKUN_REFERENCE = -1 / 2.5
"""Okun slope cited by seed paper 002: +2.5 % real income growth ~ -1 point of unemployment
(percentage points per %)."""


# --- measurements on one run ------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One run: an arm at one seed.

    Attributes:
        kind: ``"main"`` (stepped one year at a time, firms followed) or ``"long"``.
        arm: Name in `ARMS`.
        seed: Seed of the run.
        firms: ``params.n_firms``.
        years: Years to run.
        hill_steps: Steps at which firm employment is kept for the Hill estimator.
    """

    kind: str
    arm: str
    seed: int
    firms: int
    years: int
    hill_steps: tuple[int, ...] = ()


def build_model(arm: str, seed: int, firms: int, years: int) -> Any:
    """Returns the model of the default scenario for an arm, ready to step (no flows, no handles)."""
    from chainweave.scenarios import load_scenario

    values: dict[str, Any] = {"params.n_firms": firms}
    if ARMS[arm] is not None:
        values["params.export_growth"] = ARMS[arm]
    scenario = load_scenario(SCENARIO).with_values(values)
    return scenario.build_model(seed=seed, record_flows=False, firm_handles=False, steps=years)


def age_class(age: np.ndarray) -> np.ndarray:
    """Returns the `AGE_CLASSES` label of each age (whole years)."""
    labels = np.empty(len(age), dtype=object)
    for label, first, last in AGE_CLASSES:
        labels[(age >= first) & (age <= last)] = label
    return labels


def size_quintile(labour: np.ndarray) -> np.ndarray:
    """Returns each firm's employment quintile, 1 (smallest) to 5, ties broken by row order."""
    order = np.argsort(labour, kind="stable")
    rank = np.empty(len(labour), dtype=np.int64)
    rank[order] = np.arange(len(labour))
    return rank * SIZE_QUINTILES // max(len(labour), 1) + 1


def simulate(task: Task) -> dict[str, pd.DataFrame]:
    """Runs one task; returns its raw tables (see `simulate_main` and `simulate_long`)."""
    return simulate_long(task) if task.kind == "long" else simulate_main(task)


def simulate_main(task: Task) -> dict[str, pd.DataFrame]:
    """Runs one arm and seed a year at a time; returns its yearly, hazard and Hill tables.

    ``yearly``: the cluster path (see `yearly_path`) with ``exits_followed``, the firms whose
    uid was gone after the step. ``hazard``: per year and class (``by`` age or size), the
    firms at risk at the start of the year and those that exited during it. ``hill``: the
    tail exponent of ``labour`` (workers) at each step of ``hill_steps`` within the run.
    """
    model = build_model(task.arm, task.seed, task.firms, task.years)
    hazard: list[pd.DataFrame] = []
    hill: list[dict[str, Any]] = []
    followed = [0.0]

    def keep_hill() -> None:
        if model.year in task.hill_steps:
            labour = model.firms.labour
            hill.append({"step": model.year, "alpha": hill_estimate(labour, HILL_TOP),
                         "firms": len(labour), "top": int(math.floor(HILL_TOP * np.sum(labour > 0)))})

    keep_hill()
    for _ in range(task.years):
        f = model.firms
        uid, age, labour = f.uid.copy(), f.age.copy(), f.labour.copy()
        model.run(1)
        exited = ~np.isin(uid, model.firms.uid)
        followed.append(float(exited.sum()))
        for by, group in (("age", age_class(age)), ("size", size_quintile(labour).astype(str))):
            counts = pd.DataFrame({"group": group, "exited": exited}).groupby("group")["exited"]
            hazard.append(pd.DataFrame({"step": model.year, "by": by, "at_risk": counts.size(),
                                        "exits": counts.sum()}).reset_index())
        keep_hill()
    yearly = yearly_path(model.tables()["cluster"])
    yearly["exits_followed"] = followed
    yearly.insert(0, "export_growth", float(model.params.export_growth))
    return {"yearly": yearly, "hazard": pd.concat(hazard, ignore_index=True),
            "hill": pd.DataFrame(hill, columns=["step", "alpha", "firms", "top"])}


def simulate_long(task: Task) -> dict[str, pd.DataFrame]:
    """Runs one long run; returns ``long``: per step, firms, employment (workers) and labour supply.

    Firms and employment are the places table's, summed over places.
    """
    model = build_model(task.arm, task.seed, task.firms, task.years)
    model.run(task.years)
    places = model.tables()["places"]
    long = places.groupby("step")[["firms", "employment", "labour_supply"]].sum().reset_index()
    long["firms_per_worker"] = long["firms"] / long["employment"]
    return {"long": long}


def yearly_path(cluster: pd.DataFrame) -> pd.DataFrame:
    """Returns the yearly economy path of one run from its cluster table.

    Columns: ``step``; ``value_added_real`` (M yuan/yr, step-0 prices); ``growth_pct`` (its
    growth over the year before, %; NaN at step 0); ``employment``, ``labour_supply``
    (workers); ``employment_rate`` (1); ``unemployment_pct`` (100 (1 - rate), %);
    ``d_unemployment_pp`` (its change over the year before, percentage points); ``firms``,
    ``entries``, ``exits`` (firms, firms/yr); ``entry_rate``, ``exit_rate`` (entries and
    exits over last year's firms, 1/yr).
    """
    c = cluster.sort_values("step").reset_index(drop=True)
    out = pd.DataFrame({"step": c["step"].astype(int), "value_added_real": c["value_added_real"]})
    out["growth_pct"] = 100 * (c["value_added_real"] / c["value_added_real"].shift(1) - 1)
    out["employment"], out["labour_supply"] = c["employment"], c["labour_supply"]
    out["employment_rate"] = c["employment"] / c["labour_supply"]
    out["unemployment_pct"] = 100 * (1 - out["employment_rate"])
    out["d_unemployment_pp"] = out["unemployment_pct"].diff()
    for name in ("firms", "entries", "exits"):
        out[name] = c[name]
    out["entry_rate"] = c["entries"] / c["firms"].shift(1)
    out["exit_rate"] = c["exits"] / c["firms"].shift(1)
    return out


# --- per-seed statistics ----------------------------------------------------------------------
@dataclass(frozen=True)
class OkunFit:
    """OLS fit of d(unemployment) (percentage points) = intercept + slope x growth (%).

    Attributes:
        slope: Percentage points of unemployment per % of real growth.
        intercept: Percentage points (the change at zero growth).
        slope_se: Standard error of the slope.
        r2: R squared.
        n: Years in the fit.
    """

    slope: float
    intercept: float
    slope_se: float
    r2: float
    n: int

    @property
    def growth_per_point(self) -> float:
        """Growth (%) that goes with one point less unemployment: -1 / slope (NaN unless slope < 0)."""
        return -1 / self.slope if self.slope < 0 else math.nan

    @property
    def stable_growth(self) -> float:
        """Growth (%) at which unemployment stays put: -intercept / slope."""
        return -self.intercept / self.slope if self.slope != 0 else math.nan


def okun_fit(growth_pct: Sequence[float], d_unemployment_pp: Sequence[float]) -> OkunFit:
    """Returns the OLS Okun fit of unemployment changes (points) on growth (%), NaNs dropped."""
    import statsmodels.api as sm

    x, y = np.asarray(growth_pct, float), np.asarray(d_unemployment_pp, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0:
        return OkunFit(math.nan, math.nan, math.nan, math.nan, len(x))
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    return OkunFit(float(fit.params[1]), float(fit.params[0]), float(fit.bse[1]), float(fit.rsquared),
                   len(x))


def seed_statistics(yearly: pd.DataFrame, hazard: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Returns the per-seed rows of statistics 1-4 from one run's yearly and hazard tables.

    Keys: ``growth``, ``employment``, ``okun``, ``turnover`` (one row each, a dict) and
    ``exit_hazard`` (a dict of ``<by>_<group>`` -> hazard, 1/yr). Years 1..T unless said.
    """
    y = yearly.set_index("step")
    years = y.loc[1:]
    last = int(y.index.max())
    va = y["value_added_real"]
    growth = {
        "mean_growth_pct": float(years["growth_pct"].mean()),
        "cagr_pct": 100 * float((va.loc[last] / va.loc[0]) ** (1 / last) - 1) if last > 0 else math.nan,
        "growth_year1_pct": float(y["growth_pct"].get(1, math.nan)),
        "mean_growth_after1_pct": float(y.loc[2:, "growth_pct"].mean()),
    }
    rate = years["employment_rate"]
    employment = {"rate_min": float(rate.min()), "rate_mean": float(rate.mean()),
                  "rate_max": float(rate.max()),
                  **{f"rate_year{t}": float(y.loc[t, "employment_rate"]) for t in PATH_YEARS if t <= last}}
    window = y.loc[2:]
    fit = okun_fit(window["growth_pct"], window["d_unemployment_pp"])
    okun = {"slope": fit.slope, "slope_se": fit.slope_se, "intercept": fit.intercept, "r2": fit.r2,
            "years": fit.n, "growth_per_point": fit.growth_per_point, "stable_growth": fit.stable_growth}
    turnover = {"entry_rate": float(years["entry_rate"].mean()),
                "exit_rate": float(years["exit_rate"].mean()),
                "exits_table": float(years["exits"].sum()),
                "exits_followed": float(years["exits_followed"].sum())}
    pooled = hazard.groupby(["by", "group"])[["at_risk", "exits"]].sum()
    order = [("age", label) for label, _, _ in AGE_CLASSES] + [
        ("size", str(q)) for q in range(1, SIZE_QUINTILES + 1)]
    pooled = pooled.reindex(pd.MultiIndex.from_tuples(order), fill_value=0)
    exit_hazard = {f"{by}_{group}": float(r.exits / r.at_risk) if r.at_risk > 0 else math.nan
                   for (by, group), r in pooled.iterrows()}
    return {"growth": growth, "employment": employment, "okun": okun, "turnover": turnover,
            "exit_hazard": exit_hazard}


# --- the whole measurement --------------------------------------------------------------------
@dataclass
class EconomyResult:
    """What `measure_economy` returns.

    Attributes:
        tables: Per-seed tables by name (each written as ``<name>.csv``).
        summary: One row per statistic and arm: ``section``, ``statistic``, ``unit``, ``arm``,
            ``mean``, ``ci_low``, ``ci_high``, ``seeds``.
        settings: Size, seeds and timing of the run.
    """

    tables: dict[str, pd.DataFrame]
    summary: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


def _run_all(tasks: list[Task], workers: int, progress: bool) -> list[dict[str, pd.DataFrame]]:
    """Runs the tasks in this process (workers 1) or a process pool; results in task order."""
    try:
        from tqdm import tqdm
    except ImportError:  # progress is optional
        def tqdm(items: Iterable[Any], **_: Any) -> Iterable[Any]:
            return items
    if workers <= 1:
        return [simulate(t) for t in tqdm(tasks, desc="economy", unit="run", disable=not progress)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(tqdm(pool.map(simulate, tasks), total=len(tasks), desc="economy", unit="run",
                         disable=not progress))


def measure_economy(seeds: int = 20, firms: int = 20_000, years: int = 50, long_years: int = 200,
                    long_seeds: int | None = None, long_firms: int | None = None, workers: int = 1,
                    seed: int = DEFAULT_SEED, hill_steps: Sequence[int] = HILL_STEPS,
                    arms: Sequence[str] = tuple(ARMS), progress: bool = True) -> EconomyResult:
    """Runs every arm at every seed (and the long runs) and summarises the statistics over seeds.

    Args:
        seeds: Seeds per arm (`suite_seeds` from ``seed``).
        firms: ``params.n_firms`` of the main runs.
        years: Years of the main runs.
        long_years: Years of the long runs (0: none).
        long_seeds: Seeds of the long runs (default min(seeds, 5)), the first of the main runs'.
        long_firms: ``params.n_firms`` of the long runs (default ``firms``).
        workers: Local processes (1 runs in this process).
        seed: Root of the seeds.
        hill_steps: Steps at which the tail exponent is measured (those after ``years`` are skipped).
        arms: Names in `ARMS` to run.
        progress: Whether to show a progress bar (tqdm, if installed).
    """
    if seeds < 1 or firms < 1 or years < 3:
        raise ValueError("need at least 1 seed, 1 firm and 3 years (the Okun fit uses years 2..T)")
    unknown = set(arms) - set(ARMS)
    if unknown:
        raise ValueError(f"unknown arms {sorted(unknown)}; known: {sorted(ARMS)}")
    started = time.perf_counter()
    seed_list = suite_seeds(seed, seeds)
    long_seeds = min(seeds, 5) if long_seeds is None else long_seeds
    long_firms = firms if long_firms is None else long_firms
    hills = tuple(sorted(s for s in set(hill_steps) if 0 <= s <= years))
    tasks = [Task("main", arm, s, firms, years, hills) for arm in arms for s in seed_list]
    if long_years > 0 and long_seeds > 0:
        tasks += [Task("long", MAIN_ARM, s, long_firms, long_years) for s in seed_list[:long_seeds]]
    results = _run_all(tasks, workers, progress)

    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "yearly", "growth", "employment", "okun", "turnover", "exit_hazard", "hill", "long")}
    for task, out in zip(tasks, results, strict=True):
        key = {"arm": task.arm, "seed": task.seed}
        if task.kind == "long":
            rows["long"].append(out["long"].assign(**key))
            continue
        rows["yearly"].append(out["yearly"].assign(**key))
        rows["hill"].append(out["hill"].assign(**key))
        stats = seed_statistics(out["yearly"], out["hazard"])
        export = float(out["yearly"]["export_growth"].iloc[0])
        for name in ("growth", "employment", "okun", "turnover"):
            rows[name].append({**key, "export_growth": export, **stats[name]})
        rows["exit_hazard"].append({**key, **stats["exit_hazard"]})
    tables = {name: _front(pd.concat(r, ignore_index=True) if name in ("yearly", "hill", "long")
                           else pd.DataFrame(r)) for name, r in rows.items() if r}
    if "long" in tables:
        tables["firms_per_worker"] = _firms_per_worker(tables.pop("long"), long_years)
    settings = {"chainweave_version": __version__, "scenario": SCENARIO, "seeds": seeds, "firms": firms,
                "years": years, "long_years": long_years, "long_seeds": long_seeds if long_years else 0,
                "long_firms": long_firms, "seed_root": seed, "seed_list": seed_list, "arms": list(arms),
                "hill_steps": list(hills), "workers": workers, "confidence": CONFIDENCE,
                "wall_seconds": time.perf_counter() - started,
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    return EconomyResult(tables, summarize(tables), settings)


def _front(table: pd.DataFrame) -> pd.DataFrame:
    """Returns the table with ``arm`` and ``seed`` as its first columns."""
    first = [c for c in ("arm", "seed") if c in table]
    return table[first + [c for c in table if c not in first]]


def _firms_per_worker(long: pd.DataFrame, long_years: int) -> pd.DataFrame:
    """Returns one row per long run: firms per worker at 0 and at the end, and their ratio."""
    rows = []
    for (arm, seed), run in long.groupby(["arm", "seed"], sort=False):
        run = run.set_index("step")
        end = int(run.index.max())
        rows.append({"arm": arm, "seed": seed, "steps": end,
                     "firms_0": run.loc[0, "firms"], "employment_0": run.loc[0, "employment"],
                     f"firms_{end}": run.loc[end, "firms"], f"employment_{end}": run.loc[end, "employment"],
                     "ratio": run.loc[end, "firms_per_worker"] / run.loc[0, "firms_per_worker"]})
    return pd.DataFrame(rows)


# --- summary and report -----------------------------------------------------------------------
SECTIONS: dict[str, str] = {
    "growth": "1. Real value-added growth",
    "employment": "2. Employment rate",
    "employment_path": "2b. Employment rate path",
    "okun": "3. Okun coefficient",
    "turnover": "4. Entry and exit rates",
    "exit_hazard": "4b. Exit hazard by age class and size quintile",
    "hill": "5. Pareto tail exponent of firm employment (Hill, top 5 %)",
    "firms_per_worker": "6. Firms per worker, end of the long runs relative to step 0",
}
"""Report sections (table name -> heading)."""

_STATISTICS: dict[str, list[tuple[str, str, str]]] = {
    "growth": [("mean_growth_pct", "mean yearly growth, years 1..T", "%/yr"),
               ("mean_growth_after1_pct", "mean yearly growth, years 2..T", "%/yr"),
               ("cagr_pct", "compound growth, 0..T", "%/yr"),
               ("growth_year1_pct", "growth in year 1", "%")],
    "employment": [("rate_min", "lowest employment rate, years 1..T", "1"),
                   ("rate_mean", "mean employment rate, years 1..T", "1"),
                   ("rate_max", "highest employment rate, years 1..T", "1")],
    "okun": [("slope", "Okun slope: d(unemployment) per % growth, years 2..T", "pp per %"),
             ("intercept", "change of unemployment at zero growth", "pp/yr"),
             ("r2", "R squared of the fit", "1"),
             ("stable_growth", "growth that keeps unemployment constant (-intercept / slope)", "%/yr")],
    "turnover": [("entry_rate", "entry rate (entries / last year's firms), mean of years 1..T", "1/yr"),
                 ("exit_rate", "exit rate (exits / last year's firms), mean of years 1..T", "1/yr")],
}


def _summary_row(section: str, statistic: str, unit: str, arm: str,
                 values: Iterable[float]) -> dict[str, Any]:
    x = np.asarray(list(values), float)
    mean, low, high = interval(x)
    return {"section": section, "statistic": statistic, "unit": unit, "arm": arm, "mean": mean,
            "ci_low": low, "ci_high": high, "seeds": int(np.isfinite(x).sum())}


def summarize(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Returns one row per statistic and arm: mean over seeds and its 95 % t interval."""
    rows: list[dict[str, Any]] = []
    for section, stats in _STATISTICS.items():
        if section not in tables:
            continue
        for arm, t in tables[section].groupby("arm", sort=False):
            rows += [_summary_row(section, label, unit, arm, t[column]) for column, label, unit in stats]
            if section == "okun":  # -1 / slope from the slope's mean and interval (monotone where slope < 0;
                # unbounded where the slope's interval reaches 0)
                row = _summary_row(section, "growth that goes with 1 point less unemployment (-1 / slope)",
                                   "%", arm, t["slope"])
                ends = [row["mean"], row["ci_low"], row["ci_high"]]
                row["mean"], row["ci_low"], row["ci_high"] = (-1 / v if v < 0 else math.nan for v in ends)
                rows.append(row)
    if "employment" in tables:
        for arm, t in tables["employment"].groupby("arm", sort=False):
            rows += [_summary_row("employment_path", f"year {c.removeprefix('rate_year')}", "1", arm, t[c])
                     for c in t if c.startswith("rate_year")]
    if "exit_hazard" in tables:
        for arm, t in tables["exit_hazard"].groupby("arm", sort=False):
            for c in [c for c in t if c not in ("arm", "seed")]:
                by, group = c.split("_", 1)
                label = f"age {group} yr" if by == "age" else f"size quintile {group} (1 smallest)"
                rows.append(_summary_row("exit_hazard", label, "1/yr", arm, t[c]))
    if "hill" in tables:
        for (arm, step), t in tables["hill"].groupby(["arm", "step"], sort=False):
            rows.append(_summary_row("hill", f"alpha at step {step}", "1", arm, t["alpha"]))
    if "firms_per_worker" in tables:
        for arm, t in tables["firms_per_worker"].groupby("arm", sort=False):
            rows.append(_summary_row("firms_per_worker", f"(firms / workers) at step {t['steps'].max()} "
                                     "over step 0", "1", arm, t["ratio"]))
    return pd.DataFrame(rows, columns=["section", "statistic", "unit", "arm", "mean", "ci_low", "ci_high",
                                       "seeds"])


def _number(value: Any) -> str:
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    return f"{value:.3g}" if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3) else f"{value:.4g}"


def _value(row: Any) -> str:
    if not math.isfinite(row.mean):
        return "n/a"
    if not math.isfinite(row.ci_high):  # -1 / slope where the slope's interval reaches 0
        low = _number(row.ci_low) if math.isfinite(row.ci_low) else "unbounded"
        return f"{_number(row.mean)} [{low}, unbounded)"
    if row.ci_low == row.ci_high:
        return _number(row.mean)
    return f"{_number(row.mean)} [{_number(row.ci_low)}, {_number(row.ci_high)}]"


def _arm_label(arm: str, tables: dict[str, pd.DataFrame]) -> str:
    growth = tables.get("growth")
    if growth is not None and arm in set(growth["arm"]):
        return f"export_growth = {growth.loc[growth['arm'] == arm, 'export_growth'].iloc[0]:g}"
    value = ARMS.get(arm)
    return f"export_growth = {value:g}" if value is not None else arm


def format_report(result: EconomyResult) -> str:
    """Returns ``economy.md``: how it ran, then one table per statistic (mean [95 % interval])."""
    s, summary, tables = result.settings, result.summary, result.tables
    arms = [a for a in s["arms"]]
    lines = [
        "# Economy statistics",
        "",
        f"chainweave {s['chainweave_version']}, scenario `{s['scenario']}`; {s['seeds']} seeds per arm "
        f"(suite seeds from root {s['seed_root']}), {s['firms']:,} firms, {s['years']} years"
        + (f"; long runs: {s['long_seeds']} seeds, {s['long_firms']:,} firms, {s['long_years']} years"
           if s["long_seeds"] else "")
        + f". {s['wall_seconds']:.0f} s on {s['workers']} process(es), finished {s['finished']}.",
        "",
        f"Each cell is the mean over seeds [{s['confidence']:.0%} t interval over seeds]. Arms: "
        + "; ".join(f"`{a}` ({_arm_label(a, tables)})" for a in arms) + ". Per-seed values are in the "
        "CSV file named under each table; every seed's yearly cluster path is in `yearly.csv`.",
        "",
    ]
    files = {"employment_path": "employment", "exit_hazard": "exit_hazard"}
    for section, heading in SECTIONS.items():
        part = summary[summary["section"] == section]
        if part.empty:
            continue
        present = [a for a in arms if a in set(part["arm"])] or list(dict.fromkeys(part["arm"]))
        header = " | ".join(_arm_label(a, tables) for a in present)
        lines += [f"## {heading}", "", f"| statistic | unit | {header} | seeds |",
                  "| --- | --- |" + " --- |" * (len(present) + 1)]
        for statistic, group in part.groupby("statistic", sort=False):
            by_arm = {r.arm: r for r in group.itertuples()}
            cells = [_value(by_arm[a]) if a in by_arm else "" for a in present]
            seeds = "/".join(str(by_arm[a].seeds) for a in present if a in by_arm)
            lines.append(f"| {statistic} | {group['unit'].iloc[0]} | " + " | ".join(cells) + f" | {seeds} |")
        lines += ["", f"Per seed: `{files.get(section, section)}.csv`.", ""]
        lines += _notes(section, tables)
    return "\n".join(lines).rstrip() + "\n"


def _notes(section: str, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Returns the lines below a section's table: per-seed Okun slopes, checks, references."""
    if section == "okun" and "okun" in tables:
        okun = tables["okun"]
        out = [f"Seed paper 002 cites +2.5 % real income growth for -1 point of unemployment, a slope "
               f"of {OKUN_REFERENCE:.2f} pp per %. OLS per seed (statsmodels) of the yearly change of "
               "the unemployment rate (points) on real value-added growth (%), years 2..T.", "",
               "| arm | seed | slope (pp per %) | s.e. | R squared | years |",
               "| --- | --- | --- | --- | --- | --- |"]
        out += [f"| {r.arm} | {r.seed} | {_number(r.slope)} | {_number(r.slope_se)} | {_number(r.r2)} "
                f"| {r.years} |" for r in okun.itertuples()]
        return out + [""]
    if section == "turnover" and "turnover" in tables:
        t = tables["turnover"]
        table, followed = t["exits_table"].sum(), t["exits_followed"].sum()
        return [f"Exits followed by uid over all runs: {followed:,.0f}; the cluster table's `exits`: "
                f"{table:,.0f}" + (" (equal)." if table == followed else " (they differ)."), ""]
    if section == "exit_hazard":
        return ["Hazard = firms that exited during the year / firms alive at its start, pooled over "
                "years 1..T in each seed; age in whole years at the start of the year; size quintiles "
                "of employment (workers) among the firms alive at the start of each year.", ""]
    return []


def write_report(result: EconomyResult, out: str | Path = DEFAULT_OUT) -> Path:
    """Writes ``economy.md``, ``summary.csv`` and one CSV per per-seed table; returns the folder.

    Every file goes through a temporary file in the folder and a rename (`atomic_write_table`,
    `atomic_write_bytes`), the report last.
    """
    folder = Path(out)
    for name, table in result.tables.items():
        atomic_write_table(table, folder / f"{name}.csv")
    atomic_write_table(result.summary, folder / "summary.csv")
    atomic_write_bytes(folder / "economy.md", format_report(result).encode())
    return folder


# --- command line -----------------------------------------------------------------------------
def _steps(text: str) -> tuple[int, ...]:
    return tuple(int(t) for t in text.split(",") if t.strip())


def parser() -> argparse.ArgumentParser:
    """Returns the command line's argument parser."""
    p = argparse.ArgumentParser(prog="python -m chainweave.validation.economy",
                                description="Economy statistics of the default scenario over seeds, "
                                            "with 95 %% intervals; writes economy.md and CSV files.")
    p.add_argument("--seeds", type=int, default=20, help="seeds per arm (default 20)")
    p.add_argument("--firms", type=int, default=20_000, help="params.n_firms (default 20000)")
    p.add_argument("--years", type=int, default=50, help="years of the main runs (default 50)")
    p.add_argument("--long-years", type=int, default=200,
                   help="years of the firms-per-worker runs (default 200; 0: none)")
    p.add_argument("--long-seeds", type=int, default=None,
                   help="seeds of the long runs (default min(seeds, 5))")
    p.add_argument("--long-firms", type=int, default=None,
                   help="params.n_firms of the long runs (default --firms)")
    p.add_argument("--hill-steps", type=_steps, default=HILL_STEPS, metavar="S,S",
                   help="steps of the tail exponent (default 0,20,50)")
    p.add_argument("--arms", default=",".join(ARMS), metavar="ARM,ARM",
                   help=f"run sets (default {','.join(ARMS)})")
    p.add_argument("--workers", type=int, default=1, help="local processes (default 1: this process)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"root of the seeds (default {DEFAULT_SEED})")
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None, echo: Callable[[str], Any] = print) -> int:
    """Runs the measurement and writes the report; returns 0, or 2 for bad input."""
    args = parser().parse_args(argv)
    try:
        result = measure_economy(
            seeds=args.seeds, firms=args.firms, years=args.years, long_years=args.long_years,
            long_seeds=args.long_seeds, long_firms=args.long_firms, workers=args.workers, seed=args.seed,
            hill_steps=args.hill_steps, arms=[a.strip() for a in args.arms.split(",") if a.strip()],
            progress=not args.no_progress)
    except ValueError as error:
        echo(f"economy: {error}")
        return 2
    folder = write_report(result, args.out)
    echo(f"economy: {len(result.summary)} statistics in {result.settings['wall_seconds']:.0f} s; "
         f"report in {folder / 'economy.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
