"""Index systems as data: bundled systems on worked numbers, fitting, checks, tables, comparisons."""

import numpy as np
import pandas as pd
import pytest

from chainweave.cli import main
from chainweave.comparison import compare, format_rankings
from chainweave.errors import ParameterError
from chainweave.measurement import (
    BY_NAME,
    CATALOGUE,
    INNOVATIVE_CITY,
    indicator_values,
    list_systems,
    load_system,
    parse_system,
    resolve_systems,
)
from chainweave.measurement.tables import fit_systems, score_tables
from chainweave.measures import DEFAULT_SYSTEM, EXTENSIVE
from chainweave.scenarios import load_scenario

# A fixed places table of indicator values. Row A is chosen so that every standardised value
# is a round number (bounds from the catalogue):
#   nonprimary_va_share 0.8 -> (0.8-0.6)/0.4 = 0.5; va_per_capita 48,000 -> 38,000/190,000 = 0.2;
#   high_tech_output_share 0.32 -> 0.8                              => industry  (0.5+0.2+0.8)/3 = 0.5
#   rd_intensity 0.01 -> 0.2; patents_per_10k 10 -> 0.2; enterprise_rd_intensity 0.008 -> 0.2
#                                                                   => innovation 0.2
#   credit_to_va 0.12 -> 0.4; incubation 0.4; intermediation 0.4    => service    0.4
#   urban_share 0.86 -> 0.56/0.7 = 0.8; public_services_per_head 16,000 -> 0.8
#                                                                   => urbanization 0.8
#   public_st_share 0.04 -> 0.4; gdp_growth 0.04 -> 0.09/0.15 = 0.6; service_va_share 0.46 ->
#   0.26/0.65 = 0.4; labour_productivity 172,000 -> 152,000/380,000 = 0.4
# Row B differs (it is the other end of the baseline range of high_tech_enterprises).
TABLE = pd.DataFrame({
    "nonprimary_va_share": [0.8, 0.9], "va_per_capita": [48_000.0, 90_000.0],
    "high_tech_output_share": [0.32, 0.1], "rd_intensity": [0.01, 0.03],
    "patents_per_10k": [10.0, 30.0], "enterprise_rd_intensity": [0.008, 0.02],
    "credit_to_va": [0.12, 0.2], "incubation": [0.4, 0.7], "intermediation": [0.4, 0.1],
    "urban_share": [0.86, 0.5], "public_services_per_head": [16_000.0, 5_000.0],
    "public_st_share": [0.04, 0.02], "high_tech_enterprises": [100.0, 300.0],
    "gdp_growth": [0.04, 0.0], "service_va_share": [0.46, 0.6],
    "labour_productivity": [172_000.0, 100_000.0],
})


def values(table: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: table[c].to_numpy() for c in table.columns}


def test_the_bundled_systems_are_the_four_of_the_issue():
    assert list_systems() == ["default", "henan", "iis", "innovative_city"]
    assert set(INNOVATIVE_CITY) <= set(BY_NAME)
    assert len(INNOVATIVE_CITY) == 7


def test_default_scores_the_fixed_table_to_worked_values():
    scores = DEFAULT_SYSTEM.score(values(TABLE))
    u = np.array([0.5, 0.2, 0.4, 0.8])
    assert [scores[f"score_{s}"][0] for s in ("industry", "innovation", "service", "urbanization")] \
        == pytest.approx(u, abs=1e-12)
    # standard C = 4 (0.5*0.2*0.4*0.8)^(1/4) / 1.9 = 4 * 0.032^0.25 / 1.9; T = 1.9/4 = 0.475
    c = 4 * 0.032 ** 0.25 / 1.9
    assert scores["C"][0] == pytest.approx(c, abs=1e-12) == pytest.approx(0.890418, abs=1e-6)
    assert scores["T"][0] == pytest.approx(0.475, abs=1e-12)
    assert scores["D"][0] == pytest.approx(np.sqrt(c * 0.475), abs=1e-12)


