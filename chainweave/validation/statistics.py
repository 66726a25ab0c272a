"""Named statistics that measure validation targets on model runs.

Three kinds, all looked up by name from the registry:

- a *measure* takes one run (`RunRecord`: its places and cluster tables, the model object
  at the end of the run, and the firm panel where the design asks for one) and returns a
  number; every measure is also a statistic of the design's ``base`` arm;
- a *statistic* takes all the arms of one seed (name -> `RunRecord`) and returns a number:
  the effect of an intervention (`effect`), a contrast of two effects (`effect_contrast`) or
  a ratio of two effects (`effect_ratio`);
- a *response* (`Response`) takes the arms of one seed and returns a path by step (the
  shocked run's employment rate minus the unshocked run's, say); its figure is read off the
  mean of the paths over seeds, the shock's impulse response (`recovery_years`: the years a
  shocked path takes to come back; `effect_persistence`: an effect after an intervention
  against the effect during it).

A statistic returns NaN (``math.nan``) when the model does not yet output what it needs (a
sector it does not have, say); the suite reports the target as not measurable. Add one by
writing a function and decorating it with `measure` or `statistic`, or by registering a
path and its figure with `response`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

TIERS: tuple[str, ...] = ("core", "secondary", "county")
"""Tier names as the tables write them."""


@dataclass
class RunRecord:
    """One finished run of an arm.

    Attributes:
        tables: ``places`` and ``cluster`` tables (every step).
        model: The model after its last step (firm table, network, kernels).
        firms: Firm panel (one row per firm and step: ``step``, ``uid``, ``place``, ``sector``,
            ``labour``, ``output``, ``age``), or None when the design did not ask for it.
    """

    tables: dict[str, pd.DataFrame]
    model: ClusterModel
    firms: pd.DataFrame | None = None

    @property
    def places(self) -> pd.DataFrame:
        """The places table."""
        return self.tables["places"]

    @property
    def cluster(self) -> pd.DataFrame:
        """The cluster table, indexed by step."""
        return self.tables["cluster"].set_index("step")

    @property
    def last_step(self) -> int:
        """The run's final step."""
        return int(self.tables["cluster"]["step"].iloc[-1])

    def step(self, step: int | None) -> int:
        """Returns ``step``, or the final step for None; a negative step counts from the end.

        Raises:
            ValueError: If the step is outside the run (a design too short for its statistic).
        """
        if step is None:
            return self.last_step
        chosen = self.last_step + 1 + step if step < 0 else int(step)
        if not 0 <= chosen <= self.last_step:
            raise ValueError(f"step {step} is outside the run (steps 0-{self.last_step})")
        return chosen


Measure = Callable[..., float]
Statistic = Callable[..., float]

MEASURES: dict[str, Measure] = {}
"""Measures of one run, by name."""
STATISTICS: dict[str, Statistic] = {}
"""Statistics of the arms of one seed, by name (every measure included, on arm ``base``)."""


def measure(fn: Measure) -> Measure:
    """Registers a measure of one run (and the statistic of its ``base`` arm) under its name."""
    MEASURES[fn.__name__] = fn

    def on_base(runs: Mapping[str, RunRecord], **args: Any) -> float:
        return fn(runs["base"], **args)

    on_base.__doc__ = fn.__doc__
    STATISTICS[fn.__name__] = on_base
    return fn


def statistic(fn: Statistic) -> Statistic:
    """Registers a statistic of the arms of one seed under its name."""
    STATISTICS[fn.__name__] = fn
    return fn


def needs_firm_panel(name: str, args: Mapping[str, Any]) -> bool:
    """Returns whether a statistic (with its arguments) reads the firm panel."""
    if name in FIRM_PANEL_MEASURES:
        return True
    inner = [args.get("measure")] + [args.get(k) for k in ("measure_a", "measure_b")]
    return any(m in FIRM_PANEL_MEASURES for m in inner if m)


# --- helpers ------------------------------------------------------------------------------
def _at(cluster: pd.DataFrame, metric: str, step: int) -> float:
    return float(cluster.at[step, metric])


def _place_mask(run: RunRecord, places: Sequence[str] | None = None,
                jurisdictions: Sequence[str] | None = None,
                tiers: Sequence[str] | None = None) -> np.ndarray:
    """Returns a boolean mask over the model's places: named places, their jurisdictions, tiers."""
    net = run.model.net
    names = np.asarray(net.names)
    mask = np.ones(net.n, dtype=bool)
    if tiers:
        tier_names = np.asarray(TIERS)[net.tier]
        mask &= np.isin(tier_names, list(tiers))
    if places or jurisdictions:
        chosen = np.isin(names, list(places or []))
        if jurisdictions:
            chosen |= np.isin(names[net.jurisdiction], list(jurisdictions))
        mask &= chosen
    return mask


