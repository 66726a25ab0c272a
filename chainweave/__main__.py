"""``python -m chainweave``: the command line, the same as ``run.py`` and the ``chainweave`` script."""

import sys

from chainweave.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m chainweave"))
