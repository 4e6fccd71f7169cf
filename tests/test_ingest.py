"""Reading corpus files: formats, compression, text-field detection, rejected records and fatal errors."""
import gzip
import hashlib
import json
import os
import types

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from audit.documents import Document
from audit.errors import InputError
from audit.ingest import IngestReport, open_corpus, read_corpus

RECORDS = [{"id": "a", "text": "first doc"}, {"id": "b", "text": "second doc"}, {"id": "c", "text": "third"}]
TEXTS = [r["text"] for r in RECORDS]


def compress(data: bytes, compression: str | None) -> bytes:
    if compression == "gz":
        return gzip.compress(data)
    if compression == "zst":
        return zstandard.ZstdCompressor().compress(data)
    return data


def write(tmp_path, name: str, data: bytes | str, compression: str | None = None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = tmp_path / (name + (f".{compression}" if compression else ""))
    path.write_bytes(compress(data, compression))
    return path


def jsonl(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def parquet_bytes(records) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(records), sink, row_group_size=2)
    return sink.getvalue().to_pybytes()


def read_all(path, **kwargs):
    docs, report = open_corpus(path, **kwargs)
    return list(docs), report


def one_text(tmp_path, record, **kwargs) -> str:
    docs, _ = read_all(write(tmp_path, "one.jsonl", jsonl([record])), **kwargs)
    assert len(docs) == 1
    return docs[0].text


# --- formats and compression ---------------------------------------------------------------------------

FORMAT_FILES = {
    "jsonl": ("c.jsonl", jsonl(RECORDS).encode()),
    "ndjson": ("c.ndjson", jsonl(RECORDS).encode()),
    "json": ("c.json", json.dumps(RECORDS).encode()),
    "json_wrapped": ("c.json", json.dumps({"version": 2, "data": RECORDS}).encode()),
    "csv": ("c.csv", b"id,text\na,first doc\nb,second doc\nc,third\n"),
    "tsv": ("c.tsv", b"id\ttext\na\tfirst doc\nb\tsecond doc\nc\tthird\n"),
    "parquet": ("c.parquet", parquet_bytes(RECORDS)),
}


@pytest.mark.parametrize("compression", [None, "gz", "zst"])
@pytest.mark.parametrize("kind", sorted(FORMAT_FILES))
def test_every_format_and_compression_reads_the_same_documents(tmp_path, kind, compression):
    name, data = FORMAT_FILES[kind]
    path = write(tmp_path, name, data, compression)
    docs, report = read_all(path)
    assert [d.text for d in docs] == TEXTS
    assert [d.id for d in docs] == ["a", "b", "c"]
    assert all(d.source == str(path) for d in docs)
    assert report.compression == {None: None, "gz": "gzip", "zst": "zstd"}[compression]
    assert report.format == {"ndjson": "jsonl", "json_wrapped": "json"}.get(kind, kind)
    assert report.text_field == "text"
    assert (report.n_records, report.n_documents, report.rejected) == (3, 3, {})
    stored = path.read_bytes()
    assert report.sha256 == hashlib.sha256(stored).hexdigest()
    assert report.size_bytes == len(stored)


@pytest.mark.parametrize("compression", [None, "gz", "zst"])
def test_txt_is_one_document_per_line_and_skips_blank_lines(tmp_path, compression):
    path = write(tmp_path, "c.txt", "first doc\n\nsecond doc\r\n   \nthird", compression)
    docs, report = read_all(path)
    assert [d.text for d in docs] == TEXTS
    assert [d.line for d in docs] == [1, 3, 5]
    assert [d.id for d in docs] == ["1", "3", "5"]
    assert report.text_field == "line"
    assert report.n_records == 3


def test_line_numbers_are_physical_lines_or_record_indices(tmp_path):
    docs, _ = read_all(write(tmp_path, "c.jsonl", "\n" + json.dumps({"text": "x"}) + "\n\n" + json.dumps({"text": "y"})))
    assert [(d.id, d.line) for d in docs] == [("2", 2), ("4", 4)]
    docs, _ = read_all(write(tmp_path, "c.json", json.dumps([{"text": "x"}, {"text": "y"}], indent=2)))
    assert [(d.id, d.line) for d in docs] == [("1", 1), ("2", 2)]
    docs, _ = read_all(write(tmp_path, "c.parquet", parquet_bytes([{"text": t} for t in "abcde"])))
    assert [d.line for d in docs] == [1, 2, 3, 4, 5]  # across row groups of 2


def test_csv_quoted_newlines_keep_the_row_start_line(tmp_path):
    data = 'id,text\nr1,"two\nlines"\nr2,plain\n\nr3,"a ""quoted"" word"\n'
    docs, _ = read_all(write(tmp_path, "c.csv", data))
    assert [(d.id, d.line, d.text) for d in docs] == [
        ("r1", 2, "two\nlines"), ("r2", 4, "plain"), ("r3", 6, 'a "quoted" word')]


def test_csv_long_field_beyond_the_default_csv_limit(tmp_path):
    long = "word " * 40000
    docs, _ = read_all(write(tmp_path, "c.csv", f"text\n{long}\n"))
    assert docs[0].text == long


def test_ids_come_from_id_then__id_then_uid_else_line(tmp_path):
    records = [{"id": 7, "text": "a"}, {"_id": "x", "text": "b"}, {"uid": "u", "text": "c"}, {"text": "d"}]
    docs, _ = read_all(write(tmp_path, "c.jsonl", jsonl(records)))
    assert [d.id for d in docs] == ["7", "x", "u", "4"]
    assert all(isinstance(d, Document) and d.metadata == {} for d in docs)


def test_format_is_forced_with_fmt_and_compression_sniffed(tmp_path):
    path = write(tmp_path, "corpus.data", jsonl(RECORDS))
    docs, report = read_all(path, fmt="jsonl")
    assert [d.text for d in docs] == TEXTS and report.format == "jsonl"
    docs, report = read_all(write(tmp_path, "plain.jsonl", gzip.compress(jsonl(RECORDS).encode())))
    assert [d.text for d in docs] == TEXTS and report.compression == "gzip"
    docs, report = read_all(write(tmp_path, "c.txt", jsonl(RECORDS), "gz"), fmt="jsonl")
    assert [d.text for d in docs] == TEXTS and (report.format, report.compression) == ("jsonl", "gzip")


def test_zst_with_several_frames(tmp_path):
    c = zstandard.ZstdCompressor()
    data = c.compress(jsonl(RECORDS[:2]).encode()) + c.compress(jsonl(RECORDS[2:]).encode())
    docs, _ = read_all(write(tmp_path, "c.jsonl.zst", data))
    assert [d.text for d in docs] == TEXTS


def test_parquet_reads_only_text_and_id_columns(tmp_path, monkeypatch):
    path = write(tmp_path, "c.parquet", parquet_bytes([dict(r, blob="x" * 10) for r in RECORDS]))
    seen = []
    original = pq.ParquetFile.iter_batches

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("columns"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    docs, _ = read_all(path)
    assert [d.text for d in docs] == TEXTS
    assert seen == [["id", "text"]]


def test_parquet_chat_column_of_structs(tmp_path):
    records = [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}]
    docs, report = read_all(write(tmp_path, "c.parquet", parquet_bytes(records)), roles=["assistant"])
    assert docs[0].text == "hello" and report.text_field == "messages[assistant]"


# --- text field detection ------------------------------------------------------------------------------

@pytest.mark.parametrize("record, text, template", [
    ({"text": "t", "content": "c"}, "t", "text"),
    ({"content": "c", "document": "d"}, "c", "content"),
    ({"document": "d"}, "d", "document"),
    ({"prompt": "P", "response": "R"}, "P\n\nR", "prompt+response"),
    ({"prompt": "P", "completion": "C"}, "P\n\nC", "prompt+completion"),
    ({"instruction": "I", "input": "X", "output": "O"}, "I\n\nX\n\nO", "instruction+input+output"),
    ({"instruction": "I", "input": "", "output": "O"}, "I\n\nO", "instruction+input+output"),
    ({"instruction": "I", "output": "O"}, "I\n\nO", "instruction+input+output"),
    ({"text": None, "content": "c"}, "c", "content"),
    ({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                   {"role": "assistant", "content": "A"}]}, "system: S\nuser: U\nassistant: A", "messages"),
    ({"conversations": [{"from": "human", "value": "U"}, {"from": "gpt", "value": "A"}]},
     "user: U\nassistant: A", "conversations"),
])
def test_detection_order_and_templates(tmp_path, record, text, template):
    docs, report = read_all(write(tmp_path, "c.jsonl", jsonl([record])))
    assert docs[0].text == text
    assert report.text_field == template and report.templates == {template: 1}


