"""What the `audit` commands show and write: the progress display, the gate's lines, the report files.

Shared by ``audit.cli``, ``audit.cli_gate``, ``audit.cli_trend`` and ``audit.api``; it imports none of
them (tests/test_layering.py checks that the CLI modules import each other without a cycle).
"""
from __future__ import annotations

import os
import sys

from audit.errors import AuditError, ConfigError
from audit.textsafe import safe_markup

_LABELS = {"--json": "JSON", "--html": "HTML", "--markdown": "Markdown", "--junit": "JUnit"}


def output_paths(args) -> list[tuple[str, str]]:
    """``(option, path)`` for every report file the command was asked to write."""
    names = ("json", "html", "markdown", "junit")
    return [(f"--{n}", getattr(args, n)) for n in names if getattr(args, n, None)]


class RichProgress:
    """Progress on stderr for every step that can take more than a second or two.

    On a terminal: live bars with counts, rate and (when the total is known) the time left. Elsewhere (CI
    logs, a pipe): no bars, only the one line per finished step with its time, so logs stay readable.
    Never on stdout, so ``--json -`` style output is never mixed with it.
    """

    def __init__(self, console):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.console = console
        self.live = console.is_terminal
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                            TimeRemainingColumn(), console=console, transient=True, disable=not self.live)
        self.bar.start()
        self.current = None

    def step(self, description, total=None):
        import time

        self._finish()
        self.started = time.perf_counter()
        self.current = self.bar.add_task(safe_markup(description), total=total, rate="")
        task, started = self.current, self.started

        done = [0]

        def tick(advance=1):
            done[0] += advance
            took = time.perf_counter() - started
            self.bar.update(task, advance=advance, rate=f"{done[0] / took:,.0f}/s" if took > 0.5 else "")

        return tick

    def _finish(self):
        if self.current is not None:
            self.bar.remove_task(self.current)
            self.current = None

    def done(self, description):
        import time

        self._finish()
        took = time.perf_counter() - getattr(self, "started", time.perf_counter())
        self.console.print(f"[green]✓[/green] {safe_markup(description)} [dim]{took:.1f} s[/dim]")

    def note(self, message):
        self.console.print(f"[cyan]…[/cyan] {safe_markup(message)}")

    def pause(self):
        """The live display's refresh thread stops (the bars are cleared: ``transient``), so that the process
        has no other thread when it forks a copy for the families (``audit.family_worker``)."""
        if self.live:
            refresher = getattr(getattr(self.bar, "live", None), "_refresh_thread", None)
            self.bar.stop()  # tells the refresh thread to end, without waiting for it (rich 15)
            if refresher is not None and hasattr(refresher, "join"):
                refresher.join(timeout=2.0)

    def resume(self):
        if self.live:
            self.bar.start()

    def close(self):
        self._finish()
        self.bar.stop()


def progress_for(args):
    """The silent ``Progress`` under ``--quiet``, else live progress on stderr."""
    from rich.console import Console

    from audit.pipeline import Progress

    return Progress() if getattr(args, "quiet", False) else RichProgress(Console(stderr=True))


def append_step_summary(result, path: str) -> None:
    from reports.markdown import render_markdown

    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(render_markdown(result) + "\n")
    except OSError as e:
        raise ConfigError(f"GITHUB_STEP_SUMMARY={path}: cannot append ({e.strerror})") from None


def print_gate(gate: dict, console) -> None:
    escape = safe_markup
    style = {"pass": "green", "fail": "bold red", "warn": "yellow", "insufficient": "dim", "skipped": "dim"}
    checks = gate.get("checks") or []
    if not checks:
        console.print(f"[bold]Gate:[/bold] {escape(gate.get('note') or 'no checks')}")
    else:
        console.print(f"[bold]Gate ({escape(str(gate.get('config')))}):[/bold]")
        for c in checks:
            st = c["status"]
            console.print(f"  [{style.get(st, '')}]{st.upper():<12}[/] {escape(c['name'])}: {escape(c['why'])}")
        counts = ", ".join(f"{n} {k}" for k, n in (gate.get("counts") or {}).items() if n)
        console.print(f"[bold]Gate {gate['status'].upper()}[/bold] ({counts})")
    if gate.get("baseline_diff"):
        rows = gate["baseline_diff"]["rows"]
        console.print(f"[dim]{len(rows)} metric(s) changed since the baseline "
                      f"{escape(str(gate['baseline_diff']['path']))}[/dim]")


def emit(result, args, inputs: list[str], console) -> None:
    """Render every requested report, then write them as one set (audit.outputs), then show the result."""
    from audit.outputs import check_outputs, write_outputs

    renderers = {"--json": result.to_json}
    if args.html:
        from reports.html import render_html

        renderers["--html"] = lambda: render_html(result)
    if args.markdown:
        from reports.markdown import render_markdown

        renderers["--markdown"] = lambda: render_markdown(result)
    if getattr(args, "junit", None):
        from reports.junit import render_junit

        renderers["--junit"] = lambda: render_junit(result)
    outputs = output_paths(args)
    check_outputs(outputs, inputs, args.force)  # again: a file may have appeared while we computed
    write_outputs([(path, renderers[opt]()) for opt, path in outputs])
    if args.command in ("compare", "gate") and result.gate is not None and os.environ.get("GITHUB_STEP_SUMMARY"):
        append_step_summary(result, os.environ["GITHUB_STEP_SUMMARY"])
    if not args.quiet:
        from reports.terminal import render

        if args.command != "gate":  # `audit gate` shows the checks only
            render(result, console)
        if result.gate is not None:
            print_gate(result.gate, console)
        for opt, path in outputs:
            console.print(f"[dim]{_LABELS[opt]} report:[/dim] {safe_markup(path)}")


def emit_loaded(result, args, path: str, console) -> None:
    """:func:`emit` for a result read from a file: a part the renderers cannot use is the file's fault
    (exit 2 naming it), not a bug. The loader checks the shape of what every command reads; this covers
    the free-form ``sections`` a hand-edited file may have broken."""
    from audit.errors import InputError
    from audit.outputs import OutputError

    try:
        emit(result, args, [path], console)
    except (AuditError, OutputError, KeyboardInterrupt, BrokenPipeError):
        raise
    except (TypeError, KeyError, ValueError, AttributeError, IndexError) as e:
        if "--debug" in sys.argv:
            raise
        raise InputError(f"{path}: a part of this result cannot be rendered ({type(e).__name__}: {e}); "
                         "was it edited by hand?") from None
