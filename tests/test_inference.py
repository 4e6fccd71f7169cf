"""Statistical claims checked against known truths: interval coverage by exact sums and simulation,
the jackknife's width, the one audit-wide Benjamini-Hochberg scope, and the verdict rule's false-positive
rate on real-vs-real splits. Each test here failed on a planted bug that the rest of the suite missed
(issue 16): a jackknife (g-1)x too narrow, the global BH call removed from the pipeline."""
import math
import random
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from audit.families import FamilyOutput
from audit.pipeline import correct_for_multiple_tests, run_context
from audit.result import MetricEntry
from metrics.diversity_repetition import boilerplate_opening_rate, jackknife_ci
from metrics.stats import wilson_interval
from tests.conftest import load_texts


# -- Wilson interval: exact coverage, no simulation noise -----------------------------------------------
@pytest.mark.parametrize("n, p", [(20, 0.5), (50, 0.1), (100, 0.3), (400, 0.02), (1000, 0.5)])
def test_wilson_interval_covers_the_true_proportion_about_95_percent(n, p):
    """Exact coverage: sum over every outcome k of P(k) * [p in CI(k)]. Wilson's is 93-97% at these sizes
    (Brown, Cai & DasGupta 2001, fig. 4); a wrong z or a missing continuity term moves it far off."""
    cis = [wilson_interval(k, n) for k in range(n + 1)]
    cover = sum(stats.binom.pmf(k, n, p) for k, (lo, hi) in enumerate(cis) if lo <= p <= hi)
    assert 0.92 <= cover <= 0.98, cover


def test_wilson_interval_hand_computed():
    # k=5, n=20, z=1.959964: centre (0.25 + z^2/40) / (1 + z^2/20), half-width z sqrt(.25*.75/20 + z^2/1600) / (1 + z^2/20)
    z = 1.959963984540054
    den = 1 + z * z / 20
    mid = (0.25 + z * z / 40) / den
    half = z * math.sqrt(0.25 * 0.75 / 20 + z * z / 1600) / den
    assert wilson_interval(5, 20) == pytest.approx((mid - half, mid + half), abs=1e-12)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(z * z / 10 / (1 + z * z / 10), abs=1e-12)


# -- delete-a-group jackknife ------------------------------------------------------------------------------
def test_jackknife_ci_width_matches_the_standard_error_of_a_mean():
    """For the mean, the delete-a-group jackknife SE is close to sd / sqrt(n): the half-width averaged
    over many samples is 1.96 sd / sqrt(n) within 10%. Dropping the (g-1)/g factor or the sum's scaling
    (a CI (g-1)x too narrow) is far outside."""
    rng = np.random.default_rng(0)
    n, ratios = 400, []
    for rep in range(200):
        x = rng.standard_normal(n)
        lo, hi = jackknife_ci(lambda ix: float(x[ix].mean()), n, random_state=rep)
        assert lo < x.mean() < hi
        ratios.append((hi - lo) / 2 / (1.96 * x.std(ddof=1) / math.sqrt(n)))
    assert 0.9 <= float(np.mean(ratios)) <= 1.1, np.mean(ratios)


def test_jackknife_ci_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(1)
    n, hits, reps = 300, 0, 400
    for rep in range(reps):
        x = rng.exponential(2.0, n)  # skewed, true mean 2
        lo, hi = jackknife_ci(lambda ix: float(x[ix].mean()), n, random_state=rep)
        hits += lo <= 2.0 <= hi
    # 10 groups and z = 1.96 (not t with 9 df) cover a little under 95%
    assert 0.88 <= hits / reps <= 0.98, hits / reps


def test_jackknife_needs_two_documents_per_group():
    assert jackknife_ci(lambda ix: 0.0, 19) is None
    assert jackknife_ci(lambda ix: 0.0, 20) == (0.0, 0.0)


def test_boilerplate_opening_rate_ci_covers_the_collision_probability():
    """Openings drawn from a known distribution q: the true rate is sum q_i^2. Its CI covers it ~95%."""
    openings = ["sure here is", "as an ai", "once upon a", "in this essay"] + [f"w{i} x{i} y{i}" for i in range(60)]
    q = np.array([0.2, 0.1, 0.05, 0.05] + [0.6 / 60] * 60)
    truth = float((q ** 2).sum())
    rng = np.random.default_rng(2)
    hits, reps = 0, 150
    for rep in range(reps):
        texts = [openings[i] + " and then more words" for i in rng.choice(len(q), 200, p=q)]
        r = boilerplate_opening_rate(texts, random_state=rep)
        hits += r.ci[0] <= truth <= r.ci[1]
    assert 0.86 <= hits / reps <= 0.99, hits / reps


# -- one Benjamini-Hochberg scope over the whole audit ---------------------------------------------------
def _row(name, family, p, verdict="fail"):
    return MetricEntry(family=family, name=name, title=name, description="", better="lower", kind="pairwise",
                       verdict=verdict, reason="r", p_value=p)