def test_chat_documents_carry_their_template(tmp_path):
    docs, _ = read_all(write(tmp_path, "c.jsonl", jsonl([{"messages": [{"role": "user", "content": "u"}]}])))
    assert docs[0].metadata == {"template": "messages"}


CHAT = {"messages": [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
                     {"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A2"}]}
SHAREGPT = {"conversations": [{"from": "human", "value": "Q1"}, {"from": "gpt", "value": "A1"}]}


def test_roles_filter_keeps_only_those_turns(tmp_path):
    assert one_text(tmp_path, CHAT, roles=["assistant"]) == "A1\nA2"
    assert one_text(tmp_path, CHAT, roles=["user", "assistant"]) == "user: Q1\nassistant: A1\nuser: Q2\nassistant: A2"
    assert one_text(tmp_path, SHAREGPT, roles=["assistant"]) == "A1"
    assert one_text(tmp_path, SHAREGPT, roles=["gpt"]) == "A1"
    assert one_text(tmp_path, SHAREGPT, roles=["user"]) == "Q1"
    _, report = read_all(write(tmp_path, "c.jsonl", jsonl([SHAREGPT])), roles=["assistant"])
    assert report.text_field == "conversations[assistant]"


def test_roles_filter_applies_to_prompt_response_and_alpaca(tmp_path):
    assert one_text(tmp_path, {"prompt": "P", "response": "R"}, roles=["assistant"]) == "R"
    assert one_text(tmp_path, {"instruction": "I", "input": "X", "output": "O"}, roles=["user"]) == "I\n\nX"


