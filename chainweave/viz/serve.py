"""Serving the dashboard: the Solara server on a local port, as ``python run.py dashboard``."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from chainweave.errors import ParameterError
from chainweave.scenarios import load_scenario
from chainweave.viz.levers import SCENARIO_ENV, SEED_ENV

APP = "chainweave.viz.dashboard"
"""The Solara app module (its ``Page`` component)."""


def has_dashboard() -> bool:
    """Returns whether Solara (Mesa's ``rec`` extra, our ``dashboard`` extra) is installed."""
    return importlib.util.find_spec("solara") is not None


def dashboard_command(host: str = "localhost", port: int = 8765, open_browser: bool = False) -> list[str]:
    """Returns the command line that serves the dashboard (``python -m solara run ...``)."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open", "--log-level", "warning"]


def serve_dashboard(scenario: str, seed: int = 1, host: str = "localhost", port: int = 8765,
                    open_browser: bool = False) -> int:
    """Serves the dashboard until interrupted; returns the server's exit code.

    Args:
        scenario: Scenario the page opens with (bundled name or file); checked first.
        seed: Seed the page opens with, >= 0.
        host: Interface to listen on; ``localhost`` keeps it private to this machine.
        port: TCP port, 1-65535 (0: a free one).
        open_browser: Whether to open the page in the default browser.

    Raises:
        ParameterError: If Solara is not installed, or the scenario, seed or port is invalid.
    """
    if not has_dashboard():
        raise ParameterError("dashboard", "solara not installed",
                             "the dashboard extra: pip install -e '.[dashboard]'")
    load_scenario(scenario)
    if seed < 0:
        raise ParameterError("--seed", seed, "a whole number >= 0")
    if not 0 <= port <= 65535:
        raise ParameterError("--port", port, "a TCP port number, 0-65535")
    env = {**os.environ, SCENARIO_ENV: scenario, SEED_ENV: str(seed)}
    print(f"chainweave dashboard: http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    return subprocess.call(dashboard_command(host, port, open_browser), env=env)
