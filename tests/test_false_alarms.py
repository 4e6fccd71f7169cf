"""A small version of benchmarks/false_alarms.py: real-vs-real splits must not raise flags.

Two corpora from tests/data (BBC news paragraphs, r/WritingPrompts stories), three seeds each, every
family. Nothing differs between the halves but chance, so a fail is a false alarm; the benchmark's
targets are at most 5% of runs with a fail and at most 1% of rows flagged.
"""
from pathlib import Path

from benchmarks.false_alarms import load_texts, split_runs, summarise

DATA = Path(__file__).resolve().parent / "data" / "fastdetect"


def test_real_vs_real_splits_raise_no_fail_and_few_flags():
    runs = []
    for corpus in ("xsum_gpt-4", "writing_gpt-4"):
        runs += split_runs(load_texts(DATA / corpus / "real.jsonl"), range(3))
    s = summarise(runs)
    assert s["runs"] == 6 and s["rows_judged"] > 200
    assert s["runs_with_fail"] == 0, s["examples"]
    assert s["rows_fail"] + s["rows_warn"] <= 0.01 * s["rows_judged"] + 1, s["examples"]