def test_chat_content_parts_and_null_turns(tmp_path):
    record = {"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
                           {"role": "assistant", "content": None, "tool_calls": []},
                           {"role": "assistant", "content": "c"}]}
    assert one_text(tmp_path, record) == "user: a\nb\nassistant: c"


def test_text_field_dotted_path_and_list_index(tmp_path):
    record = {"meta": {"body": "B"}, "messages": [{"role": "user", "content": "first"}], "text": "T"}
    assert one_text(tmp_path, record, text_field="meta.body") == "B"
    assert one_text(tmp_path, record, text_field="messages.0.content") == "first"
    docs, report = read_all(write(tmp_path, "c.jsonl", jsonl([record])), text_field="meta.body")
    assert report.text_field == "meta.body"


def test_text_field_on_csv_columns_and_literal_dotted_column(tmp_path):
    docs, report = read_all(write(tmp_path, "c.csv", "id,meta.body,text\n1,B,T\n"), text_field="meta.body")
    assert docs[0].text == "B" and report.text_field == "meta.body"


def test_csv_detection_uses_column_names(tmp_path):
    docs, report = read_all(write(tmp_path, "c.csv", "instruction,input,output\ndo,,done\n"))
    assert docs[0].text == "do\n\ndone" and report.text_field == "instruction+input+output"


def test_mixed_templates_report_the_most_common(tmp_path):
    records = [{"text": "a"}, {"prompt": "p", "response": "r"}, {"prompt": "p", "completion": "c"},
               {"prompt": "p2", "response": "r2"}]
    _, report = read_all(write(tmp_path, "c.jsonl", jsonl(records)))
    assert report.text_field == "prompt+response"
    assert report.templates == {"text": 1, "prompt+response": 2, "prompt+completion": 1}


# --- rejected records ----------------------------------------------------------------------------------