def test_iis_scores_the_fixed_table_to_worked_values():
    scores = load_system("iis").score(values(TABLE))
    # u = (0.5, 0.2, 0.4); revised: sorted (0.2, 0.4, 0.5), mean pairwise gap (0.2+0.3+0.1)/3 = 0.2,
    # balance ((0.2/0.5)(0.4/0.5))^(1/2) = sqrt(0.32); C = sqrt(0.8 sqrt(0.32)) = 0.672717
    c = np.sqrt(0.8 * np.sqrt(0.32))
    assert scores["score_innovation"][0] == pytest.approx(0.2, abs=1e-12)
    assert scores["C"][0] == pytest.approx(c, abs=1e-12) == pytest.approx(0.672717, abs=1e-6)
    assert scores["T"][0] == pytest.approx(1.1 / 3, abs=1e-12)
    assert scores["D"][0] == pytest.approx(0.496651, abs=1e-6)


def test_innovative_city_scores_the_fixed_table_to_worked_values():
    system = load_system("innovative_city")
    assert not system.is_fitted
    fitted = system.fit(values(TABLE))
    scores = fitted.score(values(TABLE))
    # innovation: rd 0.2, public S&T 0.4, patents 0.2, high-tech enterprises 0 (row A is the
    # baseline minimum) -> 0.2; economy: (0.6 + 0.4 + 0.4)/3 = 0.46667
    # standard 2-system C = 2 sqrt(0.2 * 0.46667) / 0.66667 = 0.916515; T = 0.33333
    assert scores["score_innovation"][0] == pytest.approx(0.2, abs=1e-12)
    assert scores["score_economy"][0] == pytest.approx(1.4 / 3, abs=1e-12)
    assert scores["C"][0] == pytest.approx(0.916515, abs=1e-6)
    assert scores["D"][0] == pytest.approx(np.sqrt(0.916515 * 1 / 3), abs=1e-6)


def test_henan_pca_weights_and_nested_integration_index_on_worked_values():
    # Three rows: the S&T indicators rise together (perfectly correlated, so the first principal
    # component weights them equally) and standardise on the baseline range to 0, 0.5, 1;
    # non-primary share standardises to 0, 0.5, 1 and urban share to 0, 0.25, 1.
    table = pd.DataFrame({
        "enterprise_rd_intensity": [0.01, 0.02, 0.03], "public_st_intensity": [0.002, 0.004, 0.006],
        "patents_per_10k": [5.0, 10.0, 15.0], "nonprimary_va_share": [0.7, 0.8, 0.9],
        "urban_share": [0.4, 0.5, 0.8],
    })
    fitted = load_system("henan").fit(values(table))
    weights = [i.weight for s in fitted.subsystems for i in s.indicators]
    assert weights == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0.5, 0.5], abs=1e-12)
    scores = fitted.score(values(table))
    # Row 2: Du = D of (0.5, 0.25) in the paper's form: C = sqrt(0.125)/0.75 = 0.471405,
    # T = 0.375, Du = sqrt(C T) = 0.420448; then K = 0.5: C = sqrt(0.5 Du)/(0.5 + Du) = 0.498129,
    # T = (0.5 + Du)/2 = 0.460224, D = sqrt(C T) = 0.478801.
    assert scores["score_st_level"] == pytest.approx([0.0, 0.5, 1.0], abs=1e-12)
    assert scores["score_integration"][1] == pytest.approx(0.420448, abs=1e-6)
    assert scores["C"][1] == pytest.approx(0.498129, abs=1e-6)
    assert scores["T"][1] == pytest.approx(0.460224, abs=1e-6)
    assert scores["D"][1] == pytest.approx(0.478801, abs=1e-6)
    # Row 3: all ones: Du = sqrt(0.5 * 1), C = sqrt(Du)/(1 + Du) = 0.492586, D = 0.648419
    assert scores["D"][2] == pytest.approx(0.648419, abs=1e-6)


