"""Unit tests of the HTML report: self-contained, escaped, complete, deterministic, tolerant of missing data."""
import json
import re

import pytest

from audit.pipeline import run_context
from audit.projection import corpus_map
from audit.result import AuditResult, MetricEntry
from reports.format import FAMILY_ORDER
from reports.html import render_html, script_json, split_span
from tests.conftest import ROOT, load_texts

INJECTED = "<script>window.__pwned=1</script><img src=x onerror=alert(1)> & </script>"


@pytest.fixture(scope="module")
def small_result():
    """A real AuditResult from 60+60 sample documents (fake embedder, PCA map), one carrying markup."""
    from audit.context import build_context
    from audit.embed import HashEmbedder
    from tests.conftest import docs_from_texts

    real = load_texts(ROOT / "sample_data" / "real.jsonl", 60)
    synth = load_texts(ROOT / "sample_data" / "synth.jsonl", 60)
    synth[0] = INJECTED + " " + real[0]  # a copy of a real document, so it is shown as a copied pair too
    synth[2] = synth[1]  # an exact duplicate within the synthetic corpus
    emb = HashEmbedder()
    ctx = build_context(docs_from_texts(real, "real"), docs_from_texts(synth, "synth"),
                        emb.encode(real), emb.encode(synth), seed=0)
    entries, sections = run_context(ctx)
    sections["map"] = corpus_map(ctx, random_state=0, method="pca")
    inputs = {side: {"path": f"{side}.jsonl", "n_documents": 60, "n_records": 61, "n_sampled": 60,
                     "sha256": "ab" * 32, "size_bytes": 12345, "format": "jsonl", "text_field": "text",
                     "rejected": {"empty_text": 1},
                     "rejected_examples": [{"file": f"{side}.jsonl", "line": 7, "reason": "empty_text", "detail": ""}]}
              for side in ("real", "synth")}
    settings = {"embedder": "hash-64", "seed": 0, "sample_size": 5000, "compared_docs_per_corpus": 60}
    return AuditResult(inputs=inputs, settings=settings, metrics=entries, sections=sections)


@pytest.fixture(scope="module")
def page(small_result):
    return render_html(small_result)


def test_self_contained(page):
    low = page.lower()
    for bad in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http", "url(//",
                'src="//', 'href="//', "<link", "<iframe", "fetch(", "xmlhttprequest"):
        assert bad not in low, bad
    assert "sourceMappingURL" not in page
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert "<!-- corpus-audit report -->" in page[:4096]  # how the CLI recognises its own files


def test_corpus_text_is_escaped(page, small_result):
    # exactly our three script elements: the data block, Chart.js, the report script
    assert page.count("<script") == 3
    assert "window.__pwned" in page  # the text is there...
    assert "<script>window.__pwned" not in page  # ...never as markup
    assert "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    data = re.search(r'<script type="application/json" id="audit-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data and ">" not in data and "&" not in data
    parsed = json.loads(data)
    texts = parsed["map"]["synth"]["text"]
    assert any(t.startswith("<script>window.__pwned=1</script>") for t in texts)


def test_script_json_round_trips_and_cannot_close_the_block():
    data = {"t": "</script><!-- & \u2028 \u2029 >", "n": [1, 2.5, None]}
    out = script_json(data)
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(out) == data


def test_every_family_and_evidence_section_present(page, small_result):
    for fam in FAMILY_ORDER:
        assert f'id="family-{fam}"' in page
        assert f'href="#family-{fam}"' in page
    for anchor in ("summary", "map", "inputs", "ev-copied-pairs", "ev-dup-clusters", "ev-topics", "ev-lengths"):
        assert f'id="{anchor}"' in page, anchor
    for m in small_result.metrics:  # one row per metric, with its help text
        assert f'id="m-{m.name}"' in page
    assert page.count('<details class="help">') == len(small_result.metrics)


