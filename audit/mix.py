"""``audit mix``: how much synthetic data can this corpus take? The mixing curve.

The real sample is split (seeded) into a *reference* and a *pool*. For each synthetic share r, a mixture
of ``size`` documents is built from ``(1 - r) * size`` pool documents and ``r * size`` synthetic ones
(nested: a larger share keeps the smaller share's synthetic documents), and audited against the
reference with the pipeline's own ``build_context`` + ``run_context``. Share 0 is a real-vs-real
comparison, so a metric that leaves the band there is noise, not signal. Each share's audit splits the
reference into halves with its own seed, which gives the noise band several real-vs-real draws.

The answer, per metric: ``left_band_at``, the smallest share from which the metric stays outside the
real noise band on its bad side; the run's answer is the smallest such share among the diversity, tail
and bias metrics (``sections["mix"]["answer"]``).
"""
from __future__ import annotations

import numpy as np

from audit.documents import Document
from audit.errors import ConfigError
from audit.pipeline import AuditOptions, Progress, embed_docs, make_embedder, run_context
from audit.context import build_context
from audit.result import MetricEntry
from audit.trend import corpus_inputs, read_all, series, judge_all, settings
from audit.trend_result import TrendResult

DEFAULT_RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)
ANSWER_FAMILIES = ("diversity", "bias")


def parse_ratios(text: str) -> list[float]:
    """``"0,0.25,0.5"`` -> sorted distinct floats in [0, 1] (ConfigError otherwise)."""
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--ratios: expected comma-separated numbers in [0, 1], got {text!r}") from None
    if len(vals) < 3 or any(not 0 <= v <= 1 for v in vals) or len(set(vals)) != len(vals):
        raise ConfigError(f"--ratios: give at least three distinct shares in [0, 1] (got {text!r})")
    return sorted(vals)


def label(r: float) -> str:
    return f"{r:g}"


def mixtures(pool: list[Document], synth: list[Document], ratios: list[float], size: int,
             seed: int) -> list[np.ndarray]:
    """For each share, row indices into ``pool + synth`` (synthetic rows offset by ``len(pool)``)."""
    rng = np.random.default_rng([seed, 61])
    p_order, s_order = rng.permutation(len(pool)), rng.permutation(len(synth))
    out = []
    for i, r in enumerate(ratios):
        k = int(round(r * size))
        rows = np.concatenate([p_order[: size - k], len(pool) + s_order[:k]])
        out.append(np.random.default_rng([seed, 62, i]).permutation(rows))
    return out


def run_mix(real_path: str, synth_path: str, opts: AuditOptions, *, ratios=DEFAULT_RATIOS,
            size: int | None = None, progress: Progress | None = None) -> TrendResult:
    from audit.limits import MIX_SIZE, check_int

    progress = progress or Progress()
    opts.validate()
    if size is not None:
        check_int("--size", size, *MIX_SIZE)
    ratios = sorted(float(r) for r in ratios)
    real, synth = read_all([real_path, synth_path], ["real", "synthetic"], opts, progress)
    docs_r, docs_s = real.docs(), synth.docs()
    perm = np.random.default_rng([opts.seed, 60]).permutation(len(docs_r))
    half = len(perm) // 2
    ref_idx, pool_idx = np.sort(perm[:half]), np.sort(perm[half:2 * half])
    n = min(half, len(docs_s), size or half)
    if n < 40:
        raise ConfigError(f"audit mix needs at least 40 documents per mixture (got {n}: the real sample is "
                          "split into a reference and a pool, and each is split again for the noise band)")
    embedder = make_embedder(opts, progress)
    emb_r = embed_docs(embedder, docs_r, opts, progress, "real")
    emb_s = embed_docs(embedder, docs_s, opts, progress, "synthetic")
    ref_idx = ref_idx[:n]
    ref_docs, ref_emb = [docs_r[i] for i in ref_idx], emb_r[ref_idx]
    pool_docs, pool_emb = [docs_r[i] for i in pool_idx], emb_r[pool_idx]
    all_docs = pool_docs + docs_s
    all_emb = np.vstack([pool_emb, emb_s])
    rows: list[dict[str, MetricEntry] | None] = []
    for i, (r, idx) in enumerate(zip(ratios, mixtures(pool_docs, docs_s, ratios, n, opts.seed))):
        progress.step(f"Auditing the {label(r)} synthetic mixture")
        ctx = build_context(ref_docs, [all_docs[j] for j in idx], ref_emb, all_emb[idx], seed=opts.seed + i,
                            options=opts.metric_options)
        entries, _ = run_context(ctx, opts.families, None, opts.alpha)
        rows.append({e.name: e for e in entries})
        progress.done(f"Audited the {label(r)} mixture ({len(entries)} metrics)")
    labels = [label(r) for r in ratios]
    metrics = series(rows, labels, "real", lead_real=False)
    judge_all(metrics, labels, opts.alpha, start=0)
    first = {m.name: m.left_band_at for m in metrics if m.left_band_at is not None and m.family in ANSWER_FAMILIES}
    answer = min(first.items(), key=lambda kv: (float(kv[1]), kv[0])) if first else None
    section = {"ratios": ratios, "size": n, "reference_docs": n, "left_band_at": first,
               "answer": None if answer is None else {"ratio": float(answer[1]), "metric": answer[0]},
               "answer_families": list(ANSWER_FAMILIES)}
    extra = {"mixture_size": n, "ratios": ratios}
    return TrendResult("mix", labels, corpus_inputs([real, synth]), settings(opts, embedder, extra), metrics,
                       {"mix": section})
