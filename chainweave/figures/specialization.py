"""Specialization: sector output by place and the heat map of the specialization terms.

Every function takes tables as `chainweave.simulate.simulate` returns them (or
`chainweave.results.read_results` reads them back) and returns a matplotlib `Figure` in the
house style of `chainweave.figures.style`; nothing reads the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chainweave.analysis.structure import specialization_index, specialization_terms
from chainweave.errors import ParameterError
from chainweave.figures.hierarchy import hierarchy_layout
from chainweave.figures.style import (
    TIER_COLOURS,
    pick_step,
    require_columns,
    require_one_run,
    styled,
)


def sector_output(places: pd.DataFrame, step: int) -> pd.DataFrame:
    """Returns output per sector (M yuan/yr) of each place at ``step``: places x sectors.

    Rows are place names in hierarchy order (`hierarchy_layout`); columns are the sector names
    of the places table's ``output_<sector>`` columns.
    """
    columns = [c for c in places.columns if c.startswith("output_")]
    if not columns:
        raise ParameterError("places", "a table without output_<sector> columns",
                             "a places table with output per sector")
    now = places[places["step"] == step]
    order = hierarchy_layout(places)
    now = now.assign(_x=[order[int(p)][0] - 10 * order[int(p)][1] for p in now["place"]])
    now = now.sort_values("_x")
    table = now[columns].set_axis(now["place_name"].to_numpy()).astype(float)
    return table.rename(columns=lambda c: c.removeprefix("output_"))


@styled
def specialization_heatmap(places: pd.DataFrame, step: int | None = None, max_places: int = 60,
                           width: float = 9.0) -> Figure:
    """Returns the specialization heat map: s_i^k - sbar_i^k for each place i and sector k.

    s_i^k is sector k's share of place i's output and sbar_i^k its share of the output of the
    rest of the cluster; the cell shows the term |s_i^k - sbar_i^k| of `specialization_terms`
    with the sign of the difference (red: the place holds more of the sector than the rest of
    the cluster, blue: less). Row labels give the place's specialization index
    K_i = sum_k |s_i^k - sbar_i^k| in [0, 2]. Places with no output are left out; beyond
    ``max_places`` only the largest by output are shown.

    Args:
        places: Places table of one run with ``output_<sector>`` columns.
        step: Step to draw; default the last.
        max_places: Most rows to draw, >= 2.
        width: Figure width in inches; the height follows the number of rows.
    """
    require_columns(places, "places", ["step", "place", "place_name", "tier"])
    require_one_run(places, "places")
    step = pick_step(places, step)
    output = sector_output(places, step)
    output = output[output.sum(axis=1) > 0]
    terms = specialization_terms(output)
    index = specialization_index(output)
    rest = output.sum(axis=0) - output
    sign = np.sign(output.div(output.sum(axis=1), axis=0) - rest.div(rest.sum(axis=1), axis=0))
    signed = terms * sign
    if len(output) > max_places:
        shown = set(output.sum(axis=1).nlargest(max_places).index)
        signed = signed.loc[[p for p in output.index if p in shown]]
    tiers = places.drop_duplicates("place_name").set_index("place_name")["tier"]
    fig = Figure(figsize=(width, 1.9 + 0.2 * len(signed)), layout="constrained")
    ax = fig.add_subplot()
    limit = max(float(np.abs(signed.to_numpy()).max()), 1e-9)
    image = ax.imshow(signed.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest")
    ax.set_xticks(range(signed.shape[1]), [s.replace("_", " ") for s in signed.columns], rotation=35,
                  ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(signed)), [f"{p}  K={index[p]:.2f}" for p in signed.index])
    for label, place in zip(ax.get_yticklabels(), signed.index, strict=True):
        label.set_color(TIER_COLOURS.get(tiers.get(place, ""), "#000000"))
    ax.grid(False)
    ax.set_xlabel("sector")
    ax.set_ylabel("place (label colour: tier; K: specialization index, 0-2)")
    bar = fig.colorbar(image, ax=ax, pad=0.01, aspect=30)
    bar.set_label("sector's share of the place's output − its share in the rest (−1 to 1)")
    note = "" if len(signed) == len(output) else f", largest {len(signed)} of {len(output)} places"
    ax.set_title(f"Specialization by place and sector, step {step}{note}", loc="left")
    return fig