def test_headline_links_to_rows_and_rejects_are_listed(page, small_result):
    for m in small_result.headline(limit=8):
        assert f'href="#m-{m.name}"' in page
    assert "real.jsonl:7" in page and "empty_text" in page
    assert "abababababab" in page  # sha256, short


def test_duplicate_clusters_and_copied_pairs_shown(page, small_result):
    assert small_result.sections["duplicate_clusters"]["exact"]["synth"]  # the fixture's duplicate
    assert re.search(r"documents</strong> in the synthetic corpus · found as exact(, near)?(, semantic)? duplicates",
                     page)
    assert small_result.sections["copied_pairs"]
    assert page.count('<article class="pair"') == min(20, len(small_result.sections["copied_pairs"]))


def test_map_has_every_point(page, small_result):
    data = json.loads(re.search(r'id="audit-data">(.*?)</script>', page, re.S).group(1))
    n = len(data["map"]["real"]["x"]) + len(data["map"]["synth"]["x"])
    assert n == len(small_result.sections["map"]["points"]) > 0


def test_deterministic_and_same_from_json(page, small_result):
    assert render_html(small_result) == page
    again = AuditResult.from_dict(json.loads(small_result.to_json()))
    assert render_html(again) == page  # `audit render result.json` gives the same page


def test_copied_pair_span_highlighted():
    assert split_span("abcdef", [1, 3]) == ("a", "bc", "def")
    assert split_span("abc", [2, 9]) is None and split_span("abc", None) is None
    pair = {"kind": "ngram", "real_id": "r1", "synth_id": "s1", "similarity": 0.5, "span_tokens": 3,
            "real_text": "x <b>shared words here</b> y", "real_span": [2, 26],
            "synth_text": "shared words here", "synth_span": [0, 17]}
    page = render_html(_minimal(sections={"copied_pairs": [pair]}))
    assert "<mark>&lt;b&gt;shared words here&lt;/b&gt;</mark>" in page
    assert "<mark>shared words here</mark>" in page


def _minimal(metrics=None, sections=None, gate=None):
    metrics = metrics if metrics is not None else [MetricEntry(
        family="duplication", name="x_rate", title="X rate", description="d", better="lower", kind="per_corpus",
        verdict="fail", reason="because", real=0.1, synth=0.5, delta=0.4)]
    return AuditResult(inputs={}, settings={}, metrics=metrics, sections=sections or {}, gate=gate)


def test_missing_and_unknown_data_render_gracefully():
    odd = MetricEntry(family="newfamily", name="odd_score", title="Odd <i>", description="", better="higher",
                      kind="pairwise", verdict="warn", reason="", value=None, details={"nested": {"a": [1, 2]}})
    page = render_html(_minimal(metrics=[odd], sections={"future_thing": {"k": "<b>v</b>"}, "map": {"points": []}}))
    assert 'id="family-newfamily"' in page and 'id="m-odd_score"' in page
    assert "Odd &lt;i&gt;" in page
    assert 'id="sec-future_thing"' in page and "&lt;b&gt;v&lt;/b&gt;" in page
    for fam in FAMILY_ORDER:  # families with no metric still get a section saying so
        assert f'id="family-{fam}"' in page
    assert 'id="map"' not in page  # no points, no empty map
    empty = render_html(_minimal(metrics=[]))
    assert "Nothing is flagged" in empty


def test_gate_shown_with_checks():
    gate = {"status": "fail", "checks": [{"metric": "x_rate", "op": "<=", "threshold": 0.2, "status": "fail",
                                          "why": "0.5 > 0.2"}]}
    page = render_html(_minimal(gate=gate))
    assert 'id="gate"' in page and "0.5 &gt; 0.2" in page and 'href="#m-x_rate"' in page
    assert 'id="gate"' not in render_html(_minimal())


def test_size_is_bounded(page):
    assert len(page.encode()) < 1_500_000


# --- Jinja's compiled templates on disk (reports.html._bytecode_cache) ------------------------------------


