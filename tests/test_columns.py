"""The data dictionary: every output column described, in Parquet metadata and docs/outputs.md."""

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from chainweave import measures
from chainweave.columns import TABLES, describe, outputs_markdown
from chainweave.measurement.catalogue import indicator_values
from chainweave.results import write_results
from chainweave.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[1]
COMPARISON_ONLY = {"scenario", "replicate"}


@pytest.fixture(scope="module")
def tables():
    scenario = load_scenario("yijing_jingen").with_values({"params.n_firms": 300})
    return scenario.run(seed=1, steps=2)


def test_every_column_of_the_tables_is_described_and_every_entry_is_used(tables):
    frames, _ = tables
    for name, frame in frames.items():
        assert [c for c in frame.columns if describe(name, c) is None] == [], name
        exact = {c.name for c in TABLES[name] if "<" not in c.name} - COMPARISON_ONLY
        assert exact <= set(frame.columns), name
    assert describe("places", "output_mining").unit == "M yuan/yr"
    assert describe("cluster", "D_county").unit == "1" and describe("cluster", "D_nowhere") is None


def test_docs_outputs_md_is_generated_from_the_dictionary():
    assert (ROOT / "docs" / "outputs.md").read_text() == outputs_markdown(), (
        "run: python -m chainweave.columns > docs/outputs.md")


def test_parquet_fields_carry_unit_and_description(tables, tmp_path):
    frames, manifest = tables
    write_results(tmp_path, frames, manifest)
    schema = pq.read_schema(tmp_path / "cluster.parquet")
    assert schema.field("emissions").metadata[b"unit"] == b"t CO2/yr"
    assert b"summed totals" in schema.field("D_core").metadata[b"description"]
    places = pq.read_schema(tmp_path / "places.parquet")
    assert places.field("output_chemicals").metadata[b"unit"] == b"M yuan/yr"
    flows = pq.read_schema(tmp_path / "flows.parquet")
    assert flows.field("volume").metadata[b"description"].startswith(b"volume sent")


def test_tier_d_is_scored_from_summed_totals_not_the_mean_of_places(tables):
    frames, _ = tables
    places, cluster = frames["places"], frames["cluster"]
    final = places[(places["step"] == 2) & (places["tier"] == "county")]
    totals = {k: np.array([final[k].sum()]) for k in measures.EXTENSIVE}
    d = measures.DEFAULT_SYSTEM.score(indicator_values(totals))["D"][0]
    recorded = cluster.loc[cluster["step"] == 2, "D_county"].iloc[0]
    assert recorded == pytest.approx(d, rel=1e-12)
    assert abs(recorded - final["D"].mean()) > 1e-6
