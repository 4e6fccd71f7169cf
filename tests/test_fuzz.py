"""Fuzzing the boundaries (issue 17): the readers and the result loader, with hypothesis.

The property is the project's rule for bad input: every input either gives documents (or a result) or one
``InputError``; never another exception. ``make test`` runs a bounded budget (``FUZZ_EXAMPLES``, default
150 per property); ``benchmarks/fuzz.py`` runs the same properties with a large budget and records it.
"""
import io
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.errors import AuditError
from audit.ingest import open_corpus
from audit.result import AuditResult
from audit.textsafe import clean

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("FUZZ_RANDOM") != "1",
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# JSON-ish fragments that have broken readers: surrogate escapes, huge numbers, deep nesting, control
# characters, odd keys, BOMs, bare values.
ATOMS = st.sampled_from([
    '"text"', '"x \\ud800 y"', '"\\udfff"', '"\\ud83d\\ude00"', "9" * 4400, "1e999", "-0", "NaN", "null",
    "true", "[]", "{}", '"\\u0000"', '"\\u001b[2J"', '"\u200b"', '"\u202e"', "[" * 50, "]" * 50, ",", ":",
    '"messages"', '"role"', '"content"', '{"a":', "\ufeff", '"\\u00ff"',
])
LINES = st.one_of(
    st.lists(ATOMS, max_size=8).map(" ".join),
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                           st.text(max_size=20)),
                 lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
                     st.sampled_from(["text", "id", "messages", "role", "content", "prompt", "response", "x"]),
                     kids, max_size=4), max_leaves=12).map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
)
GOOD = '{"id": "g", "text": "a good document"}'


def _read(data: bytes, suffix: str, **kw):
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            docs, rep = open_corpus(path, **kw)
            out = list(docs)
        except AuditError:
            return None, None
        for d in out:  # every document is valid Unicode, visible, and hashable
            d.text.encode("utf-8")
            d.id.encode("utf-8")
            assert d.text.strip()
        return out, rep
    finally:
        os.unlink(path)


@FUZZ
@given(st.lists(LINES, max_size=12), st.booleans())
def test_jsonl_reader_never_crashes(lines, strict):
    data = "\n".join([GOOD, *lines]).encode("utf-8", "surrogatepass")
    docs, rep = _read(data, ".jsonl", strict=strict)
    if docs is not None:
        assert rep.n_documents == len(docs) and rep.n_records >= len(docs)


@FUZZ
@given(st.lists(LINES, max_size=8))
def test_json_array_reader_never_crashes(items):
    data = ("[" + ",".join([GOOD, *items]) + "]").encode("utf-8", "surrogatepass")
    _read(data, ".json")


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".txt", ".parquet",
                                                 ".jsonl.gz", ".jsonl.zst"]))
def test_any_bytes_in_any_format_never_crash(data, suffix):
    _read(data, suffix)


@FUZZ
@given(st.lists(st.lists(st.text(max_size=12), max_size=4), max_size=8))
def test_csv_reader_never_crashes(rows):
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "text"])
    for r in rows:
        w.writerow(r)
    _read(buf.getvalue().encode("utf-8", "surrogatepass"), ".csv")


# -- the result loader --------------------------------------------------------------------------------
def _valid_result() -> dict:
    entry = {"family": "diversity", "name": "m", "title": "M", "description": "d", "better": "higher",
             "kind": "per_corpus", "verdict": "warn", "reason": "r", "real": 0.5, "synth": 0.4,
             "delta": -0.1, "ci": {"real": [0.4, 0.6]}, "details": {}, "warnings": []}
    return {"schema_version": "1.0", "tool": {"name": "corpus-audit"},
            "inputs": {"real": {"path": "r.jsonl", "n_documents": 30}}, "settings": {"seed": 0},
            "metrics": [entry], "sections": {}, "gate": None}


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
                           st.text(max_size=10),
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids,
                                                                                     max_size=3),
                           max_leaves=10)


@st.composite
def mutated_results(draw):
    data = _valid_result()
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(["top", "metric", "inputs", "gate"]))
        value = draw(JSON_VALUES)
        if target == "top":
            data[draw(st.sampled_from(list(data)))] = value
        elif target == "metric" and isinstance(data.get("metrics"), list) and data["metrics"] and \
                isinstance(data["metrics"][0], dict):
            key = draw(st.sampled_from(list(data["metrics"][0]) + ["scope", "support", "sample_size"]))
            if draw(st.booleans()):
                data["metrics"][0][key] = value
            else:
                data["metrics"][0].pop(key, None)
        elif target == "inputs":
            data["inputs"] = {"real": value}
        else:
            data["gate"] = {"status": "fail", "checks": value}
    return data


def _render_all(result: AuditResult) -> None:
    from rich.console import Console

    from reports.markdown import render_markdown
    from reports.terminal import render

    console = Console(file=io.StringIO(), width=100)
    render(result, console)
    render_markdown(result)


@FUZZ
@given(mutated_results())
def test_result_loader_accepts_or_refuses_in_one_line(data):
    try:
        result = AuditResult.from_dict(data)
    except AuditError as e:
        assert "\n" not in str(e)
        return
    _render_all(result)  # what the loader accepts, the renderers can show


@FUZZ
@given(st.binary(max_size=300))
def test_result_file_of_any_bytes_is_refused_in_one_line(raw):
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    try:
        AuditResult.load(path)
    except AuditError:
        pass
    finally:
        os.unlink(path)


@FUZZ
@given(st.text())
def test_clean_leaves_no_control_character(s):
    out = clean(s)
    assert "\x1b" not in out and "\u202e" not in out and all(c in "\t\n" or c.isprintable() or c == " "
                                                              or not (ord(c) < 32 or 127 <= ord(c) < 160)
                                                              for c in out)