def _window(run: RunRecord, steps: Sequence[int] | None) -> list[int]:
    """Returns the steps of a [first, last] window (None: the final step only)."""
    if steps is None:
        return [run.last_step]
    first, last = run.step(steps[0]), run.step(steps[1])
    return list(range(first, last + 1))


def _prefecture_totals(run: RunRecord, metric: str, step: int) -> pd.Series:
    """Returns a places-table metric summed per prefecture (jurisdiction) at one step."""
    net = run.model.net
    rows = run.places[run.places["step"] == step]
    key = np.asarray(net.names)[net.jurisdiction[rows["place"].to_numpy()]]
    return rows.groupby(key)[metric].sum()


def _sector_columns(run: RunRecord, prefix: str) -> list[str]:
    return [f"{prefix}_{name}" for name in run.model.sectors.names]


# --- cluster paths ---------------------------------------------------------------------------
@measure
def growth_rate(run: RunRecord, metric: str = "value_added", start: int = 0, end: int | None = None) -> float:
    """Returns the compound yearly growth rate of a cluster metric from ``start`` to ``end``, 1/yr."""
    c = run.cluster
    first, last = run.step(start), run.step(end)
    x0, x1 = _at(c, metric, first), _at(c, metric, last)
    if x0 <= 0 or x1 <= 0 or last <= first:
        return math.nan
    return (x1 / x0) ** (1.0 / (last - first)) - 1.0


@measure
def rate_extreme(run: RunRecord, numerator: str = "employment", denominator: str = "labour_supply",
                 how: str = "min", start: int = 0) -> float:
    """Returns the lowest (``how=min``) or highest (``max``) yearly cluster ratio numerator / denominator."""
    c = run.cluster.loc[run.step(start):]
    ratio = c[numerator] / c[denominator]
    return float(ratio.min() if how == "min" else ratio.max())


@measure
def year_one_change(run: RunRecord, metrics: Sequence[str] = ("value_added", "employment", "firms")) -> float:
    """Returns the largest relative change from step 0 to step 1 among cluster metrics, |x1/x0 - 1|."""
    c = run.cluster
    return float(max(abs(_at(c, m, 1) / _at(c, m, 0) - 1.0) for m in metrics))


@measure
def drift_per_year(run: RunRecord, metric: str = "D", start: int = 0, end: int | None = None) -> float:
    """Returns the absolute least-squares slope of a cluster metric over the steps, per year."""
    c = run.cluster.loc[run.step(start):run.step(end)]
    slope = np.polyfit(c.index.to_numpy(float), c[metric].to_numpy(float), 1)[0]
    return float(abs(slope))


@measure
def okun_slope(run: RunRecord, start: int = 2) -> float:
    """Returns the Okun coefficient of a run: d(unemployment, points) per % of real growth.

    The OLS slope of the yearly change of the unemployment rate (1 - employment / labour
    supply, percentage points) on real value-added growth (%), years from ``start`` (year 1
    carries the step-0 transient) to the end: the economy report's fit
    (`chainweave.validation.economy.yearly_path`, `okun_fit`) on one run.
    """
    from chainweave.validation.economy import okun_fit, yearly_path

    path = yearly_path(run.tables["cluster"])
    window = path[path["step"] >= run.step(start)]
    return okun_fit(window["growth_pct"], window["d_unemployment_pp"]).slope


@measure
def yearly_rate(run: RunRecord, count: str = "exits", of: str = "firms", start: int = 1,
                end: int | None = None) -> float:
    """Returns the mean over years of count_t / of_{t-1} (e.g. exits per incumbent), 1/yr."""
    c = run.cluster
    steps = range(run.step(start), run.step(end) + 1)
    rates = [_at(c, count, s) / _at(c, of, s - 1) for s in steps if _at(c, of, s - 1) > 0]
    return float(np.mean(rates)) if rates else math.nan


@measure
def ratio_change(run: RunRecord, numerator: str = "firms", denominator: str = "labour_supply",
                 start: int = 0, end: int | None = None) -> float:
    """Returns (numerator / denominator at end) over (the same at start), cluster table."""
    c = run.cluster
    first, last = run.step(start), run.step(end)
    return (_at(c, numerator, last) / _at(c, denominator, last)) / (
        _at(c, numerator, first) / _at(c, denominator, first))


@measure
def cluster_ratio(run: RunRecord, numerator: str, denominator: str, step: int | None = None) -> float:
    """Returns numerator / denominator of the cluster table at ``step`` (None: the last)."""
    c, at = run.cluster, run.step(step)
    return _at(c, numerator, at) / _at(c, denominator, at)


@measure
def cluster_mean(run: RunRecord, metric: str, steps: Sequence[int] | None = None) -> float:
    """Returns the mean of a cluster metric over a window of steps [first, last]."""
    c = run.cluster
    return float(np.mean([_at(c, metric, s) for s in _window(run, steps)]))