BAD_JSONL = (
    b'{"text": "good one"}\n'          # 1
    b'{"text": broken\n'                # 2 bad_json
    b'\n'                               # 3 blank: skipped, not counted
    b'["a list"]\n'                     # 4 not_an_object
    b'{"body": "no text field"}\n'      # 5 missing_field
    b'{"text": "   "}\n'                # 6 empty_text
    b'{"text": "caf\xe9"}\n'            # 7 bad_utf8 (latin-1 byte)
    b'{"text": 42}\n'                   # 8 bad_field_type
    b'{"prompt": "only a prompt"}\n'    # 9 missing_field
    b'{"id": "last", "text": "good two"}\n'  # 10
)


@pytest.mark.parametrize("compression", [None, "gz", "zst"])
def test_bad_records_are_counted_with_file_and_line_and_skipped(tmp_path, compression):
    path = write(tmp_path, "bad.jsonl", BAD_JSONL, compression)
    docs, report = read_all(path)
    assert [(d.id, d.line, d.text) for d in docs] == [("1", 1, "good one"), ("last", 10, "good two")]
    assert report.rejected == {"bad_json": 1, "not_an_object": 1, "missing_field": 2, "empty_text": 1,
                               "bad_utf8": 1, "bad_field_type": 1}
    assert [(e["file"], e["line"], e["reason"]) for e in report.rejected_examples] == [
        (str(path), 2, "bad_json"), (str(path), 4, "not_an_object"), (str(path), 5, "missing_field"),
        (str(path), 6, "empty_text"), (str(path), 7, "bad_utf8"), (str(path), 8, "bad_field_type"),
        (str(path), 9, "missing_field")]
    assert "0xe9" in report.rejected_examples[4]["detail"]
    assert "response" in report.rejected_examples[6]["detail"]
    assert (report.n_records, report.n_documents) == (9, 2)
    assert json.loads(json.dumps(report.to_dict())) == report.to_dict()


def test_reject_details_read_as_sentences(tmp_path):
    """Python's JSON messages that end in "at" get the place right after them (not "starting at at column"),
    and a known text field that is null is named as such, not as missing."""
    data = (b'{"text": "unterminated}\n' b'{"text": "tab\there"}\n' b'{"id": 1, "text": null}\n'
            b'{"prompt": "p", "response": null}\n' b'{"text": "fine"}\n')
    _, report = read_all(write(tmp_path, "d.jsonl", data))
    assert [(e["reason"], e["detail"]) for e in report.rejected_examples] == [
        ("bad_json", "Unterminated string starting at column 10"),  # the opening quote
        ("bad_json", "Invalid control character at column 14"),  # the tab
        ("missing_field", "'text' is null (keys: id, text)"),
        ("missing_field", "'response' is null (keys: prompt, response)")]


def test_examples_stop_at_twenty_but_counts_go_on(tmp_path):
    data = jsonl([{"text": "ok"}]) + "{bad\n" * 30
    _, report = read_all(write(tmp_path, "c.jsonl", data))
    assert report.rejected == {"bad_json": 30}
    assert len(report.rejected_examples) == 20 and report.rejected_examples[-1]["line"] == 21


def test_strict_raises_on_the_first_rejected_record(tmp_path):
    path = write(tmp_path, "bad.jsonl", BAD_JSONL)
    docs, _ = open_corpus(path, strict=True)
    assert next(docs).text == "good one"
    with pytest.raises(InputError, match=rf"^{path}:2: bad_json \(Expecting value"):
        next(docs)


def test_csv_bad_rows_and_bad_utf8(tmp_path):
    data = b"id,text\n1,good\n2,too,many\n3\n4,caf\xe9\n5,fine\n"
    path = write(tmp_path, "c.csv", data)
    docs, report = read_all(path)
    assert [d.id for d in docs] == ["1", "5"]
    assert report.rejected == {"bad_row": 2, "bad_utf8": 1}
    assert [(e["line"], e["reason"]) for e in report.rejected_examples] == [(3, "bad_row"), (4, "bad_row"),
                                                                           (5, "bad_utf8")]
    assert report.rejected_examples[0]["detail"] == "expected 2 fields, got 3"


