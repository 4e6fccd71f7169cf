"""`audit init` writes only checks that can fail: inside each metric's range, not drowned in noise."""
from pathlib import Path

import pytest

from audit.calibrate import Calibration, MetricSamples, calibrate, render_config, suggest_checks
from audit.embed import HashEmbedder
from metrics.registry import REGISTRY
from tests.conftest import docs_from_texts, load_texts

ROOT = Path(__file__).resolve().parents[1]


def test_checks_that_could_never_fail_are_skipped_and_said():
    cal = Calibration(seeds=3, half_size=50, metrics={
        # a share in [0, 1] whose halves moved by up to 0.4: margin 1.5 * max(0.4, 3 rms) > 1 -> never fails
        "gender_term_share": MetricSamples("gender_term_share", "per_corpus", "closer", real=[0.3, 0.5, 0.2],
                                           synth=[0.7, 0.1, 0.5]),
        # group drift between real halves of 3..5: the noise threshold is ~10 times the fail tolerance 0.5
        "representation_drift": MetricSamples("representation_drift", "pairwise", "lower", value=[3.0, 5.0, 4.0]),
        # a rate near 0 with tiny noise: an ordinary check
        "near_empty_rate": MetricSamples("near_empty_rate", "per_corpus", "lower", real=[0.01, 0.012, 0.011],
                                         synth=[0.012, 0.01, 0.011]),
    })
    out = {c["metric"]: c for c in suggest_checks(cal)}
    assert "could never fail" in out["gender_term_share"]["skip"]
    assert "too noisy" in out["representation_drift"]["skip"]
    assert "skip" not in out["near_empty_rate"]
    text = render_config(list(out.values()), cal, header={})
    assert "# no check for gender_term_share:" in text and "# no check for representation_drift:" in text
    assert text.count("[[check]]") == 1 and 'metric = "near_empty_rate"' in text


def _bounds(check, real_mean):
    """The value at which the written check starts to fail, in the metric's own units."""
    t = check["threshold"]
    if check.get("on") == "abs_delta":
        return "abs_delta", float(t)
    if isinstance(t, str):  # "real + m" / "real - m"
        sign = 1 if "+" in t else -1
        return "value", real_mean + sign * float(t.split()[-1])
    return "value", float(t)


def test_init_on_a_small_real_corpus_writes_no_check_outside_the_range(tmp_path):
    texts = load_texts(ROOT / "sample_data" / "real.jsonl")[:160]
    emb = HashEmbedder().encode(texts)
    cal = calibrate(docs_from_texts(texts), emb, seeds=3, families=("bias", "properties", "diversity"))
    checks = suggest_checks(cal)
    written = [c for c in checks if not c.get("skip")]
    assert written, "nothing written at all"
    for c in written:
        spec = REGISTRY[c["metric"]]
        lo, hi = spec.value_range
        m = cal.metrics[c["metric"]]
        real_mean = sum(m.real) / len(m.real) if m.real else None
        kind, x = _bounds(c, real_mean)
        if kind == "abs_delta":
            if lo is not None and hi is not None:
                assert x < hi - lo, c
        else:
            if c["op"] in ("<=", "<") and hi is not None:
                assert x < hi, c
            if c["op"] in (">=", ">") and lo is not None:
                assert x > lo, c
    # every skip says why in words
    for c in checks:
        if c.get("skip"):
            assert "could never fail" in c["skip"] or "too noisy" in c["skip"]