@measure
def places_total(run: RunRecord, metric: str, steps: Sequence[int] | None = None,
                 places: Sequence[str] | None = None, jurisdictions: Sequence[str] | None = None,
                 tiers: Sequence[str] | None = None, per: str | None = None) -> float:
    """Returns the sum of a places metric over chosen places, averaged over a window of steps.

    With ``per``: the sum divided by the sum of ``per`` (a ratio per place group). The window
    is [first, last] (negative steps count from the end; None: the final step).
    """
    mask = _place_mask(run, places, jurisdictions, tiers)
    p = run.places
    values = []
    for s in _window(run, steps):
        rows = p[(p["step"] == s) & mask[p["place"].to_numpy()]]
        total = rows[metric].sum()
        values.append(total / rows[per].sum() if per else total)
    return float(np.mean(values))


# --- firm panel ---------------------------------------------------------------------------------
def _panel(run: RunRecord) -> pd.DataFrame:
    if run.firms is None:
        raise ValueError("this statistic needs the firm panel (design firm_panel: true)")
    return run.firms


def hill_estimate(values: np.ndarray, top: float = 0.05) -> float:
    """Returns the Hill estimate of the Pareto tail exponent from the top share of values.

    alpha = k / sum_{i<=k} ln(x_(i) / x_(k+1)), x_(1) >= x_(2) >= ... the order statistics
    and k the number of values in the top share.

    References:
        Hill (1975), A simple general approach to inference about the tail of a distribution.
        Ann. Statist. 3(5), 1163-1174.
    """
    x = np.sort(values[values > 0])[::-1]
    k = int(math.floor(top * len(x)))
    if k < 2 or x[k] <= 0:
        return math.nan
    logs = np.log(x[:k] / x[k])
    return float(k / logs.sum()) if logs.sum() > 0 else math.nan


@measure
def hill_tail_exponent(run: RunRecord, step: int | None = None, column: str = "labour",
                       top: float = 0.05) -> float:
    """Returns the Hill tail exponent of firms' ``column`` (employment) at a step, top share ``top``."""
    panel = _panel(run)
    return hill_estimate(panel.loc[panel["step"] == run.step(step), column].to_numpy(float), top)


@measure
def hill_exponent_change(run: RunRecord, step_a: int, step_b: int, column: str = "labour",
                         top: float = 0.05) -> float:
    """Returns |alpha(step_b) - alpha(step_a)| of the Hill tail exponent."""
    return abs(hill_tail_exponent(run, step_b, column, top) - hill_tail_exponent(run, step_a, column, top))


@measure
def growth_rate_kurtosis(run: RunRecord, column: str = "output", start: int = 1) -> float:
    """Returns the (Pearson) kurtosis of firms' yearly log growth rates of ``column``.

    Growth rates of firms alive in consecutive years, demeaned per sector and year (as
    Bottazzi and Secchi 2006 do), pooled over years from ``start``. A normal has 3; a Laplace
    (Stanley et al. 1996) 6.

    References:
        Stanley et al. (1996), Nature 379, 804-806; Bottazzi and Secchi (2006), RAND J.
        Econ. 37(2), 235-256.
    """
    from scipy.stats import kurtosis

    panel = _panel(run)
    panel = panel[panel[column] > 0]
    now = panel[["step", "uid", "sector", column]]
    before = panel[["step", "uid", column]].assign(step=panel["step"] + 1)
    pairs = now.merge(before, on=["step", "uid"], suffixes=("", "_before"))
    pairs = pairs[pairs["step"] >= run.step(start)]
    growth = np.log(pairs[column] / pairs[f"{column}_before"])
    growth = growth - growth.groupby([pairs["step"], pairs["sector"]]).transform("mean")
    return float(kurtosis(growth, fisher=False)) if len(growth) > 10 else math.nan


def _exits(panel: pd.DataFrame) -> pd.DataFrame:
    """Returns the panel's rows before the last step with ``exited``: absent the next step."""
    last = panel["step"].max()
    alive_next = panel[["step", "uid"]].assign(step=panel["step"] - 1, alive=True)
    rows = panel[panel["step"] < last].merge(alive_next, on=["step", "uid"], how="left")
    return rows.assign(exited=rows["alive"].isna()).drop(columns="alive")


