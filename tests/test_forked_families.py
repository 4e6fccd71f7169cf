"""Below family_worker.MIN_DOCS, with a second CPU, diversity and bias run in a forked copy of the audit's
process (audit.family_worker.fork_families) while the process runs the other families. The copy must give
exactly what one family at a time gives; failures, a copy that dies or hangs, warnings, other threads and
a live progress display must behave as without it."""
import json
import os
import threading
import warnings

import pytest

from audit import family_worker
from audit.families import FamilyOutput

from tests.test_parallel_families import _rows, _texts


@pytest.fixture
def spy(monkeypatch):
    """Records the copies made and every family run here after a copy failed."""
    seen = {"forked": [], "fallback": []}
    fork, collect = family_worker.fork_families, family_worker.collect_forked

    def fork_spy(names, ctx):
        handle = fork(names, ctx)
        seen["forked"].append(handle is not None)
        return handle

    def collect_spy(handle, names, run_here, own_s=0.0):
        return collect(handle, names, lambda name: seen["fallback"].append(name) or run_here(name), own_s)

    monkeypatch.setattr(family_worker, "fork_families", fork_spy)
    monkeypatch.setattr(family_worker, "collect_forked", collect_spy)
    return seen


class _ThisTestsThreads:
    """``threading`` as ``audit.family_worker`` sees it in these tests: threads that earlier tests left in this
    process (Dask's idle offload pool) are not counted, so the copy is made as in an audit's own process,
    which has none of them; every thread started since (and tqdm's monitor, which the audit ends) counts."""

    def __init__(self):
        self.before = {t for t in threading.enumerate()
                       if t is not threading.main_thread() and t.name != "tqdm_monitor"}

    def __getattr__(self, name):
        return getattr(threading, name)

    def enumerate(self):
        return [t for t in threading.enumerate() if t not in self.before]

    def active_count(self):
        return len(self.enumerate())


@pytest.fixture(autouse=True)
def this_tests_threads(monkeypatch):
    seen = _ThisTestsThreads()
    monkeypatch.setattr(family_worker, "threading", seen)
    return seen


def _no_other_threads():
    others = [t.name for t in family_worker.threading.enumerate()
              if t is not threading.main_thread() and t.name != "tqdm_monitor"]  # a monitor, the audit ends
    assert others == [], f"threads started by this test keep the copy from being made: {others}"


def test_families_in_a_forked_copy_equal_one_family_at_a_time(make_ctx, spy):
    from audit.pipeline import run_context

    _no_other_threads()
    real, synth = _texts("real", 160), _texts("synth", 160)
    one_entries, one_sections = run_context(make_ctx(real, synth), workers=1)
    assert spy["forked"] == []  # one CPU: no copy
    entries, sections = run_context(make_ctx(real, synth), workers=2)
    assert spy["forked"] == [True] and spy["fallback"] == []  # really made, and its answer was used
    assert {e.family for e in entries} >= set(family_worker.FORKED)
    assert _rows(entries) == _rows(one_entries)  # same rows, same order, same q-values
    assert json.dumps(sections, sort_keys=True, default=str) == json.dumps(one_sections, sort_keys=True, default=str)


def _family(name, action=None):
    def run(ctx):
        if action is not None:
            action(name)
        from audit.result import MetricEntry

        return FamilyOutput([MetricEntry(family=name, name=f"{name}_row", title=name, description="", better="higher",
                                         kind="per_corpus", verdict="info", reason="")], {name: os.getpid()})
    return run


def _table(monkeypatch, **actions):
    import audit.families as fams

    names = ("language", "diversity", "drift", "bias")
    monkeypatch.setattr(fams, "runners", lambda: {n: _family(n, actions.get(n)) for n in names})
    return names


def test_the_forked_families_really_run_in_another_process(make_ctx, monkeypatch, spy):
    from audit.pipeline import run_context

    _no_other_threads()
    names = _table(monkeypatch)
    entries, sections = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names, workers=2)
    assert [e.name for e in entries] == [f"{n}_row" for n in names]  # report order
    here = os.getpid()
    assert sections["language"] == sections["drift"] == here
    assert sections["diversity"] == sections["bias"] != here and spy["fallback"] == []


def test_a_failure_in_the_copy_or_here_is_raised_in_report_order(make_ctx, monkeypatch, spy):
    from audit.pipeline import run_context

    def boom(name):
        raise RuntimeError(f"{name} failed")

    ctx = make_ctx(_texts("real", 20), _texts("synth", 20))
    for failing, first in ((("diversity", "drift"), "diversity"), (("drift", "bias"), "drift"), (("bias",), "bias")):
        names = _table(monkeypatch, **{n: boom for n in failing})
        for workers in (1, 2):
            with pytest.raises(RuntimeError, match=f"{first} failed"):
                run_context(ctx, families=names, workers=workers)
    assert spy["forked"] == [True] * 3 and spy["fallback"] == []  # the copy's own errors came back


