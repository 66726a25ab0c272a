"""The command line: `run` writes whole results; bad arguments give one line and exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from chainweave.cli import main
from chainweave.results import read_results

ROOT = Path(__file__).resolve().parents[1]


def test_run_writes_three_tables_and_a_manifest(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "--steps", "3", "--seed", "2", "--out", str(out), "--set", "n_firms=400"]) == 0
    tables, manifest = read_results(out)
    assert set(tables) == {"places", "flows", "cluster", "systems"}
    assert tables["cluster"]["step"].tolist() == [0, 1, 2, 3]
    assert (tables["places"]["seed"] == 2).all()
    assert manifest["seed"] == 2 and manifest["params"]["n_firms"] == 400
    for name in ("places", "flows", "cluster"):
        csv = pd.read_csv(out / f"{name}.csv")
        assert len(csv) == len(tables[name])
    printed = capsys.readouterr().out
    assert "step 3" in printed and "D county" in printed


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["run", "--steps", "-2"], "--steps"),
        (["run", "--set", "n_firms=-4"], "n_firms"),
        (["run", "--set", "rd_subsidy_share=1.5"], "rd_subsidy_share"),
        (["run", "--set", "nonsense=1"], "nonsense"),
        (["run", "--set", "no-equals-sign"], "--set"),
        (["run", "--seed", "abc"], "--seed"),
        (["explode"], "explode"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, capsys, argv, field):
    out = tmp_path / "never"
    assert main([*argv, "--out", str(out)] if argv[0] == "run" else argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0]
    assert not out.exists()


def test_script_reports_errors_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "run", "--set", "barrier_between=2", "--out",
         str(tmp_path / "x")], capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "run.py: error: yijing_jingen: params.barrier_between: got 2; expected a number in [0, 1]"]
    assert not (tmp_path / "x").exists()


def test_manifest_is_valid_json_written_last(tmp_path):
    out = tmp_path / "r"
    assert main(["run", "--steps", "1", "--out", str(out), "--set", "n_firms=300"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for name in manifest["files"]:
        assert (out / name).stat().st_mtime <= (out / "manifest.json").stat().st_mtime
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_compare_prints_a_ranking_and_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "--policies", "rd_subsidy,low_carbon", "--replications", "2", "--steps", "2",
            "--set", "n_firms=400", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Policy ranking" in printed and "rd_subsidy" in printed and "low_carbon" in printed
    tables, manifest = read_results(out)
    assert {"effects", "ranking", "cluster", "places"} <= set(tables)
    assert manifest["kind"] == "comparison" and manifest["replications"] == 2
    assert (out / "figures" / "policy_effect_D.png").stat().st_size > 0


def test_no_arguments_means_the_default_comparison():
    from chainweave.cli import DEFAULT_COMMAND, DEFAULT_SCENARIO, build_parser

    args = build_parser().parse_args(DEFAULT_COMMAND)
    assert args.handler.__name__ == "cmd_compare" and args.scenario == DEFAULT_SCENARIO == "yijing_jingen"


def test_options_without_a_subcommand_go_to_the_default_comparison(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["--policies", "rd_subsidy", "--replications", "2", "--steps", "1", "--no-figures",
            "--scenario", "synthetic", "--set", "n_firms=300", "--out", str(out)]
    assert main(argv) == 0
    assert "Policy ranking" in capsys.readouterr().out
    assert (out / "ranking.csv").is_file()


def test_validate_describes_a_scenario(capsys):
    assert main(["validate", "yunnan_resource"]) == 0
    printed = capsys.readouterr().out
    assert "is valid: 52 places" in printed and "resource_response" in printed


def test_importing_the_cli_loads_no_heavy_library():
    code = ("import sys, chainweave.cli; heavy = [m for m in ('statsmodels', 'mesa', 'matplotlib', "
            "'pandas', 'chainweave.model') if m in sys.modules]; print(','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == ""


def test_every_subcommand_resolves_and_handlers_load_lazily():
    from chainweave.cli import SUBCOMMANDS, build_parser, resolve

    parser = build_parser()  # every subcommand's arguments
    for name, (_, add_arguments, handler) in SUBCOMMANDS.items():
        assert callable(resolve(add_arguments)) and callable(resolve(handler)), name
    assert parser.parse_args(["sweep", "x.yaml"]).handler == SUBCOMMANDS["sweep"][2]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--step", "3"], "unrecognized arguments: --step 3; did you mean '--steps'?"),
        (["compare", "--replication=2"], "did you mean '--replications'?"),
        (["rnu"], "unknown subcommand 'rnu'; did you mean 'run'?"),
        (["run", "--set", "n_frms=300"], "--set: got 'n_frms'; expected a model parameter (a ModelParams "
                                          "field); did you mean 'n_firms'?"),
        (["run", "--policy", "rd_subsidi"], "did you mean 'rd_subsidy'?"),
        (["run", "--set", "policies.rd_subsidy.extra_shar=0.1"], "did you mean 'extra_share'?"),
    ],
)
def test_typos_get_a_suggestion(capsys, argv, expected):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0]


@pytest.mark.parametrize(("launcher", "prog"), [(["run.py"], "run.py"),
                                                (["-m", "chainweave"], "python -m chainweave")])
def test_entry_points_show_version_and_their_name(launcher, prog):
    version = subprocess.run([sys.executable, *launcher, "--version"], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == "chainweave 0.1.0"
    helped = subprocess.run([sys.executable, *launcher, "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert helped.returncode == 0 and helped.stdout.startswith(f"usage: {prog} ")
    assert "dashboard" in helped.stdout and "sweep" in helped.stdout


def test_run_policy_adds_library_policies_and_set_reaches_them(tmp_path):
    out = tmp_path / "r"
    argv = ["run", "--steps", "1", "--set", "n_firms=300", "--policy", "talent",
            "--set", "policies.rd_subsidy.extra_share=0.05", "--out", str(out)]
    assert main(argv) == 0
    policies = {p["policy"]: p for p in read_results(out)[1]["scenario"]["policies"]}
    assert {"talent", "rd_subsidy"} <= set(policies)
    assert policies["rd_subsidy"]["params"] == {"extra_share": 0.05}


def test_console_script_is_the_cli_under_its_own_name(monkeypatch, capsys):
    import tomllib

    from chainweave.cli import script

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"chainweave": "chainweave.cli:script"}
    monkeypatch.setattr(sys, "argv", ["chainweave", "valdate"])
    assert script() == 2
    assert capsys.readouterr().err.startswith("chainweave: error: unknown subcommand 'valdate'; "
                                              "did you mean 'validate'?")
