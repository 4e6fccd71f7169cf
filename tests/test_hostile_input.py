"""Issue 17: hostile input at the readers. Each test names the item of the fuzzing campaign it pins down."""
import gzip
import json
import os
import threading

import pytest

from audit.errors import InputError
from audit.fields import is_blank
from audit.ingest import open_corpus


def read_all(path, **kw):
    docs, report = open_corpus(str(path), **kw)
    return list(docs), report


def lines(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


GOOD = [{"id": str(i), "text": f"a good document number {i}"} for i in range(3)]


# item 1: an unpaired surrogate escape is a counted bad record, never a crash ---------------------------
@pytest.mark.parametrize("bad", ['{"text": "x \\ud800 y"}', '{"id": "\\udfff", "text": "fine"}',
                                 '{"text": "ok", "meta": {"\\ud83d": 1}}'])
def test_unpaired_surrogate_is_a_bad_record(tmp_path, bad):
    p = tmp_path / "s.jsonl"
    p.write_text(lines(*GOOD) + bad + "\n")
    docs, rep = read_all(p)
    assert len(docs) == 3 and rep.rejected == {"bad_utf8": 1}
    assert "surrogate" in rep.rejected_examples[0]["detail"]
    with pytest.raises(InputError, match=r"s\.jsonl:4: bad_utf8"):
        read_all(p, strict=True)


def test_a_surrogate_pair_is_a_character_not_an_error(tmp_path):
    p = tmp_path / "e.jsonl"
    p.write_text('{"text": "smile \\ud83d\\ude00"}\n')
    docs, rep = read_all(p)
    assert docs[0].text == "smile \U0001F600" and rep.n_rejected == 0


def test_unpaired_surrogate_in_a_json_array(tmp_path):
    p = tmp_path / "a.json"
    p.write_text('[{"text": "fine"}, {"text": "bad \\udc00"}]')
    docs, rep = read_all(p)
    assert [d.text for d in docs] == ["fine"] and rep.rejected == {"bad_utf8": 1}


# item 2: a number past Python's 4,300-digit int limit ---------------------------------------------------
def test_huge_json_number_is_a_bad_record(tmp_path):
    p = tmp_path / "n.jsonl"
    p.write_text(lines(*GOOD) + '{"text": "x", "n": ' + "9" * 5000 + "}\n")
    docs, rep = read_all(p)
    assert len(docs) == 3 and rep.rejected == {"bad_json": 1}
    assert "4300" in rep.rejected_examples[0]["detail"]
    arr = tmp_path / "n.json"
    arr.write_text('[{"text": "x", "n": ' + "9" * 5000 + "}]")
    with pytest.raises(InputError, match="not valid JSON"):
        read_all(arr)


# items 9, 10: pipes and FIFOs are read once, completely, and hashed on the way --------------------------
def read_piped(data: bytes, **kw):
    """Read ``data`` through an OS pipe (what ``<(cat file)`` gives), written by another thread."""
    r, w = os.pipe()
    t = threading.Thread(target=lambda: (os.write(w, data), os.close(w)))
    t.start()
    try:
        return read_all(f"/dev/fd/{r}", **kw)
    finally:
        t.join()
        os.close(r)


def test_piped_input_loses_nothing_and_is_hashed(tmp_path):
    import hashlib

    data = lines(*[{"text": f"document {i} " * 20} for i in range(240)]).encode()
    docs, rep = read_piped(data, fmt="jsonl")
    assert len(docs) == 240 and rep.n_rejected == 0
    assert rep.sha256 == hashlib.sha256(data).hexdigest() and rep.size_bytes == len(data)


def test_piped_gzip_is_detected_from_its_bytes_and_read_whole(tmp_path):
    data = gzip.compress(lines(*[{"text": f"doc {i}"} for i in range(500)]).encode())
    docs, _ = read_piped(data, fmt="jsonl")
    assert len(docs) == 500


def test_fifo_without_writer_does_not_hang(tmp_path, monkeypatch):
    import audit.formats

    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    monkeypatch.setattr(audit.formats, "FIFO_WAIT_S", 0.3)
    with pytest.raises(InputError, match="nothing written to this FIFO"):
        open_corpus(str(fifo))


def test_fifo_with_a_writer_is_read_once(tmp_path):
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    data = lines(*[{"text": f"doc {i}"} for i in range(100)])

    def writer():
        import time

        time.sleep(0.3)  # the reader is already waiting
        with open(fifo, "w") as f:
            f.write(data)

    t = threading.Thread(target=writer)
    t.start()
    docs, _ = read_all(fifo)
    t.join(10)
    assert len(docs) == 100 and not t.is_alive()


def test_devices_are_refused():
    with pytest.raises(InputError, match="is a device"):
        open_corpus("/dev/zero", fmt="txt")


# --max-doc-chars: a line without end is skipped in bounded memory --------------------------------------
def test_overlong_line_is_skipped_unread_and_counted(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("short one\n" + "x" * 50_000 + "\nshort two\n")
    docs, rep = read_all(p, max_doc_chars=1000)
    assert [d.text for d in docs] == ["short one", "short two"] and rep.rejected == {"too_long": 1}
    j = tmp_path / "long.jsonl"
    j.write_text(lines({"text": "y" * 900}, {"text": "fine"}))
    docs, rep = read_all(j, max_doc_chars=500)
    assert [d.text for d in docs] == ["fine"] and rep.rejected == {"too_long": 1}
    with pytest.raises(InputError, match="max-doc-chars"):
        open_corpus(str(j), max_doc_chars=0)


# item 19: zero-width-only text is empty; a chat role must be a string -----------------------------------
@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u00ad", "\x00\x01", "\u202e"])
def test_invisible_text_is_empty(tmp_path, text):
    assert is_blank(text)
    p = tmp_path / "z.jsonl"
    p.write_text(lines({"text": text}, *GOOD))
    docs, rep = read_all(p)
    assert len(docs) == 3 and rep.rejected == {"empty_text": 1}


@pytest.mark.parametrize("text", ["a", "\u200bword", "é", "日本"])
def test_visible_text_is_not_blank(text):
    assert not is_blank(text)


def test_a_dict_role_is_rejected(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text(lines({"messages": [{"role": {"x": 1}, "content": "hi"}]}, *GOOD))
    docs, rep = read_all(p)
    assert len(docs) == 3 and rep.rejected == {"bad_field_type": 1}
    assert "role is dict" in rep.rejected_examples[0]["detail"]


def test_every_reject_reason_is_in_the_error_table():
    """docs/errors.md lists every reason a record can be skipped for (it is what users look up)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = "".join((root / "audit" / f).read_text() for f in ("formats.py", "fields.py", "ingest.py"))
    reasons = set(re.findall(r'Reject\("(\w+)"', code)) | set(re.findall(r'_reject\([^)]*?"(\w+)",', code))
    table = (root / "docs" / "errors.md").read_text()
    assert {"bad_json", "bad_utf8", "too_long", "empty_text"} <= reasons
    assert not [r for r in reasons if f"`{r}`" not in table]


# the memory guard: a clear message instead of the kernel's kill ----------------------------------------
def test_memory_guard_stops_reading_with_a_message(tmp_path):
    from audit.limits import MemoryGuard, ResourceLimitError, current_rss

    assert current_rss() > 10 << 20  # a Python process with numpy is tens of MB
    p = tmp_path / "many.jsonl"
    p.write_text(lines(*[{"text": f"document {i}"} for i in range(5000)]))
    with pytest.raises(ResourceLimitError, match=r"over the limit of .* after 4,096 records of .*many\.jsonl"):
        read_all(p, max_memory=1 << 20)
    docs, _ = read_all(p, max_memory=0)  # 0: no limit
    assert len(docs) == 5000
    MemoryGuard(1 << 50).check("here")  # far above: nothing happens


def test_max_memory_on_the_command_line(tmp_path, capsys):
    from audit.cli import main

    p = tmp_path / "many.jsonl"
    p.write_text(lines(*[{"text": f"document {i}"} for i in range(5000)]))
    code = main(["compare", str(p), str(p), "--max-memory", "0.001", "--embedder", "hash", "--quiet", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2 and "--max-memory" in err and len(err.strip().splitlines()) == 1