@measure
def exit_hazard_ratio(run: RunRecord, by: str = "age", high: Sequence[float] = (6, 15),
                      low: Sequence[float] = (2, 5), start: int = 1) -> float:
    """Returns the yearly exit hazard of one group of firms over another's.

    ``by=age``: firms aged in ``high`` [a, b] years over those aged in ``low``. ``by=size``:
    firms in the ``high`` quantile band of employment (e.g. [0.75, 1]) over those in
    ``low`` (e.g. [0, 0.25]), quantiles taken each year. Below 1: the hazard falls.
    """
    rows = _exits(_panel(run))
    rows = rows[rows["step"] >= run.step(start)]
    if by == "age":
        key = rows["age"]
    else:
        key = rows.groupby("step")["labour"].rank(pct=True)
    hazard = []
    for lo, hi in (high, low):
        group = rows[(key >= lo) & (key <= hi)]
        hazard.append(group["exited"].mean() if len(group) else math.nan)
    return float(hazard[0] / hazard[1]) if hazard[1] and hazard[1] > 0 else math.nan


def _survivor_growth(run: RunRecord, start: int) -> pd.DataFrame:
    """Returns survivors' rows from ``start``: age, log labour and log growth of labour.

    Growth to the next step of firms alive at both; labour and growth relative to the mean of
    their (step, place, sector) cell.
    """
    panel = _panel(run)
    panel = panel[panel["labour"] > 0]
    later = panel[["step", "uid", "labour"]].assign(step=panel["step"] - 1).rename(columns={"labour": "next"})
    rows = panel[panel["step"] >= run.step(start)].merge(later, on=["step", "uid"])
    cell = [rows["step"], rows["place"], rows["sector"]]
    size, growth = np.log(rows["labour"]), np.log(rows["next"] / rows["labour"])
    return pd.DataFrame({"age": rows["age"], "size": size - size.groupby(cell).transform("mean"),
                         "growth": growth - growth.groupby(cell).transform("mean")})


@measure
def survivor_growth_age_gap(run: RunRecord, young: Sequence[float] = (0, 3), old: Sequence[float] = (10, 1e9),
                            start: int = 10) -> float:
    """Returns young survivors' mean yearly log growth of labour minus old survivors'.

    Growth from one step to the next of firms alive at both, relative to the mean of their
    (step, place, sector) cell, for firms aged in ``young`` [a, b] and in ``old``; from step
    ``start`` (the step-0 cohort is older by then). Positive: young firms that survive grow
    faster (Evans 1987; Haltiwanger, Jarmin and Miranda 2013).
    """
    rows = _survivor_growth(run, start)
    means = [rows.loc[rows["age"].between(lo, hi), "growth"].mean() for lo, hi in (young, old)]
    return float(means[0] - means[1])


@measure
def survivor_growth_size_slope(run: RunRecord, start: int = 10) -> float:
    """Returns the OLS slope of survivors' yearly log growth of labour on their log labour.

    Both relative to their (step, place, sector) cell's mean, from step ``start``. 0: Gibrat's
    law; below 0: small firms that survive grow faster, as most studies find (Evans 1987, Hall
    1987, Sutton 1997); above 0: the large get larger, and the size distribution spreads.
    """
    rows = _survivor_growth(run, start)
    x, y = rows["size"].to_numpy(), rows["growth"].to_numpy()
    return float(np.dot(x, y) / np.dot(x, x)) if np.dot(x, x) > 0 else math.nan


FIRM_PANEL_MEASURES = frozenset({"hill_tail_exponent", "hill_exponent_change", "growth_rate_kurtosis",
                                 "exit_hazard_ratio", "survivor_growth_age_gap",
                                 "survivor_growth_size_slope"})
"""Measures that read the firm panel."""


# --- places and tiers ------------------------------------------------------------------------
@measure
def tier_order(run: RunRecord, metric: str = "spillover_innovation", per: str = "employment",
               step: int | None = None) -> float:
    """Returns min(core / secondary, secondary / county) of a metric per ``per``, summed by tier.

    Above 1: the tiers are ordered core > secondary > county.
    """
    p = run.places[run.places["step"] == run.step(step)]
    sums = p.groupby("tier")[[metric, per]].sum()
    ratio = sums[metric] / sums[per]
    return float(min(ratio["core"] / ratio["secondary"], ratio["secondary"] / ratio["county"]))


@measure
def tier_gap_kept(run: RunRecord, metric: str = "D", high: str = "core", low: str = "county",
                  step: int | None = None) -> float:
    """Returns the gap metric_high - metric_low at ``step`` over the gap at step 0."""
    c = run.cluster
    s = run.step(step)
    gap0 = _at(c, f"{metric}_{high}", 0) - _at(c, f"{metric}_{low}", 0)
    return (_at(c, f"{metric}_{high}", s) - _at(c, f"{metric}_{low}", s)) / gap0 if gap0 else math.nan


@measure
def step0_prefecture_error(run: RunRecord, metric: str, data: str, key: str, column: str,
                           prefectures: Sequence[str], scale: float = 1.0) -> float:
    """Returns the largest relative error |model / data - 1| of a step-0 prefecture total.

    Args:
        run: The run.
        metric: Places-table column summed over each prefecture (the city and its counties).
        data: Bundled data file (``chainweave/scenarios/data``).
        key: Its column of prefecture names.
        column: Its column of the figure.
        prefectures: Prefectures compared (those with a figure).
        scale: Data x scale is in the model's unit (value added: 100, 100m yuan -> M yuan).
    """
    model, figures = _step0_pair(run, metric, data, key, column, prefectures, scale)
    return float(np.max(np.abs(model / figures - 1.0)))