# Henan Table 1 (Wu 2020): the paper's K (S&T level), Du (integration), C, T, D for 2000-2016.
HENAN_TABLE = np.array([
    [1.06227, 0.459705479, 0.486450132, 1.381770, 0.819854986],
    [1.04690, 0.466735811, 0.491780797, 1.277600, 0.792653232],
    [1.02822, 0.474661068, 0.496785338, 1.159490, 0.758958254],
    [0.98691, 0.486721605, 0.499951223, 0.973315, 0.697574387],
    [0.93111, 0.491434236, 0.499181641, 0.880740, 0.663060509],
    [0.81379, 0.501577023, 0.490726513, 0.682880, 0.578884549],
    [0.61627, 0.512217648, 0.456772842, 0.438085, 0.447331343],
    [0.40838, 0.520507478, 0.260827886, 0.220370, 0.239747036],
    [0.18201, 0.526840397, 0.496055699, 0.161735, 0.283248245],
    [0.11047, 0.533729402, 0.433290527, 0.220515, 0.309106876],
    [0.11195, 0.537650028, 0.402602006, 0.275060, 0.332775762],
    [0.33992, 0.545438302, 0.474615368, 0.495930, 0.485155645],
    [0.76354, 0.551859445, 0.499587411, 0.795865, 0.630558590],
    [0.94903, 0.556677192, 0.499991089, 0.954730, 0.690909902],
    [1.18330, 0.561711853, 0.499655610, 1.140960, 0.755041101],
    [1.62495, 0.567571829, 0.495970010, 1.442210, 0.845749909],
    [1.99269, 0.573631909, 0.493077420, 1.709250, 0.918037352],
])


def test_henan_on_the_henan_tables_inputs_gives_d_as_root_of_c_times_t():
    henan = load_system("henan")
    k, du = HENAN_TABLE[:, 0], HENAN_TABLE[:, 1]
    out = henan.coordinate(np.column_stack([k, du]))
    # The paper's two-system form, T = 0.5 K + 0.5 Du, D = sqrt(C T).
    np.testing.assert_allclose(out["C"], np.sqrt(k * du) / (k + du), rtol=1e-12)
    np.testing.assert_allclose(out["T"], 0.5 * k + 0.5 * du, rtol=1e-12)
    np.testing.assert_allclose(out["D"], np.sqrt(out["C"] * out["T"]), rtol=1e-12)
    assert (out["C"] <= 0.5).all()
    # With the table's own C and T (the paper rescales K and Du before coupling, which the
    # text does not spell out), the same theta reproduces its D for 2000-2016.
    d = (HENAN_TABLE[:, 2] * HENAN_TABLE[:, 3]) ** henan.theta
    np.testing.assert_allclose(d, HENAN_TABLE[:, 4], atol=1e-6)


def test_catalogue_indicators_come_from_totals():
    totals = {name: np.array([0.0, 10.0]) for name in EXTENSIVE}
    totals.update(  # value added at current and at step-0 prices alike here
        value_added=np.array([0.0, 200.0]), value_added_real=np.array([0.0, 200.0]),
        value_added_previous=np.array([0.0, 160.0]), employment=np.array([0.0, 1000.0]),
        tertiary_va=np.array([0.0, 90.0]), budget_total=np.array([0.0, 40.0]),
        public_st_spend=np.array([0.0, 2.0]))
    v = indicator_values(totals)
    assert list(v) == [i.name for i in CATALOGUE]
    assert v["gdp_growth"][1] == pytest.approx(0.25)  # (200 - 160) / 160
    assert v["labour_productivity"][1] == pytest.approx(200_000.0)  # 200 M yuan / 1000 jobs
    assert v["service_va_share"][1] == pytest.approx(0.45)
    assert v["public_st_share"][1] == pytest.approx(0.05)
    assert v["high_tech_enterprises"][1] == 10.0
    assert all(x[0] == 0.0 for x in v.values())  # empty groups give 0, not NaN


def good_system() -> dict:
    return {"name": "mine", "subsystems": {
        "a": {"indicators": ["rd_intensity", "patents_per_10k"], "weights": {"rd_intensity": 0.3,
                                                                           "patents_per_10k": 0.7}},
        "b": {"indicators": [{"name": "emissions_per_va", "direction": "cost", "bounds": [0, 400]}]},
    }}


