"""Dashboard: the model it builds from the sidebar's choices, the server, and the page in a real browser.

The browser test starts ``run.py dashboard`` (default scenario) on a free localhost port with
Solara's CDN pointed at a closed port, so the page can only work from the installed
``solara-assets`` files; opens it in headless Chromium (Selenium with Debian's chromium and
chromium-driver, which ``.ci/run`` installs), checks that the hierarchy map and the D chart are
drawn and that slider labels show their values, presses Step, checks that the year and the
chart change, and saves screenshots to ``test-artifacts/`` (or ``$CHAINWEAVE_TEST_ARTIFACTS``).
It is skipped only where Chromium is not installed.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chainweave.errors import ParameterError
from chainweave.parameters import ModelParams
from chainweave.viz.levers import LEVERS, NO_POLICY, DashboardModel, build_cluster_model, policy_names

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


# --- the model behind the page --------------------------------------------------------------


def test_levers_are_policy_fields_with_ranges_inside_the_admissible_ones():
    fields = ModelParams.__dataclass_fields__
    for lever in LEVERS:
        low, high = fields[lever.name].metadata["range"]
        assert low <= lever.low <= lever.default <= lever.high <= high, lever.name


def test_dashboard_model_steps_the_cluster_model_built_from_the_choices():
    model = DashboardModel(scenario_name="synthetic", seed=2, n_firms=500, policy="rd_subsidy",
                           rd_subsidy_share=0.05, collaboration=0.3)
    assert model.cluster.params.n_firms == 500
    assert model.cluster.params.rd_subsidy_share == 0.05
    assert model.cluster.params.collaboration == 0.3
    assert len(model.cluster.policies) == 1
    model.step()
    model.step()
    assert model.cluster.year == 2
    assert model.time == 2
    assert model.tables()["cluster"]["step"].tolist() == [0, 1, 2]
    assert model.tables() is model.tables()


def test_bad_choices_raise_parameter_errors():
    assert policy_names()[0] == NO_POLICY
    with pytest.raises(ParameterError):
        build_cluster_model("no_such_scenario", 1)
    with pytest.raises(ParameterError):
        build_cluster_model("synthetic", 1, rd_subsidy_share=2.0)


def test_dashboard_command_without_solara_is_one_line(monkeypatch, capsys):
    from chainweave.cli import main
    from chainweave.viz import serve

    monkeypatch.setattr(serve, "has_dashboard", lambda: False)
    assert main(["dashboard", "--port", "1"]) == 2
    assert "dashboard" in capsys.readouterr().err


def test_dashboard_opens_on_the_default_scenario_and_sliders_show_values():
    pytest.importorskip("solara")
    from chainweave.viz.dashboard import model_params

    assert DashboardModel(n_firms=500).choices["scenario_name"] == "yijing_jingen"
    params = model_params("yijing_jingen", {"seed": 7, "collaboration": 0.25})
    assert params["seed"]["value"] == 7 and params["seed"]["label"] == "seed: 7"
    assert params["collaboration"]["label"].endswith(": 0.25")
    assert params["n_firms"]["label"] == "model firms: 2000"


def test_page_assets_are_installed_so_the_page_needs_no_cdn():
    pytest.importorskip("solara")
    from chainweave.viz.serve import missing_assets, page_assets

    assets = page_assets()
    assert any("solara-vuetify" in a and a.endswith(".min.js") for a in assets)
    assert any(a.startswith("requirejs@") for a in assets)
    assert missing_assets() == []


def test_a_busy_port_is_one_line_before_any_address(capsys):
    pytest.importorskip("solara")
    from chainweave.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--host", "127.0.0.1", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "in use" in captured.err and str(port) in captured.err


# --- the page in a browser ------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """Serves ``run.py dashboard`` on a free port once for this file; yields (URL, process, log file)."""
    pytest.importorskip("solara")
    env = {**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}  # no CDN: offline or blank
    port = _free_port()
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "dashboard", "--seed", "1", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("dashboard did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.5)
        yield url, server, log_path
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=20)
        log.close()


@pytest.fixture
def dashboard_url(dashboard):
    return dashboard[0]


@pytest.fixture
def browser(tmp_path):
    """Headless Debian Chromium driven by Selenium."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromium-driver are not installed (.ci/run installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1600,1200",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def _wait(condition, timeout: float = 60.0, what: str = "the page"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _drawn_image(driver, css: str):
    """Returns the image element matching ``css`` once its picture has loaded, else None."""
    from selenium.webdriver.common.by import By

    for element in driver.find_elements(By.CSS_SELECTOR, css):
        if driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", element):
            return element
    return None


def _year(driver) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, ".cw-year")
    return found[0].text.strip() if found else ""


def test_dashboard_draws_the_map_and_chart_and_steps_in_a_browser(dashboard_url, browser):
    from selenium.webdriver.common.by import By

    artifacts = Path(os.environ.get("CHAINWEAVE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    browser.get(dashboard_url)
    network = _wait(lambda: _drawn_image(browser, "img.cw-hierarchy-map"), what="the hierarchy map")
    chart = _wait(lambda: _drawn_image(browser, "img.cw-d-chart"), what="the D chart")
    assert network.size["width"] > 300 and network.size["height"] > 200
    assert browser.execute_script("return arguments[0].naturalWidth", chart) > 300
    assert _year(browser) == "year 0"
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "yijing_jingen" in page and "seed: 1" in page and "model firms: 2000" in page
    before_png, before_src = chart.screenshot_as_png, chart.get_attribute("src")
    browser.save_screenshot(str(artifacts / "dashboard_year0.png"))

    step = _wait(lambda: next((b for b in browser.find_elements(By.TAG_NAME, "button")
                               if b.text.strip().upper() == "STEP"), None), what="the Step button")
    step.click()
    _wait(lambda: _year(browser) == "year 1", what="the year to advance")
    chart = _wait(lambda: (c := _drawn_image(browser, "img.cw-d-chart")) and
                  c.get_attribute("src") != before_src and c, what="a new D chart")
    after_png = chart.screenshot_as_png
    assert after_png != before_png, "the D chart changed after a step"
    browser.save_screenshot(str(artifacts / "dashboard_year1.png"))
    (artifacts / "d_chart_year0.png").write_bytes(before_png)
    (artifacts / "d_chart_year1.png").write_bytes(after_png)


def _listening(url: str) -> bool:
    host, port = url.removeprefix("http://").strip("/").split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def test_stopping_the_command_by_its_pid_stops_the_server(dashboard):
    """Runs after the browser test, on the same server: SIGTERM to run.py alone, as ``kill PID``."""
    url, command, log_path = dashboard
    assert log_path.read_text().startswith(f"chainweave dashboard: {url} ")
    assert _listening(url)
    command.send_signal(signal.SIGTERM)
    assert command.wait(timeout=30) == 0
    _wait(lambda: not _listening(url), timeout=10, what="the server to stop")
