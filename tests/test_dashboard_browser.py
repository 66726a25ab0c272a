"""Dashboard: the model it builds from the sidebar's choices, and the page in a real browser.

The browser test starts ``run.py dashboard`` on a free localhost port, opens it in headless
Chromium (Selenium with Debian's chromium and chromium-driver, which ``.ci/run`` installs),
checks that the hierarchy map and the D chart are drawn, presses Step, checks that the year
and the chart change, and saves screenshots to ``test-artifacts/`` (or
``$CHAINWEAVE_TEST_ARTIFACTS``). It is skipped only where Chromium is not installed.

Solara's page loads its JavaScript through the server's CDN proxy. Where the machine has npm,
the test first fills that proxy's cache from the npm registry (the same packages at the
versions the installed Solara names), so the page works without access to the CDN.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
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


# --- the page in a browser ------------------------------------------------------------------

_SOLARA_PACKAGES = ("@widgetti/solara-vuetify3-app", "@widgetti/solara-vuetify-app", "requirejs",
                    "font-awesome")


def _solara_assets() -> list[str]:
    """Returns the ``package@version`` the installed Solara's page loads through its CDN proxy."""
    import ipyvue
    import solara.server.settings

    template = (Path(solara.server.settings.__file__).parent / "templates" / "solara.html.j2").read_text()
    vue3 = ipyvue.__version__.startswith("3")
    app = "@widgetti/solara-vuetify3-app" if vue3 else "@widgetti/solara-vuetify-app"
    found = set(re.findall(r"((?:@widgetti/)?[a-z0-9-]+@\d+\.\d+\.\d+)/", template))
    found.add(solara.server.settings.assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(s for s in found if s.rsplit("@", 1)[0] in _SOLARA_PACKAGES
                  and (not s.startswith("@widgetti/solara-vuetify") or s.startswith(app + "@")))


def _fill_solara_cache(cache: Path) -> None:
    """Unpacks each asset package from the npm registry into ``cache/<package>@<version>/``."""
    for spec in _solara_assets():
        target = cache / spec
        if target.is_dir():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            packed = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                                    capture_output=True, text=True, timeout=300, check=True)
            tarball = Path(tmp) / packed.stdout.strip().splitlines()[-1]
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as archive:
                archive.extractall(unpacked, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(unpacked / "package"), target)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard_url(tmp_path):
    """Serves ``run.py dashboard`` on a free port; yields its URL; stops the server afterwards."""
    pytest.importorskip("solara")
    env = {**os.environ}
    if shutil.which("npm"):
        cache = Path.home() / ".cache" / "chainweave" / "solara-cdn"
        _fill_solara_cache(cache)
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache)
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "dashboard", "--scenario", "synthetic", "--seed", "1",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("dashboard did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


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