def _uncached(monkeypatch, result) -> str:
    import reports.html as html

    with monkeypatch.context() as m:
        m.setattr(html, "_bytecode_cache", lambda: None)
        return render_html(result)


def _compiles(monkeypatch) -> list:
    """A list that gets one item per template Jinja compiles from source."""
    import jinja2

    seen = []
    real = jinja2.Environment.compile

    def spy(self, source, name=None, *a, **kw):
        seen.append(name)
        return real(self, source, name, *a, **kw)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    return seen


def test_compiled_templates_are_kept_and_reused_with_the_same_page(small_result, monkeypatch, tmp_path):
    monkeypatch.setenv("CORPUS_AUDIT_HOME", str(tmp_path))
    plain = _uncached(monkeypatch, small_result)
    seen = _compiles(monkeypatch)
    first = render_html(small_result)
    assert "report.html.j2" in seen  # nothing kept yet: compiled, then written
    kept = sorted((tmp_path / "jinja").glob("*.cache"))
    assert len(kept) == len(set(seen))
    seen.clear()
    second = render_html(small_result)
    assert seen == []  # every template came from the folder
    assert first == second == plain


def test_a_damaged_or_unwritable_cache_never_changes_or_fails_the_page(small_result, monkeypatch, tmp_path):
    import jinja2.bccache

    monkeypatch.setenv("CORPUS_AUDIT_HOME", str(tmp_path))
    plain = _uncached(monkeypatch, small_result)
    render_html(small_result)
    files = sorted((tmp_path / "jinja").glob("*.cache"))
    assert files
    head = len(jinja2.bccache.bc_magic)  # Jinja's own header, which Jinja checks itself
    for i, f in enumerate(files):  # the header, then garbage; or cut right after it; or cut short; or empty
        data = f.read_bytes()
        f.write_bytes([data[:head] + b"\x80garbage", data[:head], data[: len(data) // 2], b""][i % 4])
    seen = _compiles(monkeypatch)
    assert render_html(small_result) == plain
    assert seen  # the damaged files were compiled again

    def full(*a, **kw):
        raise OSError(28, "No space left on device")

    for f in files:
        f.unlink()
    monkeypatch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", full)
    assert render_html(small_result) == plain
    assert list((tmp_path / "jinja").glob("*.cache")) == []


def test_no_cache_where_its_folder_cannot_be_made(small_result, monkeypatch, tmp_path):
    import reports.html as html

    (tmp_path / "home").write_text("a file, not a folder")
    monkeypatch.setenv("CORPUS_AUDIT_HOME", str(tmp_path / "home"))
    assert html._bytecode_cache() is None
    assert render_html(small_result) == _uncached(monkeypatch, small_result)


def test_a_tiny_p_value_reads_below_a_thousandth_never_zero(small_result):
    """A p-value under 0.001 shows as "<0.001" in the row table (the number filter rounds values under 1e-12
    to 0, float noise elsewhere, and a p-value of 0 would claim certainty); others keep three decimals."""
    from dataclasses import replace

    from reports.format import p_text

    assert [p_text(p) for p in (1.8e-16, 0.0, 0.00099, 0.001, 0.0312, None, float("nan"))] == [
        "<0.001", "<0.001", "<0.001", "0.001", "0.031", "–", "–"]
    rows = [m for m in small_result.metrics if m.verdict != "info"][:2]
    tiny = {rows[0].name: replace(rows[0], p_adjusted=1.8e-16, p_value=1e-17),
            rows[1].name: replace(rows[1], p_adjusted=None, p_value=0.0312)}
    metrics = [tiny.get(m.name, m) for m in small_result.metrics]
    page = render_html(replace(small_result, metrics=metrics))
    for name, shown in ((rows[0].name, "&lt;0.001"), (rows[1].name, "0.031")):
        row = re.search(rf'<tr[^>]*id="m-{re.escape(name)}".*?</tr>', page, re.S)
        assert row and f'<td class="n">{shown}</td>' in row.group(0), name
