"""An offline, deterministic model-collapse simulator, for tests and the demo.

A word n-gram (Markov) model is fitted on a real corpus; it samples the next generation (as many
documents as the real corpus has) at a chosen temperature; the next model is fitted on that, and so on.

* ``mode="replace"``: each model is fitted on the previous generation only (the real data is thrown
  away after the first round). Rare words that a generation happens not to use can never come back, so
  the tail vanishes (Shumailov et al., Nature 2024).
* ``mode="accumulate"``: each model is fitted on the real corpus plus every generation so far
  (Gerstgrasser et al., "Is model collapse inevitable?", 2024): the real counts never leave the pool, so
  the drift stays bounded.

Also the Gaussian refit chain of the reference: fit mean and ML variance on M samples, draw M new ones,
repeat; E[sigma_n^2] = sigma_0^2 ((M-1)/M)^n and the variance collapses.
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

BOS, EOS = "\x02", "\x03"
MARKER = "# corpus-audit simulated chain:"
# Its own units, not metrics.text's: this generator keeps case and must glue its tokens back into text
# (detokenize), and the demo's simulated chains were made with it; nothing here is measured with it.
_TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}%'\"")


def tokenize(text: str) -> list[str]:
    """Words (keeping their case and inner apostrophes) and single punctuation marks."""
    return _TOKEN.findall(text)


def detokenize(tokens: Sequence[str]) -> str:
    out: list[str] = []
    for t in tokens:
        if out and t not in _NO_SPACE_BEFORE and out[-1] not in "([{":
            out.append(" ")
        out.append(t)
    return "".join(out)


class NgramModel:
    """Counts of the next token after each context of ``order`` tokens (documents padded with BOS/EOS).

    Counts add, so a model of real + synthetic data is the sum of the two models' counts.
    """

    def __init__(self, order: int = 2):
        if order < 1:
            raise ValueError(f"order must be >= 1 (got {order})")
        self.order = order
        self.counts: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
        self.max_len = 1
        self._tables: dict[tuple[str, ...], tuple[list[str], np.ndarray]] = {}

    def fit(self, texts: Iterable[str]) -> "NgramModel":
        for text in texts:
            toks = tokenize(text)
            if not toks:
                continue
            self.max_len = max(self.max_len, len(toks))
            seq = [BOS] * self.order + toks + [EOS]
            for i in range(self.order, len(seq)):
                ctx, nxt = tuple(seq[i - self.order:i]), seq[i]
                row = self.counts[ctx]
                row[nxt] = row.get(nxt, 0) + 1
        self._tables.clear()
        return self

    def _table(self, ctx: tuple[str, ...], temperature: float) -> tuple[list[str], np.ndarray]:
        t = self._tables.get(ctx)
        if t is None:
            row = self.counts[ctx]
            words = sorted(row)  # sorted: the same model samples the same text whatever the fit order
            w = np.array([row[x] for x in words], dtype=float) ** (1.0 / temperature)
            t = self._tables[ctx] = (words, np.cumsum(w / w.sum()))
        return t

    def sample(self, n_docs: int, *, temperature: float = 1.0, seed=0) -> list[str]:
        """``n_docs`` documents; at temperature T a next token is drawn with probability ∝ count^(1/T).

        T = 1 samples the fitted distribution; T < 1 sharpens it (the common words win more often).
        A document ends at EOS or at the longest training document's length.
        """
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0 (got {temperature})")
        if not self.counts:
            raise ValueError("the model has not been fitted on any non-empty text")
        if self._tables and getattr(self, "_temperature", None) != temperature:
            self._tables.clear()
        self._temperature = temperature
        rng = np.random.default_rng(seed)
        docs = []
        while len(docs) < n_docs:
            ctx = (BOS,) * self.order
            toks: list[str] = []
            while len(toks) < self.max_len:
                words, cum = self._table(ctx, temperature)
                nxt = words[min(int(np.searchsorted(cum, rng.random(), side="right")), len(words) - 1)]
                if nxt == EOS:
                    break
                toks.append(nxt)
                ctx = ctx[1:] + (nxt,)
            if toks:
                docs.append(detokenize(toks))
        return docs


def collapse_chain(real_texts: Sequence[str], generations: int, *, mode: str = "replace", order: int = 2,
                   temperature: float = 1.0, seed: int = 0) -> list[list[str]]:
    """The synthetic generations 1..``generations`` (each as many documents as ``real_texts``).

    ``mode``: "replace" (fit on the previous generation) or "accumulate" (fit on real + all generations).
    Deterministic: the same arguments give the same texts.
    """
    if mode not in ("replace", "accumulate"):
        raise ValueError(f"mode must be 'replace' or 'accumulate' (got {mode!r})")
    if generations < 1:
        raise ValueError(f"generations must be >= 1 (got {generations})")
    n = len(real_texts)
    pool = NgramModel(order).fit(real_texts)
    out: list[list[str]] = []
    for g in range(1, generations + 1):
        gen = pool.sample(n, temperature=temperature, seed=[seed, g])
        out.append(gen)
        if mode == "replace":
            pool = NgramModel(order).fit(gen)
        else:
            pool.fit(gen)  # counts add: real + every generation so far
    return out


def gaussian_chain(n_samples: int, generations: int, *, sigma: float = 1.0, seed: int = 0) -> list[float]:
    """ML variances of a Gaussian refitted on its own samples: ``[sigma^2, s_1^2, ..., s_G^2]``.

    Each generation draws ``n_samples`` points from N(mu_{g-1}, s_{g-1}^2) and refits mu and the ML
    variance (divisor M). E[s_g^2] = sigma^2 ((M-1)/M)^g (Shumailov et al., Nature 2024).
    """
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 (got {n_samples})")
    rng = np.random.default_rng(seed)
    mu, var = 0.0, sigma ** 2
    out = [var]
    for _ in range(generations):
        x = rng.normal(mu, np.sqrt(var), n_samples)
        mu, var = float(x.mean()), float(x.var())
        out.append(var)
    return out


def write_jsonl(path: str | Path, texts: Sequence[str], prefix: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": f"{prefix}-{i}", "text": t}, ensure_ascii=False) + "\n")


def write_chain(real_path: str, out_dir: str, generations: int, *, mode: str = "replace", order: int = 2,
                temperature: float = 1.0, seed: int = 0) -> Path:
    """Simulate a chain from a real JSONL/CSV/... corpus and write ``gen<i>.jsonl`` files and a
    ``manifest.toml`` (real corpus first) that ``audit trend --manifest`` reads. Returns the manifest."""
    import os

    from audit.ingest import read_corpus

    out = Path(out_dir)
    manifest = out / "manifest.toml"
    ours = manifest.is_file() and manifest.read_text(encoding="utf-8", errors="replace").startswith(MARKER)
    clash = [p for p in [manifest, *(out / f"gen{g}.jsonl" for g in range(1, generations + 1))] if p.exists()]
    if clash and not ours:  # never overwrite what the user put there
        from audit.errors import ConfigError

        raise ConfigError(f"{clash[0]}: exists and was not written by the simulator; choose another --out")
    real = [d.text for d in read_corpus(real_path)]
    lines = [f"{MARKER} {mode} chain, {generations} generations, order-{order} n-gram model, temperature {temperature}, "
             f"seed {seed}", "", "[[corpus]]", 'label = "real"', f"path = {json.dumps(os.path.relpath(real_path, out))}"]
    for g, texts in enumerate(collapse_chain(real, generations, mode=mode, order=order, temperature=temperature,
                                             seed=seed), start=1):
        write_jsonl(out / f"gen{g}.jsonl", texts, f"{mode}-g{g}")
        lines += ["", "[[corpus]]", f'label = "gen{g}"', f'path = "gen{g}.jsonl"']
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m audit.simulate",
                                description="Simulate recursive training on a real corpus (model collapse).")
    p.add_argument("real", help="the real corpus (any format audit reads)")
    p.add_argument("--out", required=True, help="folder for gen<i>.jsonl and manifest.toml")
    p.add_argument("--generations", type=int, default=5)
    p.add_argument("--mode", choices=("replace", "accumulate"), default="replace")
    p.add_argument("--order", type=int, default=2, help="n-gram context length (default 2: a trigram model)")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    from audit.errors import AuditError

    try:
        manifest = write_chain(a.real, a.out, a.generations, mode=a.mode, order=a.order,
                               temperature=a.temperature, seed=a.seed)
    except (AuditError, ValueError) as e:
        print(f"simulate: error: {e}", file=sys.stderr)
        return 2
    print(manifest)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
