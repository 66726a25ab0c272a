"""The Python examples of the README and docs run as written, each pasted into a script of its
own; the README's first two commands are the set-up ones."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DOCS = ("README.md", "docs/scenarios.md", "docs/validation.md")
BLOCKS = [(doc, block) for doc in DOCS
          for block in re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), flags=re.DOTALL)]


def test_readme_opens_with_the_two_commands():
    commands = re.findall(r"^    (\S.*)$", README, flags=re.MULTILINE)[:2]
    assert commands == ["make run", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


@pytest.mark.parametrize(("doc", "block"), BLOCKS, ids=[f"{d}-{i}" for i, (d, _) in enumerate(BLOCKS)])
def test_python_examples_run_as_scripts(doc, block, tmp_path):
    _run_script(block, tmp_path)


def _run_script(source: str, folder: Path) -> subprocess.CompletedProcess:
    script = folder / "example.py"
    script.write_text(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc
