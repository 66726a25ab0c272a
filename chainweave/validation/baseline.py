"""The recorded pass/fail baseline of ``--quick``, and the check of a run against it.

``baseline_quick.csv`` (beside this module, in the repository) lists each target's verdict
at the quick size when it was last recorded. CI's test and ``run.py validation --quick``
fail when a target that passed there fails now; targets new since then, and targets that
failed there, do not fail the check. The file changes only on purpose:

    python run.py validation --quick --out results/validation_quick
    python -m chainweave.validation.baseline results/validation_quick

never as a side effect of a run.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import pandas as pd

from chainweave.errors import ParameterError
from chainweave.results import MANIFEST, atomic_write_table, read_results

BASELINE = "baseline_quick.csv"
"""File name of the bundled quick baseline."""


def baseline_path() -> Path:
    """Returns the path of the bundled quick baseline."""
    return Path(str(resources.files("chainweave.validation") / BASELINE))


def read_baseline(path: str | Path | None = None) -> pd.DataFrame:
    """Returns a baseline (id, status, passed), indexed by id; default the bundled one.

    Raises:
        ParameterError: If the file cannot be read or lacks the columns.
    """
    file = baseline_path() if path is None else Path(path)
    try:
        table = pd.read_csv(file)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ParameterError("baseline", str(file),
                             f"a readable baseline CSV ({type(err).__name__})") from None
    missing = {"id", "status", "passed"} - set(table.columns)
    if missing:
        raise ParameterError("baseline", str(file), f"a baseline CSV with columns id, status, passed "
                             f"(missing {', '.join(sorted(missing))})")
    table["passed"] = table["passed"].map({True: True, False: False, "True": True, "False": False})
    return table.set_index("id")


def regressions(summary: pd.DataFrame, baseline: pd.DataFrame) -> list[str]:
    """Returns the ids of targets that passed at the baseline and do not pass now."""
    passed_before = set(baseline.index[baseline["passed"].eq(True)])
    now = summary.set_index("id")["passed"]

    def passes(value: object) -> bool:  # numpy's True is not Python's True; a missing verdict fails
        return value is not None and not pd.isna(value) and bool(value)

    return [i for i in summary["id"] if i in passed_before and not passes(now.get(i))]


def record_baseline(folder: str | Path, path: str | Path | None = None) -> Path:
    """Writes the baseline from a finished ``--quick`` run of the whole registry; returns its path.

    Raises:
        ParameterError: If the folder is not a finished quick validation of every target.
    """
    from chainweave.validation.registry import load_registry

    source = Path(folder)
    if not (source / MANIFEST).is_file():
        raise ParameterError("RESULTS_DIR", str(source), "a finished validation folder (with manifest.json)")
    tables, manifest = read_results(source)
    if manifest.get("kind") != "validation" or not manifest.get("quick"):
        raise ParameterError("RESULTS_DIR", str(source), "the folder of a run.py validation --quick run")
    if manifest.get("registry") != "bundled" or len(manifest["targets"]) != len(load_registry()):
        raise ParameterError("RESULTS_DIR", str(source), "a quick run of every bundled target (no --only)")
    out = Path(path) if path is not None else baseline_path()
    atomic_write_table(tables["targets"][["id", "status", "passed"]], out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Records the bundled baseline from a quick run's folder (exit 2 and one line if bad)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m chainweave.validation.baseline RESULTS_DIR", file=sys.stderr)
        return 2
    try:
        out = record_baseline(args[0])
    except ParameterError as err:
        print(f"baseline: error: {err}", file=sys.stderr)
        return 2
    print(f"recorded the quick baseline of {args[0]} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
