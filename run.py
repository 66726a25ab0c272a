"""Command-line entry point of chainweave: ``python run.py --help`` lists the subcommands."""

import sys

from chainweave.cli import main

if __name__ == "__main__":
    try:  # `run.py bench` lives with the benchmarks, in a clone of the repository
        from benchmarks.bench_engine import register
    except ImportError:
        pass
    else:
        register()
    sys.exit(main())
