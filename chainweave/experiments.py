"""`run_model`: one run as a function, parameter values in, named outputs out.

This is the shape EMA Workbench, SALib scripts and optimisers expect (``f(**params) ->
outcomes``). It is the sweep's own evaluation (`chainweave.sweeps.targets.ScenarioTarget`):
values set by path on the scenario (`Scenario.with_values`), outputs taken from the run's
tables by the sweep's `Output` rules, so a value from `run_model` equals the one a sweep
stores for the same scenario, values and seed. Names may be short
(`chainweave.parameter_paths.resolve_path`); setting a parameter of a library policy the
scenario does not use adds the policy (with its defaults for the other parameters). The
scenario, its policies and the checked outputs are kept per process, so repeated calls pay
only for the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainweave.errors import ParameterError
from chainweave.parameter_paths import parameter_info, resolve_path

if TYPE_CHECKING:
    from chainweave.scenarios import Scenario
    from chainweave.sweeps.targets import ScenarioTarget

OutputRequest = str | Mapping[str, Any]
"""An output: a metric name (cluster table, final step) or a sweep output mapping
(``{"metric": "D", "scope": "county", "steps": [5, "final"]}``)."""

DEFAULT_OUTPUTS: tuple[str, ...] = ("D", "D_core", "D_secondary", "D_county", "emissions", "value_added")
"""Outputs of `run_model` when none are named: coordination D of the cluster and each tier,
emissions (t CO2 per year) and value added (M yuan per year), at the final step."""


def run_model(
    scenario: str | Path | Scenario = "yijing_jingen",
    *,
    seed: int,
    steps: int,
    policies: Sequence[str] = (),
    outputs: Sequence[OutputRequest] = DEFAULT_OUTPUTS,
    per_step: bool = False,
    **values: Any,
) -> dict[str, float | np.ndarray]:
    """Returns the outputs of one run of a scenario with some parameters set.

    Example::

        chainweave.run_model(seed=1, steps=10, n_firms=2000, kernel_decay_km=80,
                             rd_subsidy__extra_share=0.05)
        # {'D': 0.41, 'D_core': ..., ...}; rd_subsidy is added since its parameter is set

    Args:
        scenario: A bundled scenario's name, a scenario file, or a `Scenario`.
        seed: Seed of the run, >= 0.
        steps: Years to run, >= 0 (the scenario's horizon is replaced).
        policies: Library policies to add to the scenario (with their defaults).
        outputs: Metrics of the cluster table (``"D"``, ``"D_county"``, ``"emissions"``) at
            the final step, or sweep output mappings (metric, scope: cluster, a tier or a
            place, steps, aggregate); see `chainweave.sweeps.spec.OutputSpec` and
            ``docs/outputs.md`` for the columns.
        per_step: Return each output as an array over steps 0..steps instead of one value.
        **values: Parameter values by full path or short name (``n_firms``,
            ``rd_subsidy.extra_share`` through ``**{...}``, or ``rd_subsidy__extra_share``);
            `chainweave.parameters_table` lists them with units and bounds.

    Returns:
        {output name: value}: a float per output, named ``<metric>`` for the cluster and
        ``<metric>_<scope>`` otherwise (a mapping with other steps than ``final`` gives
        ``..._stepN`` and ``..._final`` as in a sweep's runs table), or an array over steps per
        output with ``per_step``.

    Raises:
        ParameterError: for an unknown or ambiguous name (with did-you-mean suggestions), a
            value out of its range, an unknown metric or scope, or a bad seed or steps.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**63:
        raise ParameterError("seed", seed, "a whole number in [0, 2**63)")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ParameterError("steps", steps, "a whole number >= 0")
    base = _scenario(scenario)
    paths, added = resolve_values(base, policies, values)
    if "horizon" in paths:
        raise ParameterError("horizon", paths["horizon"], "steps=... (run_model sets the horizon from steps)")
    target = _target(_key(scenario, base), added, _outputs_key(outputs), int(steps), per_step)
    return target.evaluate({**paths, "horizon": int(steps)}, int(seed))


def resolve_values(base: Scenario, policies: Sequence[str], values: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Returns ({full path: value}, policies to add) for values named by path or short name.

    The policies to add are ``policies`` and each library policy the scenario does not use
    whose parameter is set; integral floats for whole-number parameters become ints.

    Raises:
        ParameterError: for an unknown or ambiguous name, or a path given twice.
    """
    if isinstance(policies, str):
        policies = [p.strip() for p in policies.split(",") if p.strip()]
    labels = {p.name: p.policy for p in base.spec.policies}
    added = [p for p in policies if p not in labels]
    labels |= {p: p for p in policies}
    paths: dict[str, Any] = {}
    for name, value in values.items():
        path = resolve_path(name, labels, value)
        if path in paths:
            raise ParameterError(name, value, f"one value for {path} (it was given twice)")
        paths[path] = _whole(path, value, labels)
        parts = path.split(".")
        if parts[0] == "policies" and parts[1] not in labels:
            added.append(parts[1])
            labels[parts[1]] = parts[1]
    return paths, tuple(added)


def _whole(path: str, value: Any, labels: Mapping[str, str]) -> Any:
    """Returns ``value`` as an int for whole-number parameters given an integral float (EMA's)."""
    info = parameter_info(path, labels)
    whole = info.integer if info is not None else path.endswith((".start", ".ramp"))
    if whole and isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _scenario(scenario: str | Path | Scenario) -> Scenario:
    from chainweave.scenarios import Scenario

    if isinstance(scenario, Scenario):
        return scenario
    return _loaded(str(scenario))


@lru_cache(maxsize=16)
def _loaded(reference: str) -> Scenario:
    from chainweave.scenarios import load_scenario

    return load_scenario(reference)


_GIVEN: dict[str, Scenario] = {}
"""Scenarios given as objects, by the key `_key` made of them (the target cache holds keys)."""


def _key(scenario: str | Path | Scenario, base: Scenario) -> str:
    """Returns a hashable key of the scenario: its reference, or its resolved content."""
    if isinstance(scenario, str | Path):
        return f"ref:{scenario}"
    key = "data:" + json.dumps(base.resolved(), sort_keys=True, default=str)
    _GIVEN.setdefault(key, base)
    while len(_GIVEN) > 64:  # keep the latest; an evicted one is added again when given again
        del _GIVEN[next(iter(_GIVEN))]
    return key


def _outputs_key(outputs: Sequence[OutputRequest]) -> str:
    if isinstance(outputs, str):
        outputs = [outputs]
    return json.dumps([o if isinstance(o, str) else dict(o) for o in outputs], sort_keys=True)


@lru_cache(maxsize=64)
def _target(key: str, added: tuple[str, ...], outputs: str, steps: int, per_step: bool) -> ScenarioTarget:
    """Returns the sweep target of a scenario with policies added and outputs checked (cached)."""
    from chainweave.sweeps.spec import OutputSpec
    from chainweave.sweeps.targets import ScenarioTarget, scenario_outputs

    base = _GIVEN[key] if key.startswith("data:") else _loaded(key.removeprefix("ref:"))
    if added:
        base = base.with_policies(added)
    specs = []
    for i, request in enumerate(json.loads(outputs)):
        data = {"metric": request} if isinstance(request, str) else request
        try:
            spec = OutputSpec.model_validate(data)
        except ValueError as err:
            raise ParameterError(f"outputs[{i}]", request,
                                 f"a metric name or an output mapping ({err})") from None
        if spec.name is None and (spec.steps == ["final"] or per_step):
            scope = "" if spec.scope == "cluster" else f"_{spec.scope}"
            spec = spec.model_copy(update={"name": f"{spec.metric}{scope}", "steps": ["final"]})
        specs.append(spec)
    found = scenario_outputs(base.with_values({"horizon": steps}), specs, steps, "run_model")
    return ScenarioTarget(base.resolved(), base.source, tuple(found), base, per_step=per_step)