def test_given_weights_and_cost_indicators_score():
    system = parse_system(good_system(), "test")
    scores = system.score({"rd_intensity": np.array([0.025]), "patents_per_10k": np.array([10.0]),
                           "emissions_per_va": np.array([100.0])})
    assert scores["score_a"][0] == pytest.approx(0.3 * 0.5 + 0.7 * 0.2)
    assert scores["score_b"][0] == pytest.approx(0.75)  # (400 - 100) / 400


@pytest.mark.parametrize(("change", "field"), [
    (lambda s: s["subsystems"]["a"].update(indicators=["rd_intensity", "gdp"]), "indicators[1]"),
    (lambda s: s["subsystems"]["b"]["indicators"][0].pop("bounds"), "indicators[0]"),
    (lambda s: s["subsystems"]["a"]["weights"].update(rd_intensity=0.4), "a.weights"),
    (lambda s: s.update(subsystem_weights={"a": 0.5, "b": 0.6}), "subsystem_weights"),
    (lambda s: s.update(coupling="paper", subsystems={**s["subsystems"], "c": s["subsystems"]["b"]}),
     "subsystems"),
    (lambda s: s.update(name="core"), "name"),
    (lambda s: s.update(theta=0), "theta"),
    (lambda s: s.update(colour="red"), "colour"),
])
def test_bad_systems_are_one_line_errors(change, field):
    spec = good_system()
    change(spec)
    with pytest.raises(ParameterError) as err:
        parse_system(spec, "test")
    assert field in err.value.field and "\n" not in str(err.value)


