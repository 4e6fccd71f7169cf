"""``audit trend``: audit every generation of a recursive synthetic chain, and judge each metric's trend.

Generation g is audited against the real corpus (every family, the same rows as ``audit compare``)
and, for the drift family, against generation g-1. The pieces are the pipeline's own: each corpus is
streamed once (``CorpusStats`` over every document + a bottom-k sample), embedded once through the
embedding cache, and every comparison is ``build_context`` + ``run_context``. Each generation's audit
splits the real sample into halves with its own seed (``seed + g``), so the run holds as many
independent real-vs-real noise draws as generations; ``audit.trend_result`` pools them into the band.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audit.context import CorpusStats, build_context
from audit.documents import Document
from audit.errors import ConfigError, InputError
from audit.pipeline import AuditOptions, Progress, embed_docs, library_versions, make_embedder, read_corpus, run_context
from audit.result import MetricEntry
from audit.sampling import BottomKSample
from audit.trend_result import TrendMetric, TrendResult, build_metric, finish, judge
from metrics.text import tokenize
from metrics.trend import tail_survival_by_band

PREVIOUS_FAMILIES = ("drift",)
MAP_POINTS = 200  # per generation


@dataclass
class Corpus:
    """One corpus of the chain: its label, file, whole-stream stats and sample (embedded lazily)."""

    label: str
    path: str
    sample: BottomKSample
    stats: CorpusStats
    report: dict[str, Any]
    ratio: float | None = None
    emb: np.ndarray | None = None

    def docs(self, n: int | None = None) -> list[Document]:
        return self.sample.documents(len(self.sample) if n is None else n)


def read_manifest(path: str) -> list[tuple[str, str, float | None]]:
    """A TOML or JSON manifest: ``[[corpus]]`` tables (JSON: a ``corpus`` list) with ``path``, optional
    ``label`` and ``ratio`` (the synthetic share that generation was trained on), real corpus first.
    Relative paths are relative to the manifest's folder."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    try:
        if p.suffix == ".json":
            import json

            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except ValueError as e:
        raise ConfigError(f"{path}: cannot parse the manifest ({str(e).splitlines()[0]})") from None
    items = data.get("corpus") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) < 2:
        raise ConfigError(f"{path}: needs a 'corpus' list of at least two entries (the real corpus first)")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise ConfigError(f"{path}: corpus entry {i + 1} needs a 'path' string")
        unknown = set(item) - {"path", "label", "ratio"}
        if unknown:
            raise ConfigError(f"{path}: corpus entry {i + 1}: unknown key {sorted(unknown)[0]!r}")
        ratio = item.get("ratio")
        if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, (int, float))
                                  or not 0 <= ratio <= 1):
            raise ConfigError(f"{path}: corpus entry {i + 1}: ratio must be a number in [0, 1]")
        label = str(item.get("label") or ("real" if i == 0 else f"gen{i}"))
        out.append((label, str(p.parent / item["path"]), None if ratio is None else float(ratio)))
    return out


def default_labels(paths: list[str]) -> list[str]:
    return ["real"] + [f"gen{i}" for i in range(1, len(paths))]


def read_all(paths: list[str], labels: list[str], opts: AuditOptions, progress: Progress,
             ratios: list[float | None] | None = None) -> list[Corpus]:
    out = []
    for i, (path, label) in enumerate(zip(paths, labels)):
        salt = 1 if i == 0 else 2  # the real corpus is sampled as `audit compare` samples REAL, the rest as SYNTH
        fmt = opts.real_format if i == 0 else opts.synth_format
        sample, stats, rep = read_corpus(path, fmt, opts, salt, progress)
        out.append(Corpus(label, path, sample, stats, rep.to_dict(), None if ratios is None else ratios[i]))
    return out


def _embed(c: Corpus, embedder, opts: AuditOptions, progress: Progress) -> np.ndarray:
    if c.emb is None:
        c.emb = embed_docs(embedder, c.docs(), opts, progress, c.label)
    return c.emb


