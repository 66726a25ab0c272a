"""Serving the dashboard: the Solara server on a local port, as ``python run.py dashboard``.

The page works offline: Solara's JavaScript and fonts are served from the files the
``solara-assets`` package installs (the ``dashboard`` extra pins it to the installed Solara's
release), through Solara's asset proxy, which then never needs its CDN; telemetry is off.
`serve_dashboard` checks the scenario, the assets and that the port is free before it prints
the address, then runs the server as a child process and forwards SIGINT, SIGTERM and SIGHUP
to it, so that stopping the command (Ctrl-C, or ``kill PID``) stops the server too.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from chainweave.errors import ParameterError
from chainweave.viz.levers import SCENARIO_ENV, SEED_ENV

APP = "chainweave.viz.dashboard"
"""The Solara app module (its ``Page`` component)."""

OFFLINE_ENV: dict[str, str] = {
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
}
"""Solara settings of the server: assets through the local proxy (from installed files), no telemetry."""

_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def has_dashboard() -> bool:
    """Returns whether Solara (Mesa's ``rec`` extra, our ``dashboard`` extra) is installed."""
    return importlib.util.find_spec("solara") is not None


def page_assets() -> list[str]:
    """Returns the asset files (``package@version/path``) the installed Solara's page loads from its CDN.

    Read from Solara's page template; only the files of the Vue version in use (ipyvue 3 loads
    ``solara-vuetify3-app``, older ipyvue ``solara-vuetify-app``), with ``{{...}}`` placeholders
    of the ipywidgets major version filled in.
    """
    import ipyvue
    import ipywidgets
    import solara.server.settings as settings

    template = (Path(settings.__file__).parent / "templates" / "solara.html.j2").read_text()
    widgets = ipywidgets.__version__.split(".")[0]
    app = "solara-vuetify3-app" if ipyvue.__version__.startswith("3") else "solara-vuetify-app"
    other = "solara-vuetify-app" if app == "solara-vuetify3-app" else "solara-vuetify3-app"
    found = {m.replace("{{ipywidget_major_version}}", widgets)
             for m in re.findall(r"\{\{cdn\}\}/([^\"'\s]+)", template)}
    found = {f for f in found if "{{" not in f and f"/{other}@" not in f"/{f}"}
    found.add(settings.assets.fontawesome_path.lstrip("/"))
    return sorted(found)


def missing_assets() -> list[str]:
    """Returns the page's asset files that are not in Solara's proxy cache (installed by solara-assets)."""
    import solara.server.settings as settings

    cache = Path(settings.assets.proxy_cache_dir)
    return [a for a in page_assets() if not (cache / a).is_file()]


def dashboard_command(host: str = "localhost", port: int = 8765, open_browser: bool = False) -> list[str]:
    """Returns the command line that serves the dashboard (``python -m solara run ...``)."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open", "--log-level", "warning"]


def free_port(host: str, port: int) -> int:
    """Returns ``port`` if the server can listen on it at ``host`` (any free one for 0).

    Raises:
        ParameterError: If the port is in use (another server's address is never printed).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as err:
        raise ParameterError("--host", host, f"a host name or address of this machine ({err})") from None
    for family, kind, proto, _, address in infos:  # every address the server may bind
        try:
            probe = socket.socket(family, kind, proto)
        except OSError:  # an address family this machine does not have (IPv6 off)
            continue
        with probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address[0], port, *address[2:]))
            except OSError as err:
                if err.errno != errno.EADDRINUSE:
                    continue
                raise ParameterError("--port", port, f"a free port on {host} (this one is in use; "
                                     "choose another, or --port 0 for any free one)") from None
            port = probe.getsockname()[1]
    return port


def serve_dashboard(scenario: str, seed: int = 1, host: str = "localhost", port: int = 8765,
                    open_browser: bool = False) -> int:
    """Serves the dashboard until interrupted; returns 0 when stopped, else the server's exit code.

    Args:
        scenario: Scenario the page opens with (bundled name or file); checked first.
        seed: Seed the page opens with, >= 0.
        host: Interface to listen on; ``localhost`` keeps it private to this machine.
        port: TCP port, 1-65535 (0: a free one).
        open_browser: Whether to open the page in the default browser.

    Raises:
        ParameterError: If Solara or its assets are not installed, the scenario, seed or port
            is invalid, or the port is in use.
    """
    if not has_dashboard():
        raise ParameterError("dashboard", "solara not installed",
                             "the dashboard extra: pip install -e '.[dashboard]'")
    if seed < 0:
        raise ParameterError("--seed", seed, "a whole number >= 0")
    if not 0 <= port <= 65535:
        raise ParameterError("--port", port, "a TCP port number, 0-65535")
    missing = missing_assets()
    if missing:
        import solara

        raise ParameterError("dashboard", f"{len(missing)} page assets missing ({missing[0]}, ...)",
                             f"solara-assets of Solara {solara.__version__}: pip install -e '.[dashboard]'")
    from chainweave.scenarios import load_scenario

    load_scenario(scenario)
    port = free_port(host, port)
    env = {**os.environ, **OFFLINE_ENV, SCENARIO_ENV: scenario, SEED_ENV: str(seed)}
    print(f"chainweave dashboard: http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    server = subprocess.Popen(dashboard_command(host, port, open_browser), env=env)
    return _wait_forwarding_signals(server)


def _wait_forwarding_signals(server: subprocess.Popen) -> int:
    """Waits for the server, passing it the signals this process gets; returns 0 if one stopped it."""
    stopped = []

    def forward(signum: int, _frame: object) -> None:
        stopped.append(signum)
        if server.poll() is None:
            server.send_signal(signum)

    in_main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, forward) for s in _FORWARDED} if in_main else {}
    try:
        code = server.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if server.poll() is None:  # an exception here: never leave the server behind
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0 if stopped else code
