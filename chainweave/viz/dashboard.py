"""The interactive dashboard: a Solara page driving a cluster model with Mesa's controls.

Served by ``python run.py dashboard`` (`chainweave.viz.serve`) or ``solara run
chainweave.viz.dashboard``. The sidebar holds Mesa's model controller (Reset, play/pause,
Step) and Mesa's parameter inputs: scenario, a library policy, seed, number of model firms and
the policy levers, each slider's label showing its value (choices take effect on Reset). It
opens on the default scenario, yijing_jingen, unless ``run.py dashboard --scenario`` says
otherwise. The main area shows, redrawn after every
step from the model's output tables:

- the hierarchy map of the current step (`chainweave.figures.hierarchy.hierarchy_map`) with a
  chain selector and a choice of layout (tier rows or coordinates), drawn with matplotlib
  because Mesa's network view places nodes by its own layout and ignores coordinates;
- D over time for the cluster and each tier, with the coordination bands shaded;
- spillover received by tier along each chain.

The page composes Mesa's `ModelController` and `ModelCreator` itself instead of calling
`SolaraViz`, whose draggable grid stays blank with ipyvue 3 (mesa issue 3806); the controls
and their behaviour are Mesa's. Images carry the classes ``cw-hierarchy-map``, ``cw-d-chart``
and ``cw-spillover-chart``, and the year the class ``cw-year`` (used by the browser test).
"""

from __future__ import annotations

import os

import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import update_counter

from chainweave.figures.coordination import metric_by_tier
from chainweave.figures.hierarchy import hierarchy_map
from chainweave.figures.spillover import spillover_by_tier
from chainweave.figures.style import CHAINS, figure_bytes
from chainweave.viz.levers import (
    DEFAULT_FIRMS,
    DEFAULT_SCENARIO,
    LEVERS,
    NO_POLICY,
    SCENARIO_ENV,
    SEED_ENV,
    DashboardModel,
    policy_names,
    scenario_names,
)


def _shown(label: str, value: float) -> str:
    """Returns a slider label that shows the slider's value."""
    return f"{label}: {value:.4g}"


def model_params(scenario: str, chosen: dict | None = None) -> dict[str, dict]:
    """Returns the menus and sliders of the sidebar (Mesa's model parameters).

    Args:
        scenario: Scenario the scenario menu starts on.
        chosen: Current choices by name (Mesa's ``model_parameters``); each slider starts at
            its choice, else its default, and its label shows that value.
    """
    chosen = chosen or {}
    seed = chosen.get("seed", int(os.environ.get(SEED_ENV, "1")))
    firms = chosen.get("n_firms", DEFAULT_FIRMS)
    return {
        "scenario_name": {"type": "Select", "value": scenario, "values": scenario_names(),
                          "label": "scenario"},
        "policy": {"type": "Select", "value": chosen.get("policy", NO_POLICY), "values": policy_names(),
                   "label": "add a library policy"},
        "seed": {"type": "SliderInt", "value": seed, "min": 0, "max": 100, "step": 1,
                 "label": _shown("seed", seed)},
        "n_firms": {"type": "SliderInt", "value": firms, "min": 500, "max": 20000, "step": 500,
                    "label": _shown("model firms", firms)},
        **{lever.name: {"type": "SliderFloat", "value": chosen.get(lever.name, lever.default),
                        "min": lever.low, "max": lever.high, "step": lever.step,
                        "label": _shown(lever.label, chosen.get(lever.name, lever.default))}
           for lever in LEVERS},
    }


@solara.component
def HierarchyView(model: DashboardModel) -> None:
    """The hierarchy map of the model's current step, with chain and layout selectors."""
    update_counter.get()
    chain, set_chain = solara.use_state("all")
    layout, set_layout = solara.use_state("tier")
    tables = model.tables()
    fig = hierarchy_map(tables["places"], tables["flows"], chain=chain, layout=layout,
                        figsize=(9.0, 6.2))
    with solara.Column(classes=["cw-hierarchy-view"]):
        with solara.Row():
            solara.Select("chain", value=chain, values=["all", *CHAINS], on_value=set_chain)
            solara.Select("layout", value=layout, values=["tier", "map"], on_value=set_layout)
        solara.Image(figure_bytes(fig, "png", dpi=90), width="100%", classes=["cw-hierarchy-map"])


@solara.component
def DChart(model: DashboardModel) -> None:
    """D over time for the cluster and each tier, with the coordination bands."""
    update_counter.get()
    cluster = model.tables()["cluster"]
    fig = metric_by_tier(cluster, "D", figsize=(5.6, 3.6))
    with solara.Column(classes=["cw-d-view"]):
        solara.Text(f"year {model.cluster.year}", classes=["cw-year"])
        solara.Image(figure_bytes(fig, "png", dpi=90), width="100%", classes=["cw-d-chart"])


@solara.component
def SpilloverChart(model: DashboardModel) -> None:
    """Spillover received per place by tier, along each chain, over time."""
    update_counter.get()
    fig = spillover_by_tier(model.tables()["cluster"], figsize=(12.0, 3.6))
    solara.Image(figure_bytes(fig, "png", dpi=80), width="100%", classes=["cw-spillover-chart"])


def _first_model() -> DashboardModel:
    return DashboardModel(scenario_name=os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO),
                          seed=int(os.environ.get(SEED_ENV, "1")))


@solara.component
def Page() -> None:
    """The dashboard page: one model per browser session."""
    model = solara.use_reactive(solara.use_memo(_first_model, []))
    parameters = solara.use_reactive({})
    play_interval = solara.use_reactive(300)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    solara.Title("chainweave dashboard")
    with solara.AppBar():
        solara.AppBarTitle("chainweave: spillover across the city cluster")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=parameters, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            solara.SliderInt("pause (ms)", value=play_interval, min=50, max=2000, step=50)
        with solara.Card("Scenario and levers"):
            solara.Text("Changes apply on Reset.")
            ModelCreator(model, model_params(model.value.choices["scenario_name"], parameters.value),
                         model_parameters=parameters)
    with solara.Columns([3, 2]):
        HierarchyView(model.value)
        DChart(model.value)
    SpilloverChart(model.value)