def compare(ref: Corpus, other: Corpus, embedder, opts: AuditOptions, progress: Progress, *, seed: int,
            families) -> list[MetricEntry]:
    """The pipeline's audit of ``other`` against ``ref`` on equal-size samples (the same rows as compare)."""
    n = min(len(ref.sample), len(other.sample))
    # the n lowest priorities of a bottom-k sample are a prefix of its full order: slice the embeddings
    r_emb, o_emb = _embed(ref, embedder, opts, progress)[:n], _embed(other, embedder, opts, progress)[:n]
    ctx = build_context(ref.docs(n), other.docs(n), r_emb, o_emb, seed=seed, real_total=ref.stats.n_docs,
                        synth_total=other.stats.n_docs, real_stats=ref.stats, synth_stats=other.stats,
                        options=opts.metric_options)
    entries, _ = run_context(ctx, families, None, opts.alpha)
    return entries


def series(rows: list[dict[str, MetricEntry] | None], labels: list[str], against: str, *,
           lead_real: bool) -> list[TrendMetric]:
    """One TrendMetric per metric name, in the order the audits emitted them."""
    names: list[str] = []
    for r in rows:
        for name in (r or {}):
            if name not in names:
                names.append(name)
    out = []
    for name in names:
        entries = [None if r is None else r.get(name) for r in rows]
        out.append(build_metric(entries, labels, against=against, lead_real=lead_real))
    return out


def judge_all(metrics: list[TrendMetric], labels: list[str], alpha: float, start: int) -> None:
    """Trend tests, BH-adjusted over every judged metric, then each metric's verdict."""
    judged = []
    for m in metrics:
        if m.verdicts and all(v in (None, "info") for v in m.verdicts):
            m.trend, m.reason = "info", "shown for information; not judged"
            continue
        p = judge(m, start, labels)
        if p is not None and m.against == "real":
            judged.append((m, p))
        elif p is not None:
            m.p_adjusted = p
    if judged:
        from scipy.stats import false_discovery_control

        for (m, _), q in zip(judged, false_discovery_control([p for _, p in judged], method="bh")):
            m.p_adjusted = float(q)
    for m in metrics:
        if m.trend == "info":
            continue
        finish(m, alpha, start)
        if m.against == "previous" and m.trend != "insufficient":
            m.reason = f"change from the generation before ({m.reason}); shown, not judged"
            m.trend = "info"


def generation_map(corpora: list[Corpus], seed: int, per_corpus: int = MAP_POINTS) -> dict[str, Any]:
    """All generations in one 2-D PCA of their embeddings (cheap; the compare report has the UMAP map)."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng([seed, 17])
    picks, xs = [], []
    for g, c in enumerate(corpora):
        if c.emb is None or not len(c.emb):
            continue
        idx = np.sort(rng.choice(len(c.emb), size=min(per_corpus, len(c.emb)), replace=False))
        picks += [(g, int(i)) for i in idx]
        xs.append(c.emb[idx])
    if len(picks) < 5:
        return {"method": "none", "points": []}
    x = np.vstack(xs)
    xy = PCA(n_components=2, random_state=seed).fit_transform(x)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - lo) / np.where(hi - lo > 0, hi - lo, 1.0)
    docs = {g: corpora[g].docs() for g in {g for g, _ in picks}}
    points = [{"x": round(float(p[0]), 4), "y": round(float(p[1]), 4), "g": g, "id": docs[g][i].id,
               "text": docs[g][i].text[:160]} for (g, i), p in zip(picks, xy)]
    return {"method": "pca", "points": points, "per_generation": per_corpus}


def tail_bands(corpora: list[Corpus], opts: AuditOptions) -> dict[str, Any]:
    """Survival of the real corpus's words by real frequency band, per generation, at one word budget."""
    toks = [[tokenize(d.text) for d in c.docs()] for c in corpora]
    words = min(sum(sum(1 for t in doc if t[:1].isalnum()) for doc in tk) for tk in toks)
    budget = max(1, min(int(opts.metric_options.get("token_budget", 50_000)), words))
    rows = []
    for g, tk in enumerate(toks[1:], start=1):
        r = tail_survival_by_band(toks[0], tk, budget=budget, random_state=[opts.seed, 51])
        rows.append({"generation": corpora[g].label, **r.details})
    return {"budget_words": budget, "rows": rows}


