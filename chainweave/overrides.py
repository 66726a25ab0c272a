"""Scenario changes of the command line: ``--set PATH=VALUE``, ``run --policy``, ``compare --policies``.

`scenario_from_arguments` loads a scenario and applies them. A name without a dot is a model
parameter (``n_firms=400`` is ``params.n_firms``); ``policies.NAME.PARAM=V`` sets a policy's
parameter wherever that policy is in play: a policy of the scenario, one added by
``run --policy``, a library policy that ``run`` adds because its parameter is set, or a policy
compared by ``compare`` (there it changes the variant, not the baseline). Unknown names end in
one line with the closest known name. Model parameter names are checked before the scenario
modules (and the model) are imported, so that such a typo is answered at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chainweave.arguments import override_path
from chainweave.cli import did_you_mean
from chainweave.errors import ParameterError
from chainweave.parameters import ModelParams

if TYPE_CHECKING:
    from chainweave.scenarios import Scenario


def parse_override(text: str) -> tuple[str, object]:
    """Returns (dotted path, value) from ``name=value``; the value is a number if it reads as one.

    A name without a dot is a model parameter (``n_firms`` becomes ``params.n_firms``) unless it
    is one of the scenario's own fields (``horizon``, ``seed``; `override_path`). A value
    with commas or in parentheses is a tuple of numbers.
    """
    if "=" not in text:
        raise ParameterError("--set", text, "name=value, e.g. rd_subsidy_share=0.1")
    name, raw = (s.strip() for s in text.split("=", 1))
    path = override_path(name)
    if path.startswith("params.") and path.removeprefix("params.") not in ModelParams.__dataclass_fields__:
        short = path.removeprefix("params.")
        raise ParameterError("--set", name, "a model parameter (a ModelParams field)"
                             + did_you_mean(short, list(ModelParams.__dataclass_fields__)))
    for cast in (int, float):
        try:
            return path, cast(raw)
        except ValueError:
            continue
    if raw.startswith("(") or "," in raw:
        try:
            return path, tuple(float(x) for x in raw.strip("()").split(","))
        except ValueError:
            pass
    return path, raw


def check_policy_names(names: Sequence[str], option: str) -> None:
    """Raises `ParameterError` naming ``option`` for the first name that is not a library policy."""
    from chainweave.scenarios.policies import POLICIES

    for name in names:
        if name not in POLICIES:
            raise ParameterError(option, name, f"policy names ({', '.join(POLICIES)})"
                                 + did_you_mean(name, list(POLICIES)))


def _policy_path(path: str, value: object) -> tuple[str, str]:
    """Returns (label, key) of ``policies.<label>.<key>``, checking a library policy's parameter name."""
    from chainweave.scenarios.policies import POLICIES

    parts = path.split(".")
    if len(parts) != 3:
        raise ParameterError("--set", path, "policies.<policy>.<parameter, start or ramp>")
    _, label, key = parts
    info = POLICIES.get(label)
    if info is not None and key not in info.parameters and key not in ("start", "ramp"):
        raise ParameterError("--set", path, f"a parameter of {label} ({', '.join(info.parameters)})"
                             + did_you_mean(key, list(info.parameters)))
    return label, key


def _variant_entries(scenario: Scenario, names: Sequence[str] | None) -> list[dict[str, Any]]:
    """Returns the compared variants as ``{name, policies}`` entries of resolved scenario data."""
    variants = list(names) if names is not None else scenario.resolved()["compare"]["variants"]
    return [{"name": v, "policies": [{"policy": v}]} if isinstance(v, str) else dict(v) for v in variants]


def index_systems(text: str | None) -> list[str]:
    """Returns the index systems of ``--systems`` (bundled names or files), each checked."""
    if text is None:
        return []
    from chainweave.measurement import resolve_systems

    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise ParameterError("--systems", text, "comma-separated index systems, e.g. default,iis,henan")
    resolve_systems(names, "--systems")
    return names


def scenario_from_arguments(scenario: str, settings: Sequence[str] = (), add_policies: Sequence[str] = (),
                            compared: Sequence[str] | None = None, comparing: bool = False,
                            systems: str | None = None) -> Scenario:
    """Returns a scenario with command-line changes applied, or raises one clear `ParameterError`.

    Args:
        scenario: Bundled scenario name or path of a scenario file.
        settings: ``PATH=VALUE`` texts of ``--set``.
        add_policies: Library policies added to the scenario (``run --policy``).
        compared: Policies to compare with the baseline (``compare --policies``); ``None``
            keeps the scenario's own list.
        comparing: Whether the scenario is for a comparison (implied by ``compared``): a
            ``policies.NAME.PARAM`` setting of a compared policy then changes that variant,
            and a library policy neither in the scenario nor compared is an error rather than
            added to the baseline.
        systems: ``--systems``: index systems to score under besides the scenario's.
    """
    comparing = comparing or compared is not None
    values = dict(parse_override(text) for text in settings)
    from chainweave.scenarios import POLICIES, load_scenario

    check_policy_names(add_policies, "--policy")
    if compared is not None:
        check_policy_names(compared, "--policies")
    base = load_scenario(scenario)
    if add_policies:
        base = base.with_policies([p for p in add_policies if p not in base.policy_names()])
    own = set(base.policy_names())
    variants = _variant_entries(base, compared) if comparing else []
    in_variants = {p.get("label") or p["policy"] for v in variants for p in v["policies"]}
    plain, for_variants, missing = {}, {}, []
    for path, value in values.items():
        if not path.startswith("policies."):
            plain[path] = value
            continue
        label, key = _policy_path(path, value)
        if label in own:
            plain[path] = value
        elif comparing and label in in_variants:
            for_variants[label, key] = value
        elif not comparing and label in POLICIES:
            missing.append(label)
            plain[path] = value
        elif label in POLICIES:
            raise ParameterError("--set", path, f"a policy in play: {label} is not a policy of the scenario "
                                 f"nor compared (compare it with --policies {label}, or run it "
                                 f"with run --policy {label})")
        else:
            choices = sorted(own | in_variants | set(POLICIES))
            raise ParameterError("--set", path, "policies.<policy>.<parameter> of a policy in play "
                                 f"({', '.join(sorted(own | in_variants)) or 'none'})"
                                 + did_you_mean(label, choices))
    if missing:
        base = base.with_policies(sorted(set(missing)))
    if comparing:
        for v in variants:
            for use in v["policies"]:
                label = use.get("label") or use["policy"]
                for (name, key), value in for_variants.items():
                    if name != label:
                        continue
                    if key in ("start", "ramp"):
                        use[key] = value
                    else:
                        use.setdefault("params", {})[key] = value
        plain["compare.variants"] = variants
    extra = index_systems(systems)
    if extra:
        listed = [*base.spec.measurement.systems, *plain.get("measurement.systems", [])]
        plain["measurement.systems"] = [*listed, *(s for s in extra if s not in listed)]
    return base.with_values(plain) if plain else base
