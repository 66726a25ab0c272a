"""Command-line entry point of chainweave: ``python run.py --help`` lists the subcommands."""

import sys

from chainweave.cli import main

if __name__ == "__main__":
    sys.exit(main())
