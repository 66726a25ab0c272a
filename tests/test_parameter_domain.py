"""The declared parameter domain is safe: anywhere inside it the engine runs 50 years cleanly.

Every `ModelParams` field declares its range; a hypothesis test draws points of the whole
domain at once (all fields together, at a small size) and runs each for 50 steps, checking
that no exception is raised, every recorded number is finite, and the number of firms stays
below 20 times its step-0 value (no runaway). Points that break a cross-field rule (budget
shares over 1, an inverted innovation draw) must be refused up front with a `ParameterError`
that names the fields.
"""

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chainweave.errors import ParameterError
from chainweave.model import ClusterModel
from chainweave.network import synthetic_cluster
from chainweave.parameters import POLICY_SHARES, ModelParams

STEPS = 50
GRAPH = synthetic_cluster(1, 2, 2, seed=0)
SIZE_FIELDS = {"n_firms"}  # size, not behaviour: fixed small here
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)  # no shrinking: a failure prints its point


def _value(field: dataclasses.Field) -> st.SearchStrategy:
    lo, hi = field.metadata["range"]
    scalar = field.default[0] if isinstance(field.default, tuple) else field.default
    if field.name == "emission_standard":  # off (infinite) or a finite standard
        one = st.one_of(st.just(math.inf), st.floats(0.0, 2000.0))
    elif isinstance(scalar, int) and not isinstance(scalar, bool):
        one = st.integers(int(lo), int(min(hi, 50)))  # counts: a small cluster needs few
    else:
        one = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.tuples(one, one, one) if isinstance(field.default, tuple) else one


DOMAIN = st.fixed_dictionaries({f.name: _value(f) for f in dataclasses.fields(ModelParams)
                                if f.name not in SIZE_FIELDS})


def _inside_cross_field_rules(values: dict) -> dict:
    """Returns the point scaled into the cross-field rules (shares <= 1, low <= high)."""
    values = dict(values)
    total = sum(values[name] for name in POLICY_SHARES)
    if total > 1:
        for name in POLICY_SHARES:
            values[name] /= total * (1 + 1e-9)
    low, high = values["innovation_draw_low"], values["innovation_draw_high"]
    values["innovation_draw_low"], values["innovation_draw_high"] = min(low, high), max(low, high)
    return values


@settings(max_examples=300, deadline=None, derandomize=True, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values=DOMAIN, seed=st.integers(0, 2**31 - 1))
def test_engine_runs_cleanly_anywhere_in_the_domain(values, seed):
    params = ModelParams(n_firms=150, **_inside_cross_field_rules(values))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow or invalid values fail too
        model = ClusterModel(graph=GRAPH, params=params, rng=seed, record_flows=False,
                             firm_handles=False)
        start = len(model.firms)
        for _ in range(STEPS):
            model.step()
            assert len(model.firms) <= 20 * start, "runaway firm count"
    cluster = model.tables()["cluster"].select_dtypes("number")
    assert np.isfinite(cluster.to_numpy()).all(), cluster.columns[~np.isfinite(cluster).all()].tolist()


@pytest.mark.parametrize(("changes", "fields"), [
    ({name: 0.3 for name in POLICY_SHARES}, "+".join(POLICY_SHARES)),
    ({"innovation_draw_low": 0.2, "innovation_draw_high": 0.1}, "innovation_draw_low"),
])
def test_combinations_that_cannot_work_are_refused_naming_the_fields(changes, fields):
    with pytest.raises(ParameterError) as err:
        ModelParams(**changes)
    assert err.value.field == fields


def test_every_field_declares_its_domain():
    for f in dataclasses.fields(ModelParams):
        lo, hi = f.metadata["range"]
        assert lo <= hi and f.metadata["unit"] and f.metadata["doc"], f.name
        assert f.name in SIZE_FIELDS or math.isfinite(hi) or f.name == "emission_standard", f.name