def corpus_inputs(corpora: list[Corpus]) -> list[dict[str, Any]]:
    out = []
    for c in corpora:
        d = dict(c.report)
        d.update(label=c.label, path=c.path, n_documents=c.stats.n_docs, n_sampled=len(c.sample))
        if c.ratio is not None:
            d["ratio"] = c.ratio
        out.append(d)
    return out


def settings(opts: AuditOptions, embedder, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "embedder": embedder.name, "seed": opts.seed, "sample_size": opts.sample_size, "alpha": opts.alpha,
        "families": list(opts.families), "options": dict(sorted(opts.metric_options.items())),
        "noise_band": "real value +- 1.5 x the audits' noise floor (RMS over the run; about 3 sd) with the real "
                      "value's spread in quadrature (per-corpus); real-vs-real mean + 3 sd, at least the widest "
                      "real-vs-real split (pairwise)",
        "trend_test": "one-sided Mann-Kendall (exact when no ties), Benjamini-Hochberg over metrics; "
                      "Theil-Sen slope",
        "versions": library_versions(), **extra,
    }


def run_trend(paths: list[str], opts: AuditOptions, *, labels: list[str] | None = None,
              ratios: list[float | None] | None = None, previous: bool = True,
              progress: Progress | None = None) -> TrendResult:
    """Audit ``paths[1:]`` (generations in order) against ``paths[0]`` (the real corpus), and judge trends."""
    progress = progress or Progress()
    opts.validate()
    if len(paths) < 3:
        raise ConfigError("audit trend needs the real corpus and at least two generations")
    labels = labels or default_labels(paths)
    if len(set(labels)) != len(labels):
        raise ConfigError(f"generation labels must be distinct (got {', '.join(labels)})")
    corpora = read_all(paths, labels, opts, progress, ratios)
    embedder = make_embedder(opts, progress)
    real = corpora[0]
    vs_real: list[dict[str, MetricEntry] | None] = [None]
    vs_prev: list[dict[str, MetricEntry] | None] = [None]
    prev_fams = tuple(f for f in PREVIOUS_FAMILIES if f in opts.families) if previous else ()
    for g, gen in enumerate(corpora[1:], start=1):
        progress.step(f"Auditing {gen.label} against {real.label}")
        entries = compare(real, gen, embedder, opts, progress, seed=opts.seed + g, families=opts.families)
        vs_real.append({e.name: e for e in entries})
        progress.done(f"Audited {gen.label} ({len(entries)} metrics)")
        if prev_fams and g >= 2:
            prev = compare(corpora[g - 1], gen, embedder, opts, progress, seed=opts.seed + 1000 + g,
                           families=prev_fams)
            vs_prev.append({e.name: e for e in prev if e.kind == "pairwise"})
        elif prev_fams:
            vs_prev.append({n: e for n, e in vs_real[1].items() if e.family in prev_fams and e.kind == "pairwise"})
    metrics = series(vs_real, labels, "real", lead_real=True)
    if prev_fams:
        metrics += series(vs_prev, labels, "previous", lead_real=False)
    judge_all(metrics, labels, opts.alpha, start=1)
    sections = {"tail_bands": tail_bands(corpora, opts)}
    if opts.make_map:
        sections["map"] = generation_map(corpora, opts.seed)
    extra = {"compared_with_previous": list(prev_fams)}
    return TrendResult("trend", labels, corpus_inputs(corpora), settings(opts, embedder, extra), metrics, sections)


def resolve_inputs(corpora: list[str], manifest: str | None) -> tuple[list[str], list[str], list[float | None] | None]:
    """Paths, labels and ratios from the command line (files in order) or a manifest."""
    if manifest:
        if corpora:
            raise ConfigError("give either corpus files or --manifest, not both")
        items = read_manifest(manifest)
        ratios = [r for _, _, r in items]
        return [p for _, p, _ in items], [lbl for lbl, _, _ in items], (ratios if any(r is not None for r in ratios) else None)
    for p in corpora:
        if not os.path.exists(p):
            raise InputError(f"{p}: no such file")
    return list(corpora), default_labels(corpora), None
