"""Issue 17: hostile input through the command line, outputs, cache and signals. One test per item."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audit.cache import EmbeddingCache, embed_with_cache
from audit.cli import main
from audit.embed import HashEmbedder
from audit.errors import InputError
from audit.outputs import SIDECAR, OutputError, check_outputs, is_ours, write_outputs
from audit.result import AuditResult

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--embedder", "hash", "--no-map", "--quiet", "--no-cache"]


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small(tmp_path):
    """25 + 25 documents: enough to run every family quickly."""
    paths = []
    for name in ("real", "synth"):
        rows = (ROOT / "sample_data" / f"{name}.jsonl").read_text().splitlines()[:25]
        p = tmp_path / f"{name}.jsonl"
        p.write_text("\n".join(rows) + "\n")
        paths.append(p)
    return paths


# item 3 and 6: every number is checked before the run --------------------------------------------------
@pytest.mark.parametrize("extra, needle", [
    (["--seed", "18446744073709552"], "--seed must be a whole number from 0 to 4,294,967,295"),
    (["--seed", "-1"], "--seed must be"),
    (["--sample-size", "10"], "--sample-size must be"),
    (["--max-doc-chars", "0"], "--max-doc-chars must be"),
    (["--option", "near_threshold=-1"], "option 'near_threshold' must be a number from 0.05 to 1"),
    (["--option", "minhash_perms=-1"], "option 'minhash_perms' must be a whole number from 16 to 4096"),
    (["--option", "token_budget=-1"], "token_budget"),
    (["--option", "clusters=-1"], "clusters"),
    (["--option", "shingle_size=-1"], "shingle_size"),
    (["--option", "bias_min_count=-1"], "bias_min_count"),
    (["--option", "clusters=2.5"], "whole number"),
    (["--option", "near_threshold=NaN"], "near_threshold"),
    (["--option", "near_threshold=abc"], "near_threshold"),
])
def test_bad_numbers_fail_fast_with_one_line(small, tmp_path, capsys, extra, needle):
    out = tmp_path / "o.json"
    code, _, err = run(["compare", *small, "--json", out, *FAST, *extra], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_options_in_the_config_are_checked_with_file_and_line(small, tmp_path, capsys):
    cfg = tmp_path / "audit.toml"
    cfg.write_text("[options]\nclusters = -1\n")
    code, _, err = run(["compare", *small, "--config", cfg, *FAST], capsys)
    assert code == 2 and "audit.toml:2" in err and "clusters" in err


def test_every_option_has_a_range():
    from audit.families import METRIC_OPTIONS
    from audit.limits import Option

    assert all(isinstance(v, Option) for v in METRIC_OPTIONS.values())


# item 4 and 11: markup and escape sequences from file names and field names never reach the terminal ----
def test_markup_and_escapes_in_names_are_shown_harmlessly(small, tmp_path, capsys):
    real, synth = small
    (tmp_path / "a[").mkdir()
    odd = tmp_path / "a[/x]b\x1b[2J.jsonl"  # the path holds the markup "[/x]"
    rows = real.read_text().splitlines()
    rows.append(json.dumps({"\x1b[2J\x1b[31mEVIL": "x"}))  # no text field: a skipped record naming its keys
    odd.write_text("\n".join(rows) + "\n")
    code = main(["compare", str(odd), str(synth), "--embedder", "hash", "--no-map", "--no-cache",
                 "--families", "properties"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "\x1b" not in out + err
    flat = out.replace("\n", "")  # rich wraps a long temp path (pytest-xdist's are longer) mid-name
    assert "\\x1b[2J\\x1b[31mEVIL" in flat  # shown, escaped, in the skipped-records list
    assert "a[/x]b" in flat
    code, _, err = run(["compare", tmp_path / "nope\x1b[2J.jsonl", synth, *FAST], capsys)
    assert code == 2 and "\x1b" not in err and "nope\\x1b[2J" in err


# item 5: one document per corpus ------------------------------------------------------------------------
def test_one_document_is_a_clear_error_and_no_warnings(small, tmp_path, capsys):
    one = tmp_path / "one.jsonl"
    one.write_text(small[0].read_text().splitlines()[0] + "\n")
    code, _, err = run(["compare", one, one, *FAST], capsys)
    assert code == 2 and "at least 2 per corpus" in err and "Warning" not in err


# item 7 and 8: deep configs, malformed results ----------------------------------------------------------
def test_deeply_nested_config_is_an_error(small, tmp_path, capsys):
    cfg = tmp_path / "deep.toml"
    cfg.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = run(["compare", *small, "--config", cfg, *FAST], capsys)
    assert code == 2 and "deep.toml" in err


@pytest.mark.parametrize("content, needle", [
    ('{"schema_version": "1.0", "metrics": "x"}', "metrics is not a list"),
    ('{"schema_version": "1.0", "metrics": [1]}', "metrics[0] is not an object"),
    ('{"schema_version": "1.0", "metrics": [{"name": "x"}]}', "lacks 'family'"),
    ('{"schema_version": "1.0", "metrics": [], "inputs": "s"}', "inputs is not an object"),
    ('{"schema_version": "1.0", "metrics": [], "gate": {"checks": [{}]}}', "gate.checks[0]"),
    (b'{"schema_version": "1.0", "metrics": [], "x": "\xff"}', "not UTF-8"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
@pytest.mark.parametrize("command", ["render", "gate", "diff"])
def test_malformed_result_is_one_line_exit_2(tmp_path, capsys, content, needle, command):
    p = tmp_path / "r.json"
    (p.write_bytes if isinstance(content, bytes) else p.write_text)(content)
    argv = {"render": ["render", p], "gate": ["gate", p, "--no-config"], "diff": ["diff", p, p]}[command]
    code, _, err = run(argv, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err


def test_hand_broken_sections_are_the_files_fault(small, tmp_path, capsys):
    good = tmp_path / "good.json"
    assert run(["compare", *small, "--json", good, *FAST, "--families", "properties"], capsys)[0] == 0
    data = json.loads(good.read_text())
    data["sections"] = {"map": "x", "properties": 7}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, _, err = run(["render", bad, "--html", tmp_path / "r.html", "--quiet"], capsys)
    assert code in (0, 2) and "internal error" not in err


# items 13, 14, 15: outputs ------------------------------------------------------------------------------
def test_same_file_for_two_outputs_is_refused_before_the_run(small, tmp_path, capsys):
    x = tmp_path / "out.x"
    code, _, err = run(["compare", *small, "--json", x, "--html", x, *FAST], capsys)
    assert code == 2 and "given to both --json and --html" in err and not x.exists()


def test_unwritable_output_fails_before_the_run(small, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    code, _, err = run(["compare", *small, "--json", blocker / "r.json", *FAST], capsys)
    assert code == 2 and "cannot be created" in err
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != ro)  # root may write anywhere
    code, _, err = run(["compare", *small, "--json", ro / "r.json", *FAST], capsys)
    assert code == 2 and "permission denied" in err and not (ro / "r.json").exists()


def test_a_failed_write_replaces_nothing_and_leaves_no_partial_set(tmp_path, monkeypatch):
    a, b = tmp_path / "a.json", tmp_path / "b.html"
    write_outputs([(str(a), "old a"), (str(b), "old b")])
    real_fsync = os.fsync
    calls = []

    def full_disk(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        write_outputs([(str(a), "new a"), (str(b), "new b")])
    assert a.read_text() == "old a" and b.read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([SIDECAR, "a.json", "b.html"])


def test_ownership_is_a_recorded_hash_never_a_substring(tmp_path):
    mine = tmp_path / "r.json"
    write_outputs([(str(mine), '{"tool": {"name": "corpus-audit"}}\n')])
    assert is_ours(mine)
    check_outputs([("--json", str(mine))], [], force=False)  # ours: replaced without --force
    theirs = tmp_path / "notes.md"
    theirs.write_text('<!-- corpus-audit -->\n"name": "corpus-audit"\n')
    assert not is_ours(theirs)
    with pytest.raises(Exception, match="--force"):
        check_outputs([("--markdown", str(theirs))], [], force=False)
    mine.write_text(mine.read_text() + "my edit\n")  # edited by the user since: theirs now
    assert not is_ours(mine)


def test_a_foreign_sidecar_is_left_alone(tmp_path):
    (tmp_path / SIDECAR).write_text("my own file\n")
    write_outputs([(str(tmp_path / "r.json"), "{}\n")])
    assert (tmp_path / SIDECAR).read_text() == "my own file\n"
    assert not is_ours(tmp_path / "r.json")


# item 12: a corrupt cache is moved aside and rebuilt, once ----------------------------------------------
@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "foreign", "directory"])
def test_corrupt_cache_is_moved_aside_and_rebuilt(tmp_path, damage):
    emb = HashEmbedder()
    texts = [f"text {i}" for i in range(30)]
    c = EmbeddingCache(tmp_path, emb.name)
    want = embed_with_cache(emb, texts, c)
    c.close()
    path = c.path
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:700])
    elif damage == "garbage":
        path.write_bytes(os.urandom(5000))
    elif damage == "flip":
        data = bytearray(path.read_bytes())
        for i in range(0, len(data), 97):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "foreign":
        path.unlink()
        import sqlite3

        db = sqlite3.connect(path)
        db.execute("CREATE TABLE emb (a TEXT)")
        db.commit()
        db.close()
    else:
        path.unlink()
        path.mkdir()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    c2 = EmbeddingCache(tmp_path, emb.name)
    got = embed_with_cache(emb, texts, c2)
    c2.close()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert len(c2.notes) == 1 and "moved it to" in c2.notes[0]
    assert any(".corrupt-" in p.name for p in tmp_path.iterdir())
    c3 = EmbeddingCache(tmp_path, emb.name)  # the rebuilt cache works, and says nothing more
    again = embed_with_cache(emb, texts, c3)
    assert c3.notes == [] and c3.hits == 30
    np.testing.assert_allclose(again, want, rtol=1e-6)


def test_cached_vector_of_the_wrong_length_is_recomputed(tmp_path):
    import sqlite3
    import zlib

    emb = HashEmbedder()
    texts = [f"text {i}" for i in range(5)]
    c = EmbeddingCache(tmp_path, emb.name)
    want = embed_with_cache(emb, texts, c)
    c.close()
    db = sqlite3.connect(c.path)
    short = np.ones(3, dtype=np.float32).tobytes()  # a valid checksum, the wrong size
    db.execute("UPDATE emb SET dim = 3, crc = ?, vec = ? WHERE rowid = 1", (zlib.crc32(short), short))
    db.commit()
    db.close()
    c2 = EmbeddingCache(tmp_path, emb.name)
    got = embed_with_cache(emb, texts, c2)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert c2.corrupt == 1


# item 18: SIGINT once the outputs are written exits 130 -------------------------------------------------
def test_sigint_during_shutdown_exits_130(tmp_path):
    code = ("import atexit, os, signal, sys, time\n"
            "import audit.cli as cli\n"
            "atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.5)))\n"
            "cli.main = lambda argv=None: 0\n"
            "cli.entry()\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 130 and "Traceback" not in proc.stderr


def test_result_loader_reports_the_path(tmp_path):
    p = tmp_path / "r.json"
    p.write_text('{"schema_version": "1.0", "metrics": {}}')
    with pytest.raises(InputError, match=r"r\.json: not an audit result: metrics is not a list"):
        AuditResult.load(p)