def test_json_array_non_objects_are_rejected_by_index(tmp_path):
    docs, report = read_all(write(tmp_path, "c.json", json.dumps([{"text": "a"}, "str", 3, {"text": ""}])))
    assert [d.text for d in docs] == ["a"]
    assert [(e["line"], e["reason"]) for e in report.rejected_examples] == [
        (2, "not_an_object"), (3, "not_an_object"), (4, "empty_text")]


def test_roles_filter_leaving_nothing_is_empty_text(tmp_path):
    records = [CHAT, {"messages": [{"role": "user", "content": "only user"}]}]
    docs, report = read_all(write(tmp_path, "c.jsonl", jsonl(records)), roles=["assistant"])
    assert len(docs) == 1 and report.rejected == {"empty_text": 1}
    assert "roles" in report.rejected_examples[0]["detail"]


# --- fatal errors ---------------------------------------------------------------------------------------

def fatal(path, match, **kwargs):
    """The error is raised by open_corpus, before iteration, as one line."""
    with pytest.raises(InputError, match=match) as info:
        open_corpus(path, **kwargs)
    assert "\n" not in str(info.value)


def fatal_at_end(path, match, **kwargs):
    docs, _ = open_corpus(path, **kwargs)
    with pytest.raises(InputError, match=match) as info:
        list(docs)
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fatal("real.jsonl", r"^real\.jsonl: no such file$")
    (tmp_path / "dir.jsonl").mkdir()
    fatal("dir.jsonl", r"^dir\.jsonl: is a directory")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path):
    path = write(tmp_path, "c.jsonl", jsonl(RECORDS))
    path.chmod(0)
    try:
        fatal(path, r"permission denied$")
    finally:
        path.chmod(0o644)


def test_permission_denied_when_open_fails(tmp_path, monkeypatch):
    import audit.formats
    import audit.ingest

    path = write(tmp_path, "c.jsonl", jsonl(RECORDS))

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(audit.ingest, "open_input", deny)  # the one place a corpus file is opened
    fatal(path, rf"^{path}: permission denied$")


def test_unknown_format_and_bad_format_value(tmp_path):
    path = write(tmp_path, "notes.docx", "x")
    fatal(path, r"notes\.docx: unknown format \(extension '\.docx'\); accepted: .*\.jsonl.*--format")
    fatal(write(tmp_path, "README", "x"), r"unknown format \(no extension\)")
    fatal(path, r"unknown --format 'xml'; accepted: jsonl, json, csv, tsv, parquet, txt", fmt="xml")


def test_gz_that_is_not_gzip_and_truncated_gzip(tmp_path):
    fatal(write(tmp_path, "c.jsonl.gz", jsonl(RECORDS)), r"c\.jsonl\.gz: not a gzip file")
    fatal(write(tmp_path, "c.jsonl.zst", jsonl(RECORDS)), r"c\.jsonl\.zst: not a zstd file")
    big = jsonl([{"text": f"doc {i} " + "x" * 50} for i in range(5000)]).encode()
    truncated = write(tmp_path, "t.jsonl.gz", gzip.compress(big)[:-5000])
    fatal_at_end(truncated, r"t\.jsonl\.gz: corrupt gzip data")


def test_not_parquet_and_not_json(tmp_path):
    fatal(write(tmp_path, "c.parquet", jsonl(RECORDS)), r"c\.parquet: not a Parquet file$")
    fatal(write(tmp_path, "c.parquet", jsonl(RECORDS), "gz"), r"c\.parquet\.gz: not a Parquet file$")
    fatal(write(tmp_path, "c.json", "hello"), r"c\.json: not JSON \(starts with")
    fatal(write(tmp_path, "e.json", ""), r"e\.json: not JSON \(empty file\)")
    fatal_at_end(write(tmp_path, "l.json", jsonl(RECORDS)), r"l\.json: not valid JSON .*--format jsonl")
    fatal_at_end(write(tmp_path, "b.json", '[{"text": "a"},'), r"b\.json: not valid JSON \(")
    fatal_at_end(write(tmp_path, "s.json", '{"a": [], "b": []}'), r"s\.json: expected a JSON array")


