"""The example notebooks execute from top to bottom (at small sizes) and draw their figures."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))
SMALL = "N_FIRMS = 500\nSTEPS = 3\nREPLICATIONS = 2\nTRAJECTORIES = 2\n"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_and_shows_its_figures(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "one cell tagged 'parameters' holds the sizes"
    parameters[0].source = SMALL
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # the comparison's two figures and the sweep's
    assert (tmp_path / "results" / "notebook_screening" / "manifest.json").is_file()


def test_there_is_an_example_notebook():
    assert [p.name for p in NOTEBOOKS] == ["compare_and_sweep.ipynb"]
