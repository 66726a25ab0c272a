"""Local process pools started from a script: the check for the ``__main__`` guard.

Worker processes of `compare` and `sweep` start with ``forkserver`` and import the script that
started them again (as ``__mp_main__``). A script that calls ``sweep(..., workers=2)`` at its
top level, outside ``if __name__ == "__main__":``, would start the sweep again in every worker
and fail with a broken pool. `check_main_guard` finds that before any worker starts and says
what to do.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from chainweave.errors import ParameterError


def has_main_guard(source: str) -> bool:
    """Returns whether Python ``source`` has a top-level ``if __name__ == "__main__":`` block."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and isinstance(test := node.test, ast.Compare):
            sides = [test.left, *test.comparators]
            names = {s.id for s in sides if isinstance(s, ast.Name)}
            texts = {s.value for s in sides if isinstance(s, ast.Constant)}
            if names == {"__name__"} and texts == {"__main__"}:
                return True
    return False


def check_main_guard(workers: int) -> None:
    """Raises `ParameterError` if ``workers`` > 1 would re-run an unguarded script in every worker.

    Only a main script run from a file is checked: interactive sessions, notebooks and
    ``python -c`` have nothing a worker re-imports.
    """
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if workers <= 1 or not path or not Path(path).is_file() or Path(path).suffix != ".py":
        return
    try:
        guarded = has_main_guard(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return
    if not guarded:
        raise ParameterError("workers", workers, f"a script whose calls are under "
                             f"'if __name__ == \"__main__\":' ({Path(path).name} has none, and each "
                             "worker process imports it again), or workers=1")
