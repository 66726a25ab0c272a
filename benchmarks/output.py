"""Where benchmark results go: JSON files in ``benchmarks/results/`` (ignored by git)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
"""Default folder of the JSON results."""


def save_results(results: dict[str, Any], kind: str, out: Path | None = None) -> Path:
    """Writes a benchmark's results as JSON, says where, and returns the file.

    Args:
        results: What the benchmark measured (JSON-serialisable).
        kind: The benchmark (``engine``, ``sweep``): the default file is
            ``benchmarks/results/<kind>-<date>-<time>.json``.
        out: Another file to write instead.
    """
    path = out or RESULTS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
    print(f"\nresults in {path}")
    return path
