"""Command-line entry point of chainweave: ``python run.py --help`` lists the subcommands.

The same as ``python -m chainweave`` and the ``chainweave`` console script, plus ``run.py bench``
(the engine benchmark, which lives with the benchmarks in a clone of the repository).
"""

import sys
from pathlib import Path

from chainweave.cli import SUBCOMMANDS, main

if __name__ == "__main__":
    if (Path(__file__).resolve().parent / "benchmarks" / "bench_engine.py").is_file():
        SUBCOMMANDS["bench"] = ("benchmark the engine (throughput, memory, scaling, national run)",
                                "benchmarks.bench_engine:bench_arguments",
                                "benchmarks.bench_engine:bench_command")
    sys.exit(main())
