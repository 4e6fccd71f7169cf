"""metrics.result: MetricResult and to_native turn numpy values into JSON-native ones."""
import json
import math

import numpy as np
import pytest

from metrics.result import MetricResult, to_native


def test_to_native_numpy_scalars_and_types():
    assert type(to_native(np.bool_(True))) is bool and to_native(np.bool_(False)) is False
    assert type(to_native(np.int64(3))) is int and to_native(np.int32(-2)) == -2
    assert type(to_native(np.float32(0.5))) is float and to_native(np.float32(0.5)) == 0.5
    assert to_native(np.float64(0.25)) == 0.25 and type(to_native(np.float64(0.25))) is float
    assert to_native(True) is True and to_native(7) == 7 and to_native("x") == "x" and to_native(None) is None


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -math.inf, np.float64("nan"), np.float32("inf")])
def test_to_native_non_finite_floats_become_none(bad):
    assert to_native(bad) is None


def test_to_native_containers_recursively():
    obj = {1: (np.int64(1), [np.float64(2.5), {"k": np.bool_(True)}]), "a": np.array([[1, 2], [3, 4]]),
           "nan": np.array([np.nan, 1.0])}
    out = to_native(obj)
    assert out == {"1": [1, [2.5, {"k": True}]], "a": [[1, 2], [3, 4]], "nan": [None, 1.0]}
    assert type(out["1"][0]) is int and type(out["a"][0][0]) is int
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_metric_result_fields_are_json_native():
    r = MetricResult(np.float64(0.5), ci=np.array([np.float32(0.25), np.float64(0.75)]), n=np.int64(10),
                     p_value=np.float64(0.01), details={"c": np.int64(2)}, warnings=("w",))
    assert r.value == 0.5 and type(r.value) is float
    assert r.ci == (0.25, 0.75) and type(r.ci) is tuple and type(r.ci[0]) is float
    assert r.n == 10 and type(r.n) is int
    assert r.p_value == 0.01 and type(r.p_value) is float
    assert r.details == {"c": 2} and type(r.details["c"]) is int
    assert r.warnings == ["w"] and type(r.warnings) is list
    assert r.sampled is False


def test_metric_result_nan_value_is_none_and_defaults():
    r = MetricResult(float("nan"))
    assert r.value is None and r.ci is None and r.n is None and r.p_value is None
    assert r.details == {} and r.warnings == [] and r.sampled is False
    assert MetricResult(1.0, ci=(float("-inf"), 2.0)).ci == (None, 2.0)
    assert MetricResult(1.0, n=3.0).n == 3 and type(MetricResult(1.0, n=3.0).n) is int
    assert MetricResult(1.0, p_value=np.float64("nan")).p_value is None


def test_metric_result_copies_the_warnings_list_and_is_frozen():
    w = ["a"]
    r = MetricResult(1.0, warnings=w)
    w.append("b")
    assert r.warnings == ["a"]
    with pytest.raises(AttributeError):
        r.value = 2.0
    assert MetricResult(1.0).details is not MetricResult(1.0).details  # no shared default dict
