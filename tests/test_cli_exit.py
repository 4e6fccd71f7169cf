"""``audit.cli.entry`` exits without the interpreter's module teardown (audit.cli.exit_without_teardown); what a
normal exit does that a user could see must still happen: exit handlers, finalizers, buffered output, the code,
threads that are not daemons."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(body: str, tmp_path: Path, first: str = "") -> subprocess.CompletedProcess:
    """Run ``cli.entry()`` with ``body`` in a fresh interpreter; ``first`` runs before ``audit`` is imported (an
    exit handler registered there runs after every handler the libraries register)."""
    code = ("import atexit, threading, time, weakref, sys\n" + first +
            "import audit.cli as cli\n"
            f"out = {str(tmp_path)!r}\n" + body + "\ncli.entry()\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as most users run it
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(env, PYTHONPATH=str(ROOT)))


def test_exit_handlers_finalizers_buffered_output_and_the_code(tmp_path):
    proc = _run("atexit.register(lambda: open(out + '/atexit', 'w').write('ran'))\n"
                "class Thing: pass\n"
                "thing = Thing()\n"
                "weakref.finalize(thing, lambda: open(out + '/finalized', 'w').write('ran'))\n"
                "def main(argv=None):\n"
                "    sys.stdout.write('buffered line, no newline at the end')\n"  # a pipe: block-buffered
                "    sys.stderr.write('to stderr')\n"
                "    return 1\n"
                "cli.main = main\n", tmp_path,
                first="atexit.register(lambda: sys.stdout.write(' and a line from an exit handler'))\n")
    assert proc.returncode == 1
    assert proc.stdout == "buffered line, no newline at the end and a line from an exit handler" and proc.stderr == "to stderr"
    assert (tmp_path / "atexit").read_text() == "ran" and (tmp_path / "finalized").read_text() == "ran"


def test_exit_code_zero_and_two(tmp_path):
    assert _run("cli.main = lambda argv=None: 0\n", tmp_path).returncode == 0
    assert _run("cli.main = lambda argv=None: 2\n", tmp_path).returncode == 2


def test_a_thread_that_is_not_a_daemon_is_waited_for(tmp_path):
    proc = _run("def late():\n"
                "    time.sleep(0.5)\n"
                "    open(out + '/thread', 'w').write('done')\n"
                "cli.main = lambda argv=None: (threading.Thread(target=late).start(), 0)[1]\n", tmp_path)
    assert proc.returncode == 0 and (tmp_path / "thread").read_text() == "done"


def test_the_audit_command_leaves_no_spill_directory_and_exits_0(tmp_path):
    spill = tmp_path / "tmp"
    spill.mkdir()
    rows = "".join(f'{{"text": "document number {i} says something about topic {i % 7}"}}\n' for i in range(40))
    (tmp_path / "a.jsonl").write_text(rows)
    (tmp_path / "b.jsonl").write_text(rows.replace("says", "tells"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(spill), CORPUS_AUDIT_SPILL_BYTES="64")
    proc = subprocess.run([sys.executable, "-m", "audit.cli", "compare", str(tmp_path / "a.jsonl"),
                           str(tmp_path / "b.jsonl"), "--quiet", "--no-map", "--families", "duplication",
                           "--cache-dir", str(tmp_path / "cache"), "--json", str(tmp_path / "r.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r.json").stat().st_size > 0
    # the spill files and their directory went (weakref.finalize at exit); other libraries' own folders may stay
    assert [p.name for p in spill.iterdir() if p.name.startswith("corpus-audit-index-")] == []
