"""run.py list: scenarios, policies, parameters and output columns, from their own sources."""

import io

import pandas as pd
import pytest

import chainweave
from chainweave.cli import main
from chainweave.columns import columns_table


def _listed(capsys, *argv):
    assert main(["list", *argv, "--csv"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)


def test_parameters_are_the_parameter_table(capsys):
    listed = _listed(capsys, "parameters")
    table = chainweave.parameters_table()
    assert listed["path"].tolist() == table["path"].tolist()
    row = listed.set_index("path").loc["params.kernel_decay_km"]
    assert (row["unit"], row["lower"], row["kind"]) == ("km", 5.0, "uncertainty")


def test_columns_are_the_data_dictionary(capsys):
    listed = _listed(capsys, "columns", "--table", "cluster")
    assert set(listed["table"]) == {"cluster"}
    assert listed["column"].tolist() == columns_table().query("table == 'cluster'")["column"].tolist()
    assert "D_<tier>" in set(listed["column"])
    assert main(["list", "columns"]) == 0
    assert "summed totals" in capsys.readouterr().out


def test_scenarios_and_policies(capsys):
    assert set(_listed(capsys, "scenarios")["scenario"]) == set(chainweave.list_scenarios())
    policies = _listed(capsys, "policies")
    row = policies[(policies["policy"] == "rd_subsidy") & (policies["parameter"] == "extra_share")].iloc[0]
    assert (row["default"], row["upper"], row["unit"]) == (0.03, 0.5, "share of budget")


def test_an_unknown_kind_is_one_line_and_exit_2(capsys):
    assert main(["list", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["scenarios", "policies", "parameters", "columns"])
def test_every_kind_prints_a_table(capsys, kind):
    assert main(["list", kind]) == 0
    assert len(capsys.readouterr().out.splitlines()) > 3
