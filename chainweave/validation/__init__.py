"""Validation: targets as data, measured on model runs, reported target by target.

The registry (`registry`, bundled as ``targets.yaml``) says for each target where it comes
from, what is measured (a named statistic of `statistics`), the design (scenario, size,
seeds, steps, arms with common random numbers) and the accepted range. `run` runs the suite
on any sweep executor and writes ``report.md``, tables and a manifest; `calibrate` fits
scenario parameters to chosen targets by the method of simulated moments. See
``docs/validation.md``.

The names below load their modules on first use, so that ``run.py`` (which imports the
subcommand module of this package) starts without pandas, pydantic or the model.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES: dict[str, str] = {
    "run": "runner", "ValidationResult": "runner",
    "calibrate": "calibration", "CalibrationResult": "calibration",
    "TargetSpec": "registry", "load_registry": "registry",
    "MEASURES": "statistics", "STATISTICS": "statistics", "RunRecord": "statistics",
    "measure": "statistics", "statistic": "statistics",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"chainweave.validation.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'chainweave.validation' has no attribute {name!r}")