def test_a_copy_that_dies_has_its_families_run_here(make_ctx, monkeypatch, spy):
    from audit.pipeline import run_context

    parent = os.getpid()

    def die_in_the_copy(name):
        if os.getpid() != parent:
            os._exit(7)

    names = _table(monkeypatch, diversity=die_in_the_copy)
    entries, sections = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names, workers=2)
    assert [e.name for e in entries] == [f"{n}_row" for n in names]
    assert spy["forked"] == [True] and spy["fallback"] == ["diversity", "bias"]
    assert sections["diversity"] == sections["bias"] == parent


def test_a_copy_that_hangs_is_ended_and_its_families_run_here(make_ctx, monkeypatch, spy):
    import time

    from audit.pipeline import run_context

    parent = os.getpid()

    def hang_in_the_copy(name):
        if os.getpid() != parent:
            time.sleep(600)

    monkeypatch.setattr(family_worker, "WAIT_FLOOR_S", 1.0)
    names = _table(monkeypatch, bias=hang_in_the_copy)
    started = time.monotonic()
    entries, _ = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names, workers=2)
    assert time.monotonic() - started < 60
    assert [e.name for e in entries] == [f"{n}_row" for n in names] and spy["fallback"] == ["diversity", "bias"]


def test_warnings_of_the_forked_families_are_shown_here(make_ctx, monkeypatch, spy):
    from audit.pipeline import run_context

    def warn(name):
        warnings.warn(f"{name} says: few documents", UserWarning)

    names = _table(monkeypatch, bias=warn)
    with pytest.warns(UserWarning, match="bias says: few documents"):
        run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names, workers=2)
    assert spy["forked"] == [True] and spy["fallback"] == []


def test_no_copy_while_another_thread_runs_or_off_linux(make_ctx, monkeypatch, spy):
    import sys

    from audit.pipeline import run_context

    names = _table(monkeypatch)
    ctx = make_ctx(_texts("real", 20), _texts("synth", 20))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        _, sections = run_context(ctx, families=names, workers=2)
    finally:
        stop.set()
        other.join()
    assert spy["forked"] == [False] and set(sections.values()) == {os.getpid()}  # all here, one at a time
    monkeypatch.setattr(sys, "platform", "darwin")
    _, sections = run_context(ctx, families=names, workers=2)
    assert spy["forked"] == [False, False] and set(sections.values()) == {os.getpid()}


def test_tqdm_s_monitor_thread_is_ended_so_that_the_copy_can_be_made(make_ctx, monkeypatch, spy,
                                                                    this_tests_threads):
    from tqdm import tqdm

    from audit.pipeline import run_context

    names = _table(monkeypatch)
    monkeypatch.setattr(tqdm, "monitor_interval", 10)
    list(tqdm(range(3), disable=True))  # as model2vec's encode does: a disabled bar, its monitor left running
    assert tqdm.monitor is not None and this_tests_threads.active_count() == 2
    _, sections = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names, workers=2)
    assert spy["forked"] == [True] and sections["diversity"] != os.getpid()
    assert this_tests_threads.active_count() == 1 and tqdm.monitor is None
    # sentence-transformers' bars are tqdm.autonotebook's class, whose monitor is its own
    from tqdm.autonotebook import tqdm as notebook_tqdm

    monkeypatch.setattr(notebook_tqdm, "monitor_interval", 10)
    list(notebook_tqdm(range(3), disable=True))
    assert notebook_tqdm.monitor is not None and this_tests_threads.active_count() == 2
    _, sections = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names, workers=2)
    assert spy["forked"] == [True, True] and sections["diversity"] != os.getpid()
    assert this_tests_threads.active_count() == 1


def test_a_live_progress_display_pauses_its_thread_for_the_copy(make_ctx, monkeypatch, spy, this_tests_threads):
    import io

    from rich.console import Console

    from audit.cli_output import RichProgress
    from audit.pipeline import run_context

    names = _table(monkeypatch)
    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=100))
    try:
        progress.step("Reading")
        assert this_tests_threads.active_count() == 2  # the display's refresh thread
        _, sections = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)), families=names,
                                  progress=progress, workers=2)
        assert spy["forked"] == [True] and sections["bias"] != os.getpid()
        assert this_tests_threads.active_count() == 2  # running again after the fork
    finally:
        progress.close()
    import re
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out.getvalue()).replace("\r", "\n")
    assert "Computed 4 metric families (4 rows)" in text, [l for l in text.split("\n") if "omput" in l][-5:]
