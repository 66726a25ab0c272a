"""The documentation site, API reference included, builds from the docstrings in strict mode."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_builds_the_api_reference_in_strict_mode(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = (site / "api" / "figures" / "index.html").read_text()
    assert "hierarchy_map" in figures and "plot_results" in figures
    assert "coupling_degree" in (site / "api" / "analysis" / "index.html").read_text()
