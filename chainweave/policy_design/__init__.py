"""Policy design: the cheapest mix of policies that reaches a target, with its uncertainty.

A design file (`chainweave.policy_design.spec`) names a base scenario, decision variables
(policy strengths, start years, targets among a finite set; any scenario field by its dotted
path, with bounds or choices), objectives (minimise the cumulative policy cost, maximise a
tier's D, minimise emissions, ...), constraints (county D >= 0.5 at step 15 in at least 80 % of
the replications; the policy budget's share of the governments' budgets <= 10 %, ...),
replications on common random numbers and a trial budget. `design` searches it with optuna
(NSGA-II or TPE with constraints) in batches of trials whose runs go to this process, a local
pool or a Dask cluster (`chainweave.sweeps.executors`); the study is stored in SQLite, so an
interrupted design resumes, and the same design and seed give the same trials on any
executor. Then the chosen mixes (the feasible Pareto front) are re-evaluated on fresh seeds,
with intervals, against the baseline. ``python run.py design SPEC.yaml`` does the same from
the command line; `chainweave.figures.design.plot_design` draws the figures.

Example::

    import chainweave
    result = chainweave.design("chainweave/scenarios/designs/default_design.yaml", workers=2)
    result.chosen          # the chosen mixes on fresh seeds: means, intervals, constraints met
    result.effects         # their effects on D by tier against the baseline, with intervals
"""

from importlib import import_module
from typing import Any

_NAMES = {
    "policy_design.problem": ("Measure", "Problem", "Variable", "prepare_problem"),
    "policy_design.runner": ("DesignResult", "design", "fresh_seeds"),
    "policy_design.search": ("DesignInterrupted", "constraint_violation"),
    "policy_design.spec": ("ConstraintSpec", "DesignSpec", "EvaluationSpec", "MeasureSpec", "ObjectiveSpec",
                           "SearchSpec", "VariableSpec", "load_design"),
}
_MODULE = {name: f"chainweave.{module}" for module, names in _NAMES.items() for name in names}

__all__ = sorted(_MODULE)


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that run.py (which imports the design subcommand) stays fast.
    if name in _MODULE:
        return getattr(import_module(_MODULE[name]), name)
    raise AttributeError(f"module 'chainweave.policy_design' has no attribute {name!r}")
