"""Regenerate the multilingual test corpora in this folder (deterministic; needs the dev extra's Faker).

    PYTHONPATH=. python tests/data/multilingual/make_corpora.py

The texts are Faker's locale word lists strung into sentences (word salad in a real language: enough
for language identification, tokenisation and the language-mismatch checks, not for semantics). The
committed files are what the tests read; Faker versions may word things differently, so regenerate only
on purpose. Faker is MIT-licensed; its word lists come from its own locale providers.
"""
from __future__ import annotations

import json
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
N = 80


def paragraphs(locale: str, seed: int, n: int = N) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [fake.paragraph(nb_sentences=4, variable_nb_sentences=True) for _ in range(n)]


def write(name: str, texts: list[str]) -> None:
    with open(HERE / name, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": f"{name.split('.')[0]}-{i}", "text": t}, ensure_ascii=False) + "\n")


def main() -> None:
    write("zh_real.jsonl", paragraphs("zh_CN", 1))
    write("en_synth.jsonl", paragraphs("en_US", 2))
    write("de_real.jsonl", paragraphs("de_DE", 3))
    write("de_synth.jsonl", paragraphs("de_DE", 4))
    write("ru_real.jsonl", paragraphs("ru_RU", 5))
    ru, en = paragraphs("ru_RU", 6), paragraphs("en_US", 7)
    write("ru_synth_mixed.jsonl", [en[i] if i % 5 in (1, 3) else ru[i] for i in range(N)])  # 40% English
    mixed = {loc: paragraphs(loc, 10 + k) for k, loc in enumerate(("en_US", "de_DE", "ru_RU", "zh_CN"))}
    write("mixed_real.jsonl", [mixed[loc][i] for i in range(N // 4) for loc in mixed])
    mixed = {loc: paragraphs(loc, 20 + k) for k, loc in enumerate(("en_US", "de_DE", "ru_RU", "zh_CN"))}
    write("mixed_synth.jsonl", [mixed[loc][i] for i in range(N // 4) for loc in mixed])


if __name__ == "__main__":
    main()