def test_bh_runs_once_over_every_family_in_run_context(monkeypatch, make_ctx):
    """Two families, one test each at p = 0.03 and eight more at p = 0.9: alone each flag would survive
    (q = 0.03); across the audit q = 0.03 * 10 / 2 = 0.15, so both are lifted. Runners' own p_adjusted
    values are overwritten: there is one scope."""
    fams = {
        "a": lambda ctx: FamilyOutput([_row("a1", "drift", 0.03)] + [_row(f"a{i}", "drift", 0.9, "ok") for i in range(2, 6)]),
        "b": lambda ctx: FamilyOutput([_row("b1", "bias", 0.03)] + [_row(f"b{i}", "bias", 0.9, "ok") for i in range(2, 6)]),
    }
    fams["b"] = (lambda f: lambda ctx: _with_local_q(f(ctx)))(fams["b"])
    monkeypatch.setattr("audit.families.runners", lambda: fams)
    entries, _ = run_context(make_ctx(["x y z"] * 5, ["x y z"] * 5), families=["a", "b"])
    by = {e.name: e for e in entries}
    assert by["a1"].p_adjusted == pytest.approx(0.15) and by["b1"].p_adjusted == pytest.approx(0.15)
    assert by["a1"].verdict == "ok" and by["b1"].verdict == "ok"
    assert "Benjamini-Hochberg" in by["a1"].reason
    assert by["a2"].p_adjusted == pytest.approx(0.9)


def _with_local_q(out):
    out.entries = [replace(e, p_adjusted=e.p_value) for e in out.entries]  # "corrected" within its family only
    return out


def test_bh_matches_scipy_and_keeps_what_survives():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(size=30), rng.uniform(0, 0.001, size=3)])
    es = [_row(f"m{i}", "drift", float(x)) for i, x in enumerate(p)]
    correct_for_multiple_tests(es, 0.05)
    # the reference: the step-up rule by hand, q_(i) = min_{j >= i} p_(j) m / j
    order = np.argsort(p)
    m = len(p)
    want = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        running = min(running, p[order[rank - 1]] * m / rank)
        want[order[rank - 1]] = running
    assert [e.p_adjusted for e in es] == pytest.approx(want.tolist())
    assert [e.verdict == "fail" for e in es] == [q < 0.05 for q in want]
    assert sum(e.verdict == "fail" for e in es) >= 3  # the three p < 0.001 have q < 0.011


def test_audit_rows_all_share_one_bh_scope(make_ctx, corpora_dir):
    """Real families: every row's p_adjusted is the BH value of its p among all the audit's p-values."""
    news = load_texts(corpora_dir / "clickbait/news.jsonl", 300)
    click = load_texts(corpora_dir / "clickbait/clickbait.jsonl", 300)
    entries, sections = run_context(make_ctx(news, click), families=["properties", "duplication", "bias"])
    tested = [e for e in entries if e.p_value is not None]
    assert len({e.family for e in tested}) >= 2
    q = stats.false_discovery_control([e.p_value for e in tested], method="bh")
    assert [e.p_adjusted for e in tested] == pytest.approx(q.tolist())
    assert all(e.p_adjusted < 0.05 for e in tested if e.verdict in ("warn", "fail"))
    shown = {t["metric"]: t["p_adjusted"] for t in sections["properties"]["tests"]}
    assert all(shown[e.name] == e.p_adjusted for e in tested if e.name in shown)


# -- the verdict rule on real-vs-real splits -------------------------------------------------------------
@pytest.mark.slow
def test_verdict_false_positive_rate_on_real_vs_real_splits(make_ctx, corpora_dir):
    """Random halves of one real corpus are the same distribution: across 6 splits of two corpora and
    every row of the fast families, at most 2% of verdicts may be warn/fail (the rule asks for a gap
    beyond twice the noise floor, non-overlapping CIs, a threshold and BH, so it should be ~0)."""
    flagged, total, seen = 0, 0, []
    sources = [load_texts(corpora_dir / "clickbait/news_mixed.jsonl"),
               load_texts(corpora_dir / "fastdetect/xsum_gpt-4/real.jsonl")
               + load_texts(corpora_dir / "fastdetect/writing_gpt-4/real.jsonl")]
    for texts in sources:
        for seed in range(3):
            t = list(texts)
            random.Random(seed).shuffle(t)
            half = len(t) // 2
            entries, _ = run_context(make_ctx(t[:half], t[half:], seed=seed),
                                     families=["properties", "diversity", "duplication", "bias"])
            judged = [e for e in entries if e.verdict in ("ok", "warn", "fail")]
            bad = [(e.name, e.reason) for e in judged if e.verdict in ("warn", "fail")]
            flagged += len(bad)
            total += len(judged)
            seen += bad
    assert total > 150
    assert flagged / total <= 0.02, seen
