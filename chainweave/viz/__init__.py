"""The interactive dashboard: a Solara page that builds, steps and draws a cluster model.

`chainweave.viz.dashboard` is the page (it needs the ``dashboard`` extra, Solara, and is
imported only by the server); `chainweave.viz.levers` holds the choices it offers and the model
it builds, and `chainweave.viz.serve` starts the server (``python run.py dashboard``). The
static figures and the animation live in the `chainweave.figures` package
(`chainweave.figures.hierarchy`, `chainweave.figures.animation`).
"""

from chainweave.viz.levers import LEVERS, DashboardModel, Lever, build_cluster_model
from chainweave.viz.serve import has_dashboard, serve_dashboard

__all__ = ["LEVERS", "DashboardModel", "Lever", "build_cluster_model", "has_dashboard", "serve_dashboard"]
