"""Every parameter a run takes, by path: default, bounds, unit and meaning, from one place.

Model parameters come from the field metadata of `chainweave.parameters.ModelParams`
(``params.<field>``), policy parameters from the policy library
(`chainweave.scenarios.policies.POLICIES`, ``policies.<policy>.<parameter>``); nothing here
restates a default, a bound or a unit. `parameters_table` lists them all; `resolve_path` turns
the short names scripts use into full paths, and answers a misspelt name with the closest
known ones.

Short names (`resolve_path`):

- a `ModelParams` field alone: ``kernel_decay_km`` = ``params.kernel_decay_km``;
- ``<policy>.<parameter>``: ``rd_subsidy.extra_share`` = ``policies.rd_subsidy.extra_share``
  (also ``.start`` and ``.ramp``);
- a policy parameter alone when one policy of the library has it: ``bank_factor`` =
  ``policies.st_finance.bank_factor`` (``extra_share`` belongs to several and must be
  qualified);
- ``__`` for ``.``, so that names are Python identifiers: ``rd_subsidy__extra_share``.

Other scenario paths (``horizon``, ``governments.Enshi.talent_share``,
``place_overrides.Yichang.population``, ``sector_overrides.mining.carbon_intensity``) pass
through unchanged; the scenario checks them when they are set.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from chainweave.errors import ParameterError
from chainweave.parameters import LEVERS, ModelParams

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["lever", "uncertainty"]

PASS_THROUGH: tuple[str, ...] = ("horizon", "governments", "place_overrides", "sector_overrides")
"""First parts of scenario paths that are not listed here and pass through `resolve_path`."""

POLICY_KEYS: tuple[str, ...] = ("start", "ramp")
"""Keys of a policy use that every policy has besides its parameters (years, whole numbers)."""


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter of a run.

    Attributes:
        path: Full dotted path (``params.kernel_decay_km``, ``policies.rd_subsidy.extra_share``).
        default: Value when nothing sets it (a triple for per-tier parameters).
        lower: Least admissible value (of each item for a triple).
        upper: Greatest admissible value (may be infinite).
        unit: Unit (``1`` for a pure number or share).
        description: Meaning, in one line.
        kind: ``lever`` (a policy maker sets it: budget shares, prices, standards, the
            policy library's parameters) or ``uncertainty`` (a behavioural constant or an
            exogenous condition).
        integer: Whether values are whole numbers.
    """

    path: str
    default: Any
    lower: float
    upper: float
    unit: str
    description: str
    kind: Kind
    integer: bool

    @property
    def is_scalar(self) -> bool:
        """Whether the parameter is one number (not a per-tier triple)."""
        return not isinstance(self.default, tuple)


@cache
def parameter_infos() -> dict[str, ParameterInfo]:
    """Returns every model and policy parameter by full path, model parameters first."""
    from chainweave.scenarios.policies import POLICIES

    infos: dict[str, ParameterInfo] = {}
    for f in dataclasses.fields(ModelParams):
        lo, hi = f.metadata["range"]
        items = f.default if isinstance(f.default, tuple) else (f.default,)
        whole = all(isinstance(v, int) and not isinstance(v, bool) for v in items)
        infos[f"params.{f.name}"] = ParameterInfo(
            f"params.{f.name}", f.default, float(lo), float(hi), f.metadata["unit"], f.metadata["doc"],
            "lever" if f.name in LEVERS else "uncertainty", whole)
    for policy in POLICIES.values():
        for name, p in policy.parameters.items():
            infos[f"policies.{policy.name}.{name}"] = ParameterInfo(
                f"policies.{policy.name}.{name}", p.default, float(p.lower), float(p.upper), p.unit,
                f"{policy.name}: {p.doc}", "lever",
                isinstance(p.default, int) and not isinstance(p.default, bool))
    return infos