@measure
def step0_ranks_kept(run: RunRecord, metric: str, data: str, key: str, column: str,
                     prefectures: Sequence[str], scale: float = 1.0) -> float:
    """Returns 1 when the prefectures' step-0 totals rank as the data rank them, else 0."""
    model, figures = _step0_pair(run, metric, data, key, column, prefectures, scale)
    return float(np.array_equal(np.argsort(-model), np.argsort(-figures)))


def _step0_pair(run: RunRecord, metric: str, data: str, key: str, column: str,
                prefectures: Sequence[str], scale: float) -> tuple[np.ndarray, np.ndarray]:
    from chainweave.scenarios.places import read_data

    table = read_data(data).set_index(key)
    totals = _prefecture_totals(run, metric, 0)
    names = list(prefectures)
    return (totals.loc[names].to_numpy(float), table.loc[names, column].to_numpy(float) * scale)


def _prefecture_output(run: RunRecord, prefectures: Sequence[str], step: int) -> pd.DataFrame:
    """Returns the industrial output of each prefecture (rows) by industrial sector (columns)."""
    rows = run.places[run.places["step"] == step]
    net, sec = run.model.net, run.model.sectors
    key = np.asarray(net.names)[net.jurisdiction[rows["place"].to_numpy()]]
    out = rows.groupby(key)[[f"output_{s}" for s in sec.industrial_names]].sum()
    return out.loc[list(prefectures)]


@measure
def specialization_of(run: RunRecord, prefecture: str, among: Sequence[str], step: int = 0) -> float:
    """Returns the relative specialization index K of a prefecture against the others of ``among``.

    Each prefecture is the city with its counties; its gross industrial output by industry
    (the sectors the sector table marks ``industrial``: mining, manufacturing, power, gas and
    water, as in the paper's 36 industries) from the places table.

    References:
        Seed 004, eq. (1); see `chainweave.analysis.specialization_index`.
    """
    from chainweave.analysis import specialization_index

    out = _prefecture_output(run, among, run.step(step))
    return float(specialization_index(out).loc[prefecture])


@measure
def top_industry_is(run: RunRecord, prefecture: str, industry: str, among: Sequence[str],
                    step: int = 0) -> float:
    """Returns 1 when ``industry`` is the one the prefecture is most specialised in, else 0.

    Most specialised: the largest s_i^k - sbar_i^k, the signed term of the specialization
    index (its share of the prefecture's output over its share of the others'), so an
    industry the prefecture lacks, whose |term| may be large too, is not its specialization.
    NaN when the model has no such industry.
    """
    if industry not in run.model.sectors.names:
        return math.nan
    out = _prefecture_output(run, among, run.step(step))
    share = out.div(out.sum(axis=1), axis=0)
    rest = out.drop(index=prefecture).sum()
    signed = share.loc[prefecture] - rest / rest.sum()
    return float(signed.idxmax() == f"output_{industry}")


@measure
def output_share_change(run: RunRecord, sectors: Sequence[str],
                        tiers: Sequence[str] = ("secondary", "county"),
                        start: int = 0, end: int | None = None) -> float:
    """Returns the change, start to end, of the share of the sectors' output made in ``tiers``."""
    p = run.places
    columns = [f"output_{s}" for s in sectors if s in run.model.sectors.names]
    if not columns:
        return math.nan

    def share(step: int) -> float:
        rows = p[p["step"] == step]
        total = rows[columns].to_numpy().sum()
        return float(rows.loc[rows["tier"].isin(list(tiers)), columns].to_numpy().sum() / total)

    return share(run.step(end)) - share(run.step(start))


@measure
def intensity_change(run: RunRecord, metric: str = "emissions", per: str = "output",
                     tiers: Sequence[str] = ("county",), start: int = 0, end: int | None = None) -> float:
    """Returns the relative change of sum(metric) / sum(per) in ``tiers`` from start to end."""
    first = places_total(run, metric, [start, start], tiers=tiers, per=per)
    last = places_total(run, metric, [end if end is not None else -1] * 2, tiers=tiers, per=per)
    return last / first - 1.0