def test_bad_systems_exit_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: mine\nsubsystems:\n  a: {indicators: [rd_intensity]}\n"
                   "  b: {indicators: [{name: emissions_per_va, direction: cost}]}\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("extends: synthetic\nname: s\nmeasurement:\n  systems: [default, iis, "
                        "{name: x, subsystems: {a: {indicators: [rd_intensity]}, "
                        "b: {indicators: [urban_share], weights: {urban_share: 0.9}}}}]\n")
    for argv, expected in (
            (["compare", "--systems", f"default,{bad}", "--steps", "1"],
             f"{bad}: subsystems.b.indicators[0]: got 'emissions_per_va'"),
            (["run", "--systems", "default,nope"], "--systems[1]: got 'nope'"),
            (["run", "--scenario", str(scenario)], "measurement.systems[2].subsystems.b.weights")):
        out = tmp_path / "never"
        assert main([*argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0]
        assert not out.exists()


def test_two_systems_of_one_name_are_refused():
    with pytest.raises(ParameterError, match="a name no other system"):
        resolve_systems(["iis", {"name": "iis", "subsystems": good_system()["subsystems"]}], "x")


def test_run_scores_after_the_fact_as_in_the_model():
    scenario = load_scenario("synthetic").with_values({
        "params.n_firms": 600, "measurement.systems": ["iis", "henan"]})
    tables, manifest = scenario.run(seed=4, steps=2, record_flows=False)
    places, cluster = tables["places"], tables["cluster"]
    assert {"iis_D", "henan_D", "iis_coupling_variant", "henan_score_integration"} <= set(places)
    assert set(manifest["systems"]) == {"default", "iis", "henan"}
    assert set(tables["systems"]["system"]) == {"default", "iis", "henan"}
    # Rescoring the recorded totals reproduces what the model scored each year.
    systems = [s for s in scenario.systems if s.is_fitted]
    again_places, again_cluster = score_tables(places, cluster, systems)
    for column in ("D", "C", "T", "score_service", "iis_D", "iis_C"):
        np.testing.assert_allclose(again_places[column], places[column], rtol=1e-12)
    for column in ("D", "D_core", "iis_D", "iis_D_county", "iis_score_innovation_secondary"):
        np.testing.assert_allclose(again_cluster[column], cluster[column], rtol=1e-12)
    assert (places["coupling_variant"] == "standard").all()
    assert (cluster["henan_coupling_variant"] == "paper").all()


@pytest.fixture(scope="module")
def comparison():
    scenario = load_scenario("synthetic").with_values({"params.n_firms": 500})
    return compare(scenario, variants=["rd_subsidy", "talent"], replications=2, steps=2,
                   systems=["henan"], progress=False)


def test_data_driven_weights_are_fitted_once_on_the_baseline(comparison):
    places = comparison.places
    baseline = places[places["scenario"] == "baseline"]
    (fitted,) = fit_systems([load_system("henan")], baseline)
    recorded = comparison.systems[comparison.systems["system"] == "henan"]
    expected = [i.weight for s in fitted.subsystems for i in s.indicators]
    np.testing.assert_allclose(recorded["weight"], expected, rtol=1e-12)
    np.testing.assert_allclose(recorded["lower"], [i.lower for s in fitted.subsystems
                                                   for i in s.indicators], rtol=1e-12)
    # Every variant is scored with that one fitted system ...
    rescored, _ = score_tables(places, comparison.cluster, [fitted])
    np.testing.assert_allclose(rescored["henan_D"], places["henan_D"], rtol=1e-12)
    # ... not one refitted on its own runs, which would give other bounds and scores.
    variant = places[places["scenario"] == "rd_subsidy"]
    (own,) = fit_systems([load_system("henan")], variant)
    mine, _ = score_tables(variant, comparison.cluster[comparison.cluster["scenario"] == "rd_subsidy"],
                           [own])
    assert not np.allclose(mine["henan_D"], variant["henan_D"])


def test_a_comparison_under_two_systems_gives_two_rankings(comparison):
    rankings = comparison.rankings
    assert list(dict.fromkeys(rankings["system"])) == ["default", "henan"]
    for _, ranking in rankings.groupby("system"):
        assert sorted(ranking["rank"]) == [1, 2]
        assert set(ranking["policy"]) == {"rd_subsidy", "talent"}
        assert ranking["dD"].is_monotonic_decreasing
    default = rankings[rankings["system"] == "default"].set_index("policy")
    assert default["dD"].to_dict() == pytest.approx(
        comparison.ranking.set_index("policy")["dD"].to_dict(), abs=1e-15)
    henan_d = comparison.effects.query("scope == 'cluster' and metric == 'henan_D'")
    assert len(henan_d) == 3
    text = format_rankings(rankings, 2, 2, 0.95)
    assert "henan (paper)" in text and "henan vs default: Kendall tau" in text


def test_every_catalogue_indicator_and_bundled_system_is_documented():
    from pathlib import Path

    analysis = (Path(__file__).resolve().parents[1] / "docs" / "analysis.md").read_text()
    for indicator in CATALOGUE:
        assert f"| `{indicator.name}` |" in analysis
    for name in list_systems():
        assert f"| `{name}` |" in analysis


def test_ranking_agreement_names_the_policies_that_move():
    from chainweave.comparison import ranking_agreement

    rows = []
    for system, order in (("default", ["a", "b", "c"]), ("iis", ["b", "a", "c"]),
                          ("henan", ["a", "b", "c"])):
        for rank, policy in enumerate(order, 1):
            rows.append({"system": system, "rank": rank, "policy": policy,
                         "rank_default": ["a", "b", "c"].index(policy) + 1})
    rankings = pd.DataFrame(rows)
    rankings["rank_change"] = rankings["rank"] - rankings["rank_default"]
    iis, henan = ranking_agreement(rankings)
    # Kendall tau of (1, 2, 3) against (2, 1, 3): one discordant pair of three, tau = 1/3.
    assert iis == ("iis vs default: Kendall tau +0.33; best b (under default: a); "
                   "2 of 3 policies move: a 1->2, b 2->1")
    assert henan == "henan vs default: Kendall tau +1.00; best a; the same ranking"


def test_the_model_needs_default_first_and_fitted_systems(make_model):
    with pytest.raises(ParameterError, match="the default index system first"):
        make_model(systems=(load_system("iis"),))
    with pytest.raises(ParameterError, match="the default index system first"):
        make_model(systems=(DEFAULT_SYSTEM, load_system("henan")))
