"""EMA Workbench models of a scenario: uncertainties, levers and outcomes from chainweave's own metadata.

`ema_model` returns an EMA Workbench ``Model`` (one seed) or ``ReplicatorModel`` (one
replication per seed) whose function is `chainweave.run_model`, so every experiment is the
run a sweep would make. Each parameter is named by a path or short name
(`chainweave.parameter_paths.resolve_path`); its bounds, whether it is a whole number, and
whether it is a lever or an uncertainty come from `chainweave.parameters_table` (the
`ModelParams` metadata and the policy library) unless given. Outcomes are
``ScalarOutcome`` objects; with several seeds each replication gives a scalar and the outcome is
their mean (or another ``aggregate``), which is what EMA's ``ReplicatorModel`` expects.
Needs the ``ema`` extra: ``pip install 'chainweave[ema]'``.

Example::

    from ema_workbench import perform_experiments
    from chainweave.ema import ema_model

    model = ema_model(["kernel_decay_km", ("rd_subsidy.extra_share", 0.0, 0.1)],
                      steps=5, seeds=[1, 2], fixed={"n_firms": 500})
    experiments, outcomes = perform_experiments(model, scenarios=8, policies=2)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainweave.errors import ParameterError
from chainweave.experiments import DEFAULT_OUTPUTS, run_model
from chainweave.parameter_paths import parameter_info, resolve_path

try:
    from ema_workbench import (
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError("chainweave.ema needs EMA Workbench: pip install 'chainweave[ema]'") from err

ParameterRequest = str | tuple[str, float, float]
"""A parameter: a name (bounds from the catalogue) or (name, lower, upper)."""


def ema_name(path: str) -> str:
    """Returns the EMA (and sweep column) name of a path: no ``params.``/``policies.``, ``_`` for dots."""
    return re.sub(r"\W+", "_", path.removeprefix("params.").removeprefix("policies."))


@dataclass
class ScenarioFunction:
    """The function an EMA model calls: named values (and a seed) in, outcomes out.

    Pickles as plain data (a scenario reference and names), so it travels to EMA's
    multiprocessing and ipyparallel evaluators; each process keeps its own scenario cache.

    Attributes:
        scenario: A bundled scenario's name or a scenario file.
        steps: Years per run, >= 0.
        paths: Full path of each EMA parameter, by EMA name.
        fixed: Values set in every run, by path or short name.
        policies: Library policies added to the scenario.
        outputs: Output names (`chainweave.run_model`'s ``outputs``).
    """

    scenario: str
    steps: int
    paths: dict[str, str]
    fixed: dict[str, Any] = field(default_factory=dict)
    policies: tuple[str, ...] = ()
    outputs: tuple[Any, ...] = DEFAULT_OUTPUTS

    def __call__(self, seed: int, **values: Any) -> dict[str, float]:
        """Returns the outcomes of one run at ``seed`` with the named values set."""
        given = {self.paths[name]: value for name, value in values.items()}
        return run_model(self.scenario, seed=int(seed), steps=self.steps, policies=self.policies,
                         outputs=list(self.outputs), **self.fixed, **given)


def ema_model(
    parameters: Sequence[ParameterRequest],
    *,
    scenario: str | Path = "yijing_jingen",
    steps: int,
    seeds: int | Sequence[int] = 1,
    outcomes: Sequence[Any] = DEFAULT_OUTPUTS,
    fixed: Mapping[str, Any] | None = None,
    policies: Sequence[str] = (),
    levers: Sequence[str] | None = None,
    maximize: Sequence[str] = (),
    minimize: Sequence[str] = (),
    aggregate: Callable[..., float] = np.mean,
    name: str = "chainweave",
) -> Model | ReplicatorModel:
    """Returns an EMA Workbench model of a scenario, ready for ``perform_experiments``.

    Args:
        parameters: What EMA samples: names (``kernel_decay_km``, ``rd_subsidy.extra_share``,
            any name `chainweave.parameters_table` lists, short or full) with the admissible
            range as bounds, or ``(name, lower, upper)`` with narrower ones. Parameters
            without finite bounds (``emission_standard``) or with one value per tier need
            bounds given (a triple cannot be sampled).
        scenario: A bundled scenario's name or a scenario file.
        steps: Years per run, >= 0.
        seeds: One seed (an EMA ``Model``) or several (a ``ReplicatorModel`` with one
            replication per seed; `chainweave.sweeps.run_seed` makes a list from one root).
        outcomes: Output names or mappings as `chainweave.run_model` takes them; each becomes
            a ``ScalarOutcome`` named as `run_model` names it.
        fixed: Values set in every run, by name (``{"n_firms": 2000}``).
        policies: Library policies added to the scenario (setting a policy's parameter adds
            it anyway).
        levers: EMA names or paths of the parameters that are levers (EMA samples them as
            policies); default: those `chainweave.parameters_table` marks ``lever``.
        maximize: Outcomes to maximize (EMA's ``ScalarOutcome.MAXIMIZE``); the rest are INFO
            unless in ``minimize``.
        minimize: Outcomes to minimize.
        aggregate: How a ``ReplicatorModel``'s per-seed values combine into one outcome.
        name: The EMA model's name (an identifier).

    Raises:
        ParameterError: for an unknown name (with suggestions), bounds outside the admissible
            range or not low < high, a parameter that needs bounds, or bad seeds.
    """
    seed_list = [seeds] if isinstance(seeds, int | np.integer) else list(seeds)
    if not seed_list or any(isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0
                            for s in seed_list):
        raise ParameterError("seeds", seeds, "a whole number >= 0 or a non-empty list of them")
    names_of_outputs = _outcome_names(outcomes)
    paths: dict[str, str] = {}
    sampled, lever_names = [], set()
    for request in parameters:
        label, lower, upper = (request, None, None) if isinstance(request, str) else request
        path = resolve_path(label)
        info = parameter_info(path)
        if info is None or not info.is_scalar:
            if lower is None:
                raise ParameterError(label, None, "(name, lower, upper): bounds for a parameter "
                                     "without one admissible numeric range")
            whole, kind = path.endswith((".start", ".ramp")), "lever" if path.startswith("policies.") \
                else "uncertainty"
        else:
            whole, kind = info.integer, info.kind
            if lower is None:
                lower, upper = info.lower, info.upper
            elif not (info.lower <= lower < upper <= info.upper):
                raise ParameterError(label, (lower, upper), f"low < high within [{info.lower:g}, "
                                     f"{info.upper:g}] {info.unit}")
        if not (math.isfinite(lower) and math.isfinite(upper)) or not lower < upper:
            raise ParameterError(label, (lower, upper), "finite bounds low < high (give them as "
                                 "(name, lower, upper))")
        key = ema_name(path)
        if key in paths:
            raise ParameterError(label, key, "each parameter once")
        paths[key] = path
        sampled.append(IntegerParameter(key, int(lower), int(upper)) if whole
                       else RealParameter(key, float(lower), float(upper)))
        if (levers is None and kind == "lever") or (levers is not None and {label, path, key} & set(levers)):
            lever_names.add(key)
    function = ScenarioFunction(str(scenario), int(steps), paths, dict(fixed or {}), tuple(policies),
                                tuple(outcomes))
    replicated = len(seed_list) > 1
    model = (ReplicatorModel if replicated else Model)(name, function=function)
    model.uncertainties = [p for p in sampled if p.name not in lever_names]
    model.levers = [p for p in sampled if p.name in lever_names]
    unknown = (set(maximize) | set(minimize)) - set(names_of_outputs)
    if unknown:
        raise ParameterError("maximize/minimize", sorted(unknown),
                             f"outcomes ({', '.join(names_of_outputs)})")
    model.outcomes = [
        ScalarOutcome(o, kind=ScalarOutcome.MAXIMIZE if o in maximize else
                      ScalarOutcome.MINIMIZE if o in minimize else ScalarOutcome.INFO,
                      function=aggregate if replicated else None)
        for o in names_of_outputs]
    if replicated:
        model.replications = [{"seed": int(s)} for s in seed_list]
    else:
        model.constants = [Constant("seed", int(seed_list[0]))]
    return model


def _outcome_names(outcomes: Sequence[Any]) -> list[str]:
    """Returns the names `run_model` gives to its outputs (one step each)."""
    names = []
    for i, o in enumerate(outcomes):
        data = {"metric": o} if isinstance(o, str) else dict(o)
        steps = data.get("steps", ["final"])
        if data.get("name"):
            names.append(data["name"])
            continue
        scope = data.get("scope", "cluster")
        stem = data["metric"] + ("" if scope == "cluster" else f"_{scope}")
        if steps != ["final"]:
            raise ParameterError(f"outcomes[{i}].steps", steps, "one step: final, or a name for another "
                                 "(one outcome per step)")
        names.append(stem)
    return names