@measure
def output_in_empty_cells(run: RunRecord, start: int = 0, end: int | None = None,
                          sectors: Sequence[str] | None = None,
                          jurisdictions: Sequence[str] | None = None) -> float:
    """Returns the output at ``end`` of the place-sector cells that had no firms at ``start``, M yuan.

    Optionally only the cells of ``sectors`` (those the model has) in the places of
    ``jurisdictions``: what was built there from nothing. NaN when the model has none of the
    sectors.
    """
    p = run.places
    names = [s for s in sectors if s in run.model.sectors.names] if sectors else run.model.sectors.names
    if not names:
        return math.nan
    rows = _place_mask(run, jurisdictions=jurisdictions)
    first = p[p["step"] == run.step(start)].sort_values("place")[[f"firms_{s}" for s in names]]
    last = p[p["step"] == run.step(end)].sort_values("place")[[f"output_{s}" for s in names]]
    return float((last.to_numpy()[rows] * (first.to_numpy()[rows] == 0)).sum())


@measure
def local_share_deviation(run: RunRecord, sectors: Sequence[str], start: int = 0,
                          end: int | None = None) -> float:
    """Returns the largest |share_end / share_start - 1| over places of the sectors' output share."""
    p = run.places
    columns = [f"output_{s}" for s in sectors if s in run.model.sectors.names]
    if not columns:
        return math.nan
    all_columns = _sector_columns(run, "output")

    def shares(step: int) -> np.ndarray:
        rows = p[p["step"] == step].sort_values("place")
        return rows[columns].to_numpy().sum(axis=1) / rows[all_columns].to_numpy().sum(axis=1)

    first, last = shares(run.step(start)), shares(run.step(end))
    keep = first > 0
    return float(np.max(np.abs(last[keep] / first[keep] - 1.0)))


# --- resource places ---------------------------------------------------------------------------
def _types(run: RunRecord) -> pd.DataFrame:
    """Returns resource_type as a table: one row per step, one column per place."""
    return run.places.pivot(index="step", columns="place", values="resource_type").sort_index()


@measure
def type_flip_backs(run: RunRecord) -> float:
    """Returns how many times a place's life-cycle type returns to a type it left before.

    A path growing -> mature -> growing counts 1; growing -> mature -> declining counts 0.
    0 means the life cycle has hysteresis (no back and forth).
    """
    count = 0
    for _, path in _types(run).items():
        left: set[int] = set()
        values = path.to_numpy()
        for before, now in zip(values[:-1], values[1:], strict=True):
            if now != before:
                left.add(int(before))
                count += int(now) in left
    return float(count)


@measure
def type_changes(run: RunRecord) -> float:
    """Returns how many times a place's life-cycle type changes from one year to the next."""
    types = _types(run).to_numpy()
    return float((types[1:] != types[:-1]).sum())


def _resource_mask(run: RunRecord, step: int = 0) -> np.ndarray:
    """Returns, per place, whether it is a resource place at ``step``."""
    rows = run.places[run.places["step"] == step].sort_values("place")
    return rows["resource_type"].to_numpy() > 0


@measure
def losing_share_difference(run: RunRecord, metric: str = "population", start: int = 0,
                            end: int | None = None) -> float:
    """Returns the share of resource places whose metric fell, minus the share of the others.

    Resource places: those typed as resource-based at step 0.
    """
    p = run.places
    first = p[p["step"] == run.step(start)].sort_values("place")[metric].to_numpy()
    last = p[p["step"] == run.step(end)].sort_values("place")[metric].to_numpy()
    lost = last < first
    resource = _resource_mask(run)
    if not resource.any() or resource.all():
        return math.nan
    return float(lost[resource].mean() - lost[~resource].mean())


@measure
def resource_share_losing(run: RunRecord, metric: str = "population", start: int = 0,
                          end: int | None = None) -> float:
    """Returns the share of resource places (typed at step 0) whose metric fell from start to end."""
    p = run.places
    first = p[p["step"] == run.step(start)].sort_values("place")[metric].to_numpy()
    last = p[p["step"] == run.step(end)].sort_values("place")[metric].to_numpy()
    resource = _resource_mask(run)
    return float((last < first)[resource].mean()) if resource.any() else math.nan


@measure
def resource_ratio(run: RunRecord, metric: str, per: str, step: int | None = None) -> float:
    """Returns sum(metric)/sum(per) over resource places, over the same for the other places."""
    rows = run.places[run.places["step"] == run.step(step)].sort_values("place")
    resource = _resource_mask(run)
    num, den = rows[metric].to_numpy(float), rows[per].to_numpy(float)
    inside = num[resource].sum() / den[resource].sum()
    outside = num[~resource].sum() / den[~resource].sum()
    return float(inside / outside) if outside > 0 else math.nan


