"""Language identification over a batch (``identify_many``, ``metrics.langid_batch``) gives exactly the
answers of one text at a time (``identify``: py3langid's own ``classify``), label and confidence to the last
bit, and streaming a chunk through ``CorpusStats.add_many`` equals adding its documents one by one.
Texts: every text field of the repository's test corpora (English, Russian, mixed-language news, chat and
instruction data; tests/data, MIT, sources in its README) plus edge cases."""
import json
from pathlib import Path

from audit.context import CorpusStats
from audit.documents import Document
from metrics.language import LanguageMix, identify, identify_many

DATA = Path(__file__).parent / "data"


def _texts() -> list[str]:
    out = []
    for f in sorted(DATA.rglob("*.jsonl")):
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and isinstance(rec.get("text"), str):
                out.append(rec["text"])
    return out + ["", "123 456", "A", "ПРИВЕТ МИР", "你好，世界", "Ça va? ÉCOLE", "x" * 5000, " \n\t", "ابجد"]


def test_batch_equals_one_at_a_time():
    texts = _texts()
    assert len({identify(t)[0] for t in texts}) >= 5  # several languages among them
    one = [identify(t) for t in texts]
    for size in (1, 7, 1024):
        many = [r for i in range(0, len(texts), size) for r in identify_many(texts[i:i + size])]
        assert many == one, size


def test_stream_of_chunks_equals_document_by_document():
    docs = [Document(id=str(i), text=t) for i, t in enumerate(_texts()[:1500])]
    a, b = CorpusStats(), CorpusStats()
    notes = a.add_many(docs[:700]) + a.add_many(docs[700:])
    docs2 = [Document(id=d.id, text=d.text) for d in docs]
    assert notes == [b.add(d) for d in docs2]
    assert [d.metadata for d in docs] == [d.metadata for d in docs2]
    assert all(d.metadata["language"] == identify(d.text)[0] for d in docs)
    la, lb = a.extras["language"], b.extras["language"]
    assert (la.languages, la.uncertain, la.halves, la.examples) == (lb.languages, lb.uncertain, lb.halves, lb.examples)
    assert a.extras["defects"].counts == b.extras["defects"].counts
    assert (a.n_docs, a.n_chars, len(a.index)) == (b.n_docs, b.n_chars, len(b.index))
    one = LanguageMix()
    assert one.add_many(docs[:3]) == [{"language": identify(d.text)[0]} for d in docs[:3]]


def test_batch_keeps_py3langid_confidence_floor():
    """With py3langid's ``min_confidence`` set (the audit leaves it unset), a text below it is "und" with its
    confidence, in the batch as in ``classify``."""
    import copy

    from metrics.langid_batch import classify_many
    from metrics.language import identifier

    ident = copy.copy(identifier())
    ident.min_confidence = 0.9
    texts = [t[:300] for t in _texts() if any(c.isalpha() for c in t[:300])]
    one = [(str(lang), float(conf)) for lang, conf in (ident.classify(t) for t in texts)]
    assert 0 < sum(lang == "und" for lang, _ in one) < len(one)  # both sides of the floor
    assert classify_many(ident, texts) == one