def parameters_table() -> pd.DataFrame:
    """Returns one row per parameter: path, default, lower, upper, unit, description, kind.

    Rows: every `ModelParams` field (``params.<field>``), then every parameter of every
    policy of the library (``policies.<policy>.<parameter>``). ``lower`` and ``upper`` are the
    admissible range (what validation accepts), not a plausible range for a sweep.
    """
    import pandas as pd

    rows = [{"path": i.path, "default": i.default, "lower": i.lower, "upper": i.upper, "unit": i.unit,
             "description": i.description, "kind": i.kind} for i in parameter_infos().values()]
    return pd.DataFrame(rows, columns=["path", "default", "lower", "upper", "unit", "description", "kind"])


@cache
def _short_names() -> dict[str, tuple[str, ...]]:
    """Returns each short name and the full paths it could mean (one: unambiguous)."""
    from chainweave.scenarios.policies import POLICIES

    names: dict[str, list[str]] = {}
    for f in dataclasses.fields(ModelParams):
        names.setdefault(f.name, []).append(f"params.{f.name}")
    for policy in POLICIES.values():
        for key in (*policy.parameters, *POLICY_KEYS):
            path = f"policies.{policy.name}.{key}"
            names.setdefault(f"{policy.name}.{key}", []).append(path)
            if key not in POLICY_KEYS and key not in ModelParams.__dataclass_fields__:
                names.setdefault(key, []).append(path)
    return {k: tuple(v) for k, v in names.items()}


def resolve_path(name: str, labels: Mapping[str, str] | None = None, value: Any = None) -> str:
    """Returns the full scenario path a parameter name stands for (see the module docstring).

    Args:
        name: A full path, a short name, or either with ``__`` for ``.``.
        labels: Policy uses of the scenario, label -> library policy name, so that
            ``policies.<label>.<parameter>`` and ``<label>.<parameter>`` name a labelled use.
        value: The value being set, for the error message.

    Raises:
        ParameterError: for an unknown or ambiguous name, with the closest known names.
    """
    from chainweave.scenarios.policies import POLICIES

    labels = dict(labels or {})
    path = str(name).replace("__", ".")
    parts = path.split(".")
    infos = parameter_infos()
    if path in infos or parts[0] in PASS_THROUGH:
        return path
    if parts[0] == "policies" and len(parts) == 3:
        policy = labels.get(parts[1], parts[1] if parts[1] in POLICIES else None)
        if policy is not None and parts[2] in (*POLICIES[policy].parameters, *POLICY_KEYS):
            return path
    if len(parts) == 2 and parts[0] in labels:
        if parts[1] in (*POLICIES[labels[parts[0]]].parameters, *POLICY_KEYS):
            return f"policies.{path}"
    short = _short_names()
    if path in short:
        paths = short[path]
        if len(paths) == 1:
            return paths[0]
        raise ParameterError(name, value, f"one of {', '.join(paths)} ({path} is ambiguous)")
    # Candidates by the path they stand for: short names first, each path offered once.
    known = {short_name: paths[0] for short_name, paths in short.items() if len(paths) == 1}
    known |= {f"{label}.{key}": f"policies.{label}.{key}" for label, policy in labels.items()
              for key in POLICIES[policy].parameters}
    known |= {p: p for p in infos if p not in known.values()}
    offered: dict[str, str] = {}
    for match in difflib.get_close_matches(path, list(known), n=6, cutoff=0.6):
        offered.setdefault(known[match], match)
    close = list(offered.values())[:3]
    hint = f"did you mean {' or '.join(close)}?" if close else "see chainweave.parameters_table()"
    raise ParameterError(name, value, f"a parameter name ({hint})")


def parameter_info(path: str, labels: Mapping[str, str] | None = None) -> ParameterInfo | None:
    """Returns what is known of a full path, or None for a pass-through path or start/ramp.

    Args:
        path: A full path (`resolve_path`'s result).
        labels: Policy uses of the scenario, label -> library policy name.
    """
    infos = parameter_infos()
    if path in infos:
        return infos[path]
    parts = path.split(".")
    if parts[0] == "policies" and len(parts) == 3 and labels and parts[1] in labels:
        found = infos.get(f"policies.{labels[parts[1]]}.{parts[2]}")
        return dataclasses.replace(found, path=path) if found else None
    return None
