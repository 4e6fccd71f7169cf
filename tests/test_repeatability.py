"""Issue 17 item 16: the audit depends on the corpora's content, never on the order of their records."""
import json
import random
import shutil

from audit.cli import main
from audit.context import build_context
from audit.documents import Document
from audit.sampling import content_order
from tests.test_cli import FAST, ROOT_SAMPLE


def _docs(texts):
    return [Document(id=f"d{i}", text=t, source="mem", line=i + 1) for i, t in enumerate(texts)]


def test_content_order_ignores_position_and_follows_the_salt():
    docs = _docs([f"text number {i}" for i in range(50)])
    shuffled = list(docs)
    random.Random(3).shuffle(shuffled)
    a = [docs[i].text for i in content_order(docs, [0, 99])]
    b = [shuffled[i].text for i in content_order(shuffled, [0, 99])]
    assert a == b
    assert a != [docs[i].text for i in content_order(docs, [1, 99])]
    assert sorted(a) == sorted(d.text for d in docs)


def test_noise_floor_halves_do_not_depend_on_input_order():
    import numpy as np

    texts = [f"document {i} about {'cats' if i % 3 else 'dogs'}" for i in range(41)]
    docs = _docs(texts)
    shuffled = list(docs)
    random.Random(5).shuffle(shuffled)
    emb = np.zeros((41, 4), dtype=np.float32)
    one = build_context(docs, docs, emb, emb, seed=2)
    two = build_context(shuffled, shuffled, emb, emb, seed=2)
    assert sorted(one.real_a.texts) == sorted(two.real_a.texts)
    assert sorted(one.real_b.texts) == sorted(two.real_b.texts)
    assert len(one.real_a) == len(one.real_b) == 20
    assert not set(one.real_a.texts) & set(one.real_b.texts)


def test_both_files_shuffled_whole_corpus_in_sample_audits_identically(tmp_path, capsys):
    """200 documents per corpus, all of them in the sample: every value, verdict and section is equal."""
    outs = []
    for k, salt in enumerate((None, 1)):
        paths = []
        for name in ("real", "synth"):
            lines = (ROOT_SAMPLE / f"{name}.jsonl").read_text().splitlines()[:200]
            if salt is not None:
                random.Random(salt + len(name)).shuffle(lines)
            p = tmp_path / f"{name}{k}.jsonl"
            p.write_text("\n".join(lines) + "\n")
            paths.append(p)
        out = tmp_path / f"out{k}.json"
        code = main(["compare", str(paths[0]), str(paths[1]), "--json", str(out),
                     *FAST, "--no-cache"])
        assert code == 0, capsys.readouterr().err
        outs.append(json.loads(out.read_text()))
    a, b = outs
    assert a["inputs"]["real"]["sha256"] != b["inputs"]["real"]["sha256"]  # the files do differ
    for key in ("metrics", "sections", "summary", "gate", "settings"):
        assert a[key] == b[key], key