# --- knowledge ------------------------------------------------------------------------------------
@measure
def kernel_half_distance(run: RunRecord) -> float:
    """Returns the spillover kernel's effective half-distance, km.

    A least-squares fit of ln K[p, q] = a - d_pq / lambda over every pair the kernel links
    (hop attenuation and barriers included, so this is the decay the model actually applies
    with distance); the half-distance is lambda ln 2.
    """
    kernel = run.model.kernel.tocoo()
    pairs = run.model.net.pairs
    distance = pd.Series(pairs.distance_km, index=pd.MultiIndex.from_arrays([pairs.dst, pairs.src]))
    keep = kernel.data > 0
    d = distance.reindex(pd.MultiIndex.from_arrays([kernel.row[keep], kernel.col[keep]])).to_numpy()
    ok = np.isfinite(d)
    slope = np.polyfit(d[ok], np.log(kernel.data[keep][ok]), 1)[0]
    return float(-math.log(2.0) / slope) if slope < 0 else math.nan


def _integration_series(run: RunRecord, x: str, y_systems: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Returns the cluster's S&T score and its integration degree D of two subsystems per step."""
    from chainweave.analysis import coupling_coordination

    c = run.cluster
    scores = c[[f"score_{s}" for s in y_systems]].to_numpy(float)
    y = coupling_coordination(scores)["D"].to_numpy(float)
    return y, c[f"score_{x}"].to_numpy(float)


@measure
def lagged_coefficient(run: RunRecord, term: str = "x_lag1", x: str = "innovation",
                       y_systems: Sequence[str] = ("industry", "urbanization"), start: int = 1,
                       significant: bool = False, level: float = 0.05) -> float:
    """Returns a coefficient of the Henan lagged regression on the run's cluster series.

    Du_t = b0 + b1 K_t + b2 K_{t-1} + b3 Du_{t-1}: Du is the coordination degree of the
    industry and urbanization scores, K the innovation (S&T) score, from ``start`` (step 0
    is the calibrated start, before any dynamics). ``significant``: 1 when the term is
    positive with p < ``level``, else 0 (its mean over seeds is the share of seeds).

    References:
        Seed 001, Table 2; `chainweave.analysis.lagged_regression`.
    """
    from chainweave.analysis import lagged_regression

    y, k = _integration_series(run, x, y_systems)
    fit = lagged_regression(y[start:], k[start:]).coefficients.loc[term]
    if significant:
        return float(fit["coef"] > 0 and fit["p_value"] < level)
    return float(fit["coef"])


@measure
def firm_margin(run: RunRecord, sectors: Sequence[str]) -> float:
    """Returns the profit margin (sum profit / sum revenue) of the sectors' firms at the end."""
    f = run.model.firms
    codes = [run.model.sectors.names.index(s) for s in sectors if s in run.model.sectors.names]
    rows = np.isin(f.sector, codes)
    revenue = f.revenue[rows].sum()
    return float(f.profit[rows].sum() / revenue) if revenue > 0 else math.nan


@measure
def sector_total(run: RunRecord, column: str, sectors: Sequence[str]) -> float:
    """Returns the sum of a firm-table column (value_added, rd_own, ...) over the sectors' firms (end)."""
    f = run.model.firms
    codes = [run.model.sectors.names.index(s) for s in sectors if s in run.model.sectors.names]
    if not codes:
        return math.nan
    return float(getattr(f, column)[np.isin(f.sector, codes)].sum())


# --- statistics over arms ----------------------------------------------------------------------------
def _combine(alt: float, base: float, how: str) -> float:
    if how == "difference":
        return alt - base
    if how == "ratio":
        return alt / base if base else math.nan
    return alt / base - 1.0 if base else math.nan


@statistic
def on_arm(runs: Mapping[str, RunRecord], measure: str, measure_args: Mapping[str, Any] | None = None,
           arm: str = "alt") -> float:
    """Returns a measure of one named arm (e.g. a run with a policy)."""
    return MEASURES[measure](runs[arm], **dict(measure_args or {}))


@statistic
def effect(runs: Mapping[str, RunRecord], measure: str, measure_args: Mapping[str, Any] | None = None,
           arm: str = "alt", base: str = "base", how: str = "relative") -> float:
    """Returns the effect of an arm on a measure, against the base arm of the same seed.

    ``how``: ``relative`` (alt / base - 1), ``difference`` (alt - base) or ``ratio``.
    """
    fn, args = MEASURES[measure], dict(measure_args or {})
    return _combine(fn(runs[arm], **args), fn(runs[base], **args), how)


@statistic
def effect_contrast(runs: Mapping[str, RunRecord], measure: str,
                    measure_args: Mapping[str, Any] | None = None,
                    first: Sequence[str] = ("base", "alt"), second: Sequence[str] = ("high_base", "high_alt"),
                    how: str = "difference") -> float:
    """Returns effect(first pair of arms) - effect(second pair): how an effect changes with a setting."""
    one = effect(runs, measure, measure_args, arm=first[1], base=first[0], how=how)
    two = effect(runs, measure, measure_args, arm=second[1], base=second[0], how=how)
    return one - two


@statistic
def effect_ratio(runs: Mapping[str, RunRecord], measure_a: str, measure_b: str,
                 args_a: Mapping[str, Any] | None = None, args_b: Mapping[str, Any] | None = None,
                 arm: str = "alt", how: str = "relative") -> float:
    """Returns effect of the arm on measure a over its effect on measure b (e.g. neighbours / own)."""
    b = effect(runs, measure_b, args_b, arm=arm, how=how)
    return effect(runs, measure_a, args_a, arm=arm, how=how) / b if b else math.nan


# --- responses: statistics of the seeds' mean path -------------------------------------------------
@dataclass(frozen=True)
class Response:
    """A statistic read off the mean over seeds of a path that each seed gives.

    After a shock the shocked and the unshocked run of one seed part ways for good: every
    entry, exit and draw after it differs, so one seed's gap mixes the shock's effect with the
    spread of two independent runs (a shock of 0.1 % leaves gaps of 1-3 points of employment
    within a few years). The effect of a shock is the difference of expected paths, the
    generalized impulse response of Koop, Pesaran & Potter (1996): the mean of the gaps over
    seeds. A response's figure is read off that mean path; the suite's interval is a bootstrap
    over seeds.

    Attributes:
        path: The arms of one seed (and the statistic's arguments it takes) -> a series by step.
        figure: A path (the seeds' mean, or one seed's) and the arguments it takes -> the number.
    """

    path: Callable[..., pd.Series]
    figure: Callable[..., float]

    def seed_path(self, runs: Mapping[str, RunRecord], args: Mapping[str, Any]) -> pd.Series:
        """Returns one seed's path."""
        return self.path(runs, **_accepted(self.path, args))

    def of_path(self, path: pd.Series, args: Mapping[str, Any]) -> float:
        """Returns the figure of a path."""
        return self.figure(path, **_accepted(self.figure, args))


RESPONSES: dict[str, Response] = {}
"""Statistics of the seeds' mean path, by name (each is also a statistic of one seed's path)."""


def _accepted(fn: Callable[..., Any], args: Mapping[str, Any]) -> dict[str, Any]:
    names = inspect.signature(fn).parameters
    return {k: v for k, v in args.items() if k in names}


def response(name: str, path: Callable[..., pd.Series], figure: Callable[..., float]) -> Statistic:
    """Registers a response under ``name``; returns its one-seed statistic (the figure of a seed's path)."""
    made = Response(path, figure)
    RESPONSES[name] = made

    def one_seed(runs: Mapping[str, RunRecord], **args: Any) -> float:
        return made.of_path(made.seed_path(runs, args), args)

    one_seed.__doc__ = figure.__doc__
    STATISTICS[name] = one_seed
    return one_seed


def ratio_gap(runs: Mapping[str, RunRecord], numerator: str = "employment",
              denominator: str = "labour_supply", arm: str = "alt") -> pd.Series:
    """Returns the arm's numerator / denominator minus the base arm's, by step (ratio points)."""
    base, alt = runs["base"].cluster, runs[arm].cluster
    return (alt[numerator] / alt[denominator]) - (base[numerator] / base[denominator])


def years_back(gap: pd.Series, shock_start: int, tolerance: float = 0.01) -> float:
    """Returns the years after ``shock_start`` until a gap path is back for good.

    Back: |gap| <= ``tolerance`` (ratio points) at every later step; a path never back gives
    the run's remaining years (steps after ``shock_start``, counting its last).
    """
    after = gap.loc[shock_start:].abs()
    outside = after[after > tolerance]
    if outside.empty:
        return 0.0
    return float(outside.index.max() + 1 - shock_start)


recovery_years = response("recovery_years", ratio_gap, years_back)
"""One seed's years until the gap of a ratio is back for good; the suite reads the seeds' mean gap."""


def relative_effect(runs: Mapping[str, RunRecord], metric: str, arm: str = "alt") -> pd.Series:
    """Returns the arm's relative effect on a cluster metric by step: alt / base - 1."""
    base, alt = runs["base"].cluster, runs[arm].cluster
    return alt[metric] / base[metric] - 1.0


def persistence(effect: pd.Series, during: Sequence[int], after: Sequence[int]) -> float:
    """Returns |mean effect over the steps ``after``| / |mean effect over the steps ``during``|.

    ``during`` and ``after`` are [first, last] steps (a negative step counts from the end).
    Below 1: the path returns towards the baseline once the intervention ends; NaN when the
    effect during is 0.
    """
    def mean_over(window: Sequence[int]) -> float:
        first, last = (int(k) if k >= 0 else int(effect.index[k]) for k in window)
        return float(effect.loc[first:last].mean())

    during_effect, after_effect = mean_over(during), mean_over(after)
    return abs(after_effect) / abs(during_effect) if during_effect else math.nan


effect_persistence = response("effect_persistence", relative_effect, persistence)
"""One seed's persistence of a relative effect; the suite reads the seeds' mean effect path."""
