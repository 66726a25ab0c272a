"""The Python examples of the README and docs run as written; the README's first two commands
are the set-up ones."""

import re
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
def test_python_examples_run(doc, block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(block, doc, "exec"), {"__name__": "doc_example"})
