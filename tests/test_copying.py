"""Copying real -> synthetic: exact, near, semantic, 13-gram spans, DCR and the data-copying test C_T."""
import difflib

import numpy as np
import pytest
from sklearn.datasets import make_moons

from metrics.copying import exact_copy_rate, ngram_copy_rate
from metrics.copying_distance import data_copying_score, dcr_copy_rate
from metrics.duplication import hash_counts
from metrics.duplication_near import jaccard, near_copy_rate, shingles
from metrics.duplication_semantic import semantic_copy_rate
from metrics.text import tokenize
from tests.conftest import load_texts


@pytest.fixture
def pair(corpora_dir):
    d = corpora_dir / "fastdetect" / "xsum_gpt-4"
    return load_texts(d / "real.jsonl", 60), load_texts(d / "synth.jsonl", 60)


def _unit(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --- exact ---------------------------------------------------------------------------------------------
def test_exact_copy_rate_identical_is_one_and_hand_case(pair):
    real, synth = pair
    assert exact_copy_rate(real, hash_counts(real)).value == 1.0
    r = exact_copy_rate(["  HELLO world", "new"], hash_counts(["hello World", "x"]), synth_ids=["s0", "s1"])
    assert r.value == 0.5 and r.details["examples"][0]["synth_id"] == "s0"
    assert exact_copy_rate(synth, hash_counts(real)).value == 0.0


def test_exact_copy_within_reference_needs_a_second_copy():
    ref = hash_counts(["a", "a", "b"])
    assert exact_copy_rate(["a", "b"], ref, within_reference=True).value == 0.5
    with pytest.raises(ValueError, match="empty"):
        exact_copy_rate([], ref)


# --- 13-gram spans ---------------------------------------------------------------------------------------
def test_ngram_span_planted_and_located(pair):
    real, synth = pair
    src = real[5].split()
    span = " ".join(src[10:40])  # 30 words copied into a synthetic doc
    doc = "Zebra quartz vortex. " + span + " Xylophone umbra gnome."
    synth2 = synth[:20] + [doc]
    r = ngram_copy_rate([tokenize(t) for t in real], [tokenize(t) for t in synth2],
                        real_texts=real, synth_texts=synth2, real_ids=[f"h{i}" for i in range(60)])
    ex = r.details["examples"][0]
    assert ex["real_id"] == "h5" and ex["synth_id"] == "20"
    want = len(tokenize(span))
    assert ex["span_tokens"] >= want  # the span may extend by a shared punctuation token
    s0, s1 = ex["synth_span"]
    assert tokenize(ex["synth_text"][s0:s1]) == tokenize(ex["real_text"][slice(*ex["real_span"])])
    assert span.casefold()[:20] in ex["synth_text"][s0:s1].casefold()


def test_ngram_longest_span_matches_difflib(pair):
    real, synth = pair
    rt = [tokenize(t) for t in real[:10]]
    rng = np.random.default_rng(0)
    st = []
    for k in range(10):  # splice pieces of real docs of random length into fresh text
        a = rt[k]
        i, L = int(rng.integers(0, len(a) - 40)), int(rng.integers(5, 40))
        st.append(["fresh", f"w{k}"] + a[i:i + L] + ["tail", "xyz"])
    r = ngram_copy_rate(rt, st, n=13, max_examples=50)
    got = {int(e["synth_id"]): e["span_tokens"] for e in r.details["examples"]}
    for k, s in enumerate(st):
        best = max(difflib.SequenceMatcher(None, s, a, autojunk=False).find_longest_match(
            0, len(s), 0, len(a)).size for a in rt)
        assert got.get(k, 0) == (best if best >= 13 else 0)
    assert r.value == pytest.approx(sum(1 for k in got) / 10)


def test_ngram_copy_identical_and_unrelated(pair):
    real, synth = pair
    rt, st = [tokenize(t) for t in real], [tokenize(t) for t in synth]
    assert ngram_copy_rate(rt, rt).value == pytest.approx(1 - sum(len(t) < 13 for t in rt) / len(rt))
    assert ngram_copy_rate(rt, [["unrelated"] * 3 + [f"w{i}" for i in range(30)]]).value == 0.0
    with pytest.raises(ValueError, match="empty"):
        ngram_copy_rate(rt, [])


# --- near / semantic -----------------------------------------------------------------------------------
def test_near_copy_planted_with_exact_jaccard(pair):
    real, synth = pair
    rt, st = [tokenize(t) for t in real], [tokenize(t) for t in synth]
    planted = list(rt[3])
    planted[len(planted) // 2] = "qqqq"
    r = near_copy_rate(rt, st + [planted], real_texts=real, synth_texts=synth + ["p"], random_state=0)
    assert r.details["copied_docs"] == 1
    ex = r.details["examples"][0]
    assert (ex["synth_id"], ex["real_id"]) == (str(len(st)), "3")
    assert ex["similarity"] == pytest.approx(jaccard(shingles(rt[3]), shingles(planted)), abs=1e-4)
    assert near_copy_rate(rt, rt, random_state=0).value == 1.0


def test_semantic_copy_matches_brute_force():
    rng = np.random.default_rng(0)
    real = _unit(rng.standard_normal((300, 16)))
    synth = _unit(np.vstack([rng.standard_normal((100, 16)), real[:20] + 0.05 * rng.standard_normal((20, 16))]))
    best = (synth @ real.T).max(axis=1)
    r = semantic_copy_rate(real, synth, threshold=0.95)
    assert r.value == pytest.approx(np.mean(best >= 0.95)) and r.value > 0
    assert r.details["examples"][0]["similarity"] == pytest.approx(best.max(), abs=1e-4)


# --- DCR ----------------------------------------------------------------------------------------------
def test_dcr_no_copying_is_about_quantile_and_copying_is_high():
    rng = np.random.default_rng(0)
    ref, hold, synth = (_unit(rng.standard_normal((n, 8))) for n in (2000, 2000, 2000))
    r = dcr_copy_rate(ref, hold, synth)
    assert 0.03 < r.value < 0.07 and r.p_value > 0.01
    assert len(r.details["histogram"]["synth"]) == len(r.details["histogram"]["edges"]) - 1 == 30
    assert sum(r.details["histogram"]["holdout"]) == 2000
    copied = dcr_copy_rate(ref, hold, ref[:1000])
    assert copied.value == 1.0 and copied.p_value < 1e-10
    perm = rng.permutation(2000)
    assert dcr_copy_rate(ref, hold, synth[perm]).value == r.value


def test_dcr_rejects_nan():
    x = np.ones((4, 3), np.float32)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dcr_copy_rate(x, x, bad)


# --- data-copying test C_T (Meehan et al. 2020) -----------------------------------------------------------
def _moons_case(sigma, seed=0):
    rng = np.random.default_rng(seed)
    train, _ = make_moons(2000, noise=0.2, random_state=seed + 1)
    test, _ = make_moons(1000, noise=0.2, random_state=seed + 2)
    gen = train[rng.integers(0, 2000, 1000)] + rng.normal(0, sigma, (1000, 2))  # KDE samples
    return train, test, gen


@pytest.mark.parametrize("sigma, lo, hi", [(0.001, -19.0, -15.5), (0.03, -5.0, -2.0), (0.1, -2.0, 2.0),
                                           (0.5, 4.0, 8.0)])
def test_c_t_moons_reference_values(sigma, lo, hi):
    # REFERENCE.md: sigma .001 -> -17.4, .03 -> -3.5, .1 -> ~0, .5 -> +5.9 (k = 5 cells)
    r = data_copying_score(*_moons_case(sigma), n_cells=5, random_state=0)
    assert lo < r.value < hi
    assert r.details["cells_used"] == 5


def test_c_t_is_order_free_and_deterministic():
    train, test, gen = _moons_case(0.03)
    a = data_copying_score(train, test, gen, n_cells=5, random_state=4)
    perm = np.random.default_rng(0).permutation(len(gen))
    assert data_copying_score(train, test, gen[perm], n_cells=5, random_state=4).value == pytest.approx(a.value)
    assert data_copying_score(train, test, gen, n_cells=5, random_state=4).details == a.details


def test_c_t_too_few_generated_is_nan_with_warning():
    train, test, gen = _moons_case(0.1)
    r = data_copying_score(train, test, gen[:10], n_cells=5, random_state=0)
    assert r.value is None and r.warnings