def test_text_field_matching_no_record(tmp_path):
    fatal_at_end(write(tmp_path, "c.jsonl", jsonl(RECORDS)), r"^.*c\.jsonl: --text-field 'body' matches no "
                 r"record \(3 records; keys seen: id, text\)$", text_field="body")
    fatal_at_end(write(tmp_path, "c.csv", "id,text\n1,a\n"), r"c\.csv: --text-field 'body' matches no column "
                 r"\(columns: id, text\)", text_field="body")
    fatal_at_end(write(tmp_path, "c.parquet", parquet_bytes(RECORDS)), r"matches no column", text_field="body")


def test_no_usable_document_is_raised_at_the_end_with_counts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "synth.jsonl", '{bad\n{"text": ""}\n[}\n')
    docs, report = open_corpus("synth.jsonl")
    with pytest.raises(InputError) as info:
        list(docs)
    assert str(info.value) == "synth.jsonl: no usable document (3 rejected: 2 bad_json, 1 empty_text)"
    assert report.rejected == {"bad_json": 2, "empty_text": 1}


def test_no_usable_document_hints_at_text_field(tmp_path):
    fatal_at_end(write(tmp_path, "c.jsonl", jsonl([{"body": "x"}, {"body": "y"}])),
                 r"no usable document \(2 rejected: 2 missing_field\); no known text field "
                 r"\(keys seen: body\); pick one with --text-field")
    fatal_at_end(write(tmp_path, "c.csv", "id,body\n1,x\n"), r"no text column found \(columns: id, body\)")


@pytest.mark.parametrize("name, data", [("e.jsonl", ""), ("e.txt", "\n\n"), ("e.csv", "id,text\n")])
def test_empty_corpus(tmp_path, name, data):
    fatal_at_end(write(tmp_path, name, data), r"no usable document \(no records\)")


def test_text_field_does_not_apply_to_txt(tmp_path):
    fatal(write(tmp_path, "c.txt", "a\n"), r"--text-field does not apply to txt", text_field="body")


# --- streaming, laziness, inputs untouched --------------------------------------------------------------

def test_read_corpus_is_lazy_and_fills_the_given_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stream = read_corpus("missing.jsonl")
    assert isinstance(stream, types.GeneratorType)  # nothing checked until iterated
    with pytest.raises(InputError, match="no such file"):
        next(stream)
    path = write(tmp_path, "c.jsonl", jsonl(RECORDS))
    report = IngestReport(path="", format="")
    stream = read_corpus(path, report=report)
    assert report.n_records == 0
    assert next(stream).text == "first doc"
    assert (report.n_records, report.n_documents) == (1, 1)
    list(stream)
    assert report.n_documents == 3 and report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_stream_reads_incrementally(tmp_path):
    n = 50_000
    path = write(tmp_path, "big.jsonl", jsonl({"text": f"document number {i}"} for i in range(n)), "gz")
    docs, report = open_corpus(path)
    first = [next(docs) for _ in range(3)]
    assert [d.line for d in first] == [1, 2, 3]
    assert report.n_records < n  # not everything was parsed to give the first documents
    docs.close()  # closing early still hashes the whole stored file
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_input_files_are_not_modified(tmp_path):
    paths = [write(tmp_path, "c.jsonl", BAD_JSONL), write(tmp_path, "c.csv", FORMAT_FILES["csv"][1], "zst")]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    for p in paths:
        list(read_corpus(p))
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths} == before
    assert sorted(os.listdir(tmp_path)) == ["c.csv.zst", "c.jsonl"]


def test_truncated_zst_is_one_line_error(tmp_path):
    big = jsonl([{"text": f"doc {i} " + "y" * 50} for i in range(5000)]).encode()
    path = write(tmp_path, "t.jsonl.zst", zstandard.ZstdCompressor().compress(big)[:-3000])
    fatal_at_end(path, r"t\.jsonl\.zst: corrupt zstd data")
