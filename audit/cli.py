"""The `audit` command line.

Exit codes: 0 = ran (and every gate check passed, or there were no checks), 1 = a gate check failed
(status in --fail-on: always `fail`; `warn`, `insufficient`, `skipped` when named), 2 = usage or input
error, 3 = an internal error (a bug: please report it; `--debug` shows the traceback).

Gate config: `--config PATH`; without it `./audit.toml`, else `[tool.audit]` in `./pyproject.toml`, else no
checks (report only, exit 0). `--no-config` turns discovery off. See audit/config.py and audit/gate.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from audit.errors import AuditError, ConfigError
from audit.textsafe import one_line, safe_markup

def _version() -> str:
    from audit import __version__

    return __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints usage too)
        raise ConfigError(f"{self.prog}: {message}")


def _check_output(path: str, inputs: list[str], force: bool, option: str = "output") -> None:
    """Refuse an output that would overwrite an input or a file this tool did not write (see audit.outputs)."""
    from audit.outputs import check_outputs

    check_outputs([(option, path)], inputs, force)


def write_output(path: str, text: str, inputs: list[str], force: bool) -> None:
    from audit.outputs import write_outputs

    _check_output(path, inputs, force)
    write_outputs([(path, text)])


def output_paths(args) -> list[tuple[str, str]]:
    """``(option, path)`` for every report file the command was asked to write."""
    names = ("json", "html", "markdown", "junit")
    return [(f"--{n}", getattr(args, n)) for n in names if getattr(args, n, None)]


def _common_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH", help="write the AuditResult as JSON")
    p.add_argument("--html", metavar="PATH", help="write the self-contained HTML report")
    p.add_argument("--markdown", metavar="PATH", help="write a Markdown summary (fits a PR comment)")
    p.add_argument("--force", action="store_true",
                   help="overwrite output files even if corpus-audit did not write them")
    p.add_argument("--quiet", "-q", action="store_true", help="no terminal report or progress")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="audit", description="Audit a synthetic text corpus against a real one.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=f"corpus-audit {_version()}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    c = sub.add_parser("compare", help="audit SYNTH against REAL and report")
    c.add_argument("real", help="the real corpus (jsonl, json, csv, tsv, parquet, txt; optionally .gz/.zst)")
    c.add_argument("synth", help="the synthetic corpus")
    c.add_argument("--format", dest="fmt", help="force the input format of both files")
    c.add_argument("--real-format", help="force the input format of REAL")
    c.add_argument("--synth-format", help="force the input format of SYNTH")
    c.add_argument("--text-field", help="field holding the text (dotted paths allowed: meta.body)")
    c.add_argument("--real-text-field", help="text field of REAL only (overrides --text-field)")
    c.add_argument("--synth-text-field", help="text field of SYNTH only (overrides --text-field)")
    c.add_argument("--role", action="append", dest="roles", metavar="ROLE",
                   help="chat records: audit only these roles' turns (repeatable), e.g. --role assistant")
    c.add_argument("--strict", action="store_true", help="any bad record is fatal (exit 2)")
    c.add_argument("--embedder", default=os.environ.get("AUDIT_EMBEDDER", "static"),
                   help="static (default, fast), minilm, or any sentence-transformers model name or path")
    c.add_argument("--model", dest="embedder", help="alias of --embedder")
    c.add_argument("--seed", type=int, default=0, help="0 to 4294967295 (default 0)")
    c.add_argument("--sample-size", type=int, default=5000,
                   help="documents per corpus kept (seeded bottom-k sample) for embedding metrics (default 5000)")
    c.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="where per-document work runs: local (default) or dask (one task per shard)")
    c.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler (tcp://host:8786); default a local cluster")
    c.add_argument("--workers", type=int, default=0,
                   help="processes for hashing and fingerprinting while reading (default 0: every CPU); "
                        "the result is the same for any number")
    _limit_options(c)
    c.add_argument("--cache-dir", help="embedding cache folder (default ~/.cache/corpus-audit/embeddings)")
    c.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    c.add_argument("--no-map", action="store_true", help="skip the UMAP map")
    c.add_argument("--families", help="comma-separated subset of: diversity,duplication,drift,bias,properties")
    c.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a metric tuning knob (repeatable), e.g. --option near_threshold=0.9; "
                        "overrides the config's [options]")
    c.add_argument("--bias-groups", metavar="PATH",
                   help="JSON/TOML file of extra demographic groups {axis: {group: [terms]}}")
    _gate_options(c)
    _common_outputs(c)

    r = sub.add_parser("render", help="re-render a saved result without recomputing")
    r.add_argument("result", help="a JSON file written by `audit compare --json`")
    _common_outputs(r)

    g = sub.add_parser("gate", help="evaluate gate checks on a saved result (no recomputation)")
    g.add_argument("result", help="a JSON file written by `audit compare --json`")
    _gate_options(g)
    _common_outputs(g)

    i = sub.add_parser("init", help="write a starter gate config calibrated on the real corpus's own noise")
    i.add_argument("real", help="the real corpus")
    i.add_argument("synth", nargs="?", help="optional synthetic corpus: halves are capped at its size, "
                                            "as `audit compare` would compare")
    i.add_argument("--output", "-o", default="audit.toml", help="config to write (default audit.toml)")
    i.add_argument("--force", action="store_true", help="overwrite an existing config")
    i.add_argument("--seeds", type=int, default=5, help="random half-vs-half splits (default 5)")
    i.add_argument("--noise-only", action="store_true",
                   help="thresholds from the noise alone (by default the registry's fail tolerance widens "
                        "thresholds tighter than it)")
    i.add_argument("--format", dest="fmt", help="force the input format")
    i.add_argument("--text-field", help="field holding the text")
    i.add_argument("--role", action="append", dest="roles", metavar="ROLE")
    i.add_argument("--embedder", default=os.environ.get("AUDIT_EMBEDDER", "static"))
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--sample-size", type=int, default=5000)
    _limit_options(i)
    i.add_argument("--cache-dir")
    i.add_argument("--no-cache", action="store_true")
    i.add_argument("--families", help="comma-separated subset of the metric families")
    i.add_argument("--quiet", "-q", action="store_true")

    d = sub.add_parser("diff", help="what changed between two saved results")
    d.add_argument("old", help="the earlier result JSON")
    d.add_argument("new", help="the later result JSON")
    d.add_argument("--markdown", metavar="PATH", help="write the diff as Markdown")
    d.add_argument("--json", metavar="PATH", help="write the diff rows as JSON")
    d.add_argument("--force", action="store_true")

    from audit.cli_trend import add_parsers  # `audit trend` and `audit mix`

    add_parsers(sub)
    return parser


def _limit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-doc-chars", type=int, default=2_000_000, metavar="N",
                   help="a longer document is skipped and counted as too_long (default 2000000)")
    p.add_argument("--max-memory", type=float, metavar="GIB",
                   help="stop with a clear message past this resident memory (default: 85%% of RAM; 0 = none)")


def memory_limit(args) -> int | None:
    """``--max-memory`` in bytes (None = the default), checked."""
    gib = getattr(args, "max_memory", None)
    if gib is None:
        return None
    if not (gib == gib and 0 <= gib <= 1 << 20):  # NaN fails the first test
        raise ConfigError(f"--max-memory must be a number of GiB from 0 to {1 << 20} (got {gib!r})")
    return int(gib * 2**30)


def _gate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="PATH",
                   help="gate config (default: ./audit.toml, else [tool.audit] in ./pyproject.toml, else none)")
    p.add_argument("--no-config", action="store_true", help="do not look for a gate config (report only)")
    p.add_argument("--baseline", metavar="PATH",
                   help="a previous result JSON: `baseline` in check thresholds, and what changed")
    p.add_argument("--fail-on", metavar="STATUSES",
                   help="comma-separated statuses that fail the run besides fail: warn, insufficient, skipped")
    p.add_argument("--junit", metavar="PATH", help="write the gate checks as JUnit XML")


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

    def close(self):
        self._finish()
        self.bar.stop()


def _emit(result, args, inputs: list[str], console) -> None:
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
        from audit.cli_gate import append_step_summary

        append_step_summary(result, os.environ["GITHUB_STEP_SUMMARY"])
    if not args.quiet:
        from reports.terminal import render

        if args.command != "gate":  # `audit gate` shows the checks only
            render(result, console)
        if result.gate is not None:
            from audit.cli_gate import print_gate

            print_gate(result.gate, console)
        labels = {"--json": "JSON", "--html": "HTML", "--markdown": "Markdown", "--junit": "JUnit"}
        for opt, path in outputs:
            console.print(f"[dim]{labels[opt]} report:[/dim] {safe_markup(path)}")


def parse_options(items: list[str]) -> dict:
    """``["near_threshold=0.9", "bias_groups=groups.json"]`` -> typed dict; unknown keys are an error."""
    from audit.families import METRIC_OPTIONS
    from audit.limits import check_option

    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--option {item!r}: expected KEY=VALUE")
        if key not in METRIC_OPTIONS:
            import difflib

            near = difflib.get_close_matches(key, METRIC_OPTIONS, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(f"--option: unknown option {key!r}{hint}")
        try:
            val = json.loads(raw)
        except (json.JSONDecodeError, RecursionError, ValueError):
            val = raw
        out[key] = check_option(key, val, METRIC_OPTIONS[key], lambda m: ConfigError(f"--option: {m}"))
    return out


def cmd_compare(args) -> int:
    from rich.console import Console

    from audit.pipeline import FAMILIES, AuditOptions, Progress, run_audit

    from audit.outputs import check_outputs

    inputs = [args.real, args.synth]
    check_outputs(output_paths(args), inputs, args.force)  # fail before minutes of work, not after
    from audit.cli_gate import apply_gate, load_gate

    gate_setup = load_gate(args)  # a bad config or baseline fails now, not after the run
    families = tuple(f.strip() for f in args.families.split(",") if f.strip()) if args.families else FAMILIES
    metric_options = dict(gate_setup[0].options) if gate_setup[0] is not None else {}
    metric_options.update(parse_options(args.option))
    if args.bias_groups:
        metric_options["bias_groups"] = args.bias_groups
    if "bias_groups" in metric_options:  # a bad groups file fails now, not after the run
        from audit.families.bias import lexicon_from_options

        lexicon_from_options(metric_options)
    if "defect_phrases" in metric_options:  # likewise a bad phrases file
        from audit.families.defects import phrases_from_options

        phrases_from_options(metric_options)
    opts = AuditOptions(
        real=args.real, synth=args.synth, real_format=args.real_format or args.fmt,
        synth_format=args.synth_format or args.fmt, text_field=args.text_field,
        real_text_field=args.real_text_field, synth_text_field=args.synth_text_field, roles=args.roles,
        strict=args.strict, embedder=args.embedder, seed=args.seed, sample_size=args.sample_size,
        cache_dir=args.cache_dir, use_cache=not args.no_cache, make_map=not args.no_map, families=families,
        metric_options=metric_options, engine=args.engine, scheduler=args.scheduler, workers=args.workers,
        max_doc_chars=args.max_doc_chars, max_memory=memory_limit(args),
    )
    opts.validate()  # every value, before any file is read
    console = Console(stderr=False)
    err = Console(stderr=True)
    progress = Progress() if args.quiet else RichProgress(err)
    try:
        result = run_audit(opts, progress)
    finally:
        if hasattr(progress, "close"):
            progress.close()
    code = apply_gate(result, gate_setup)
    _emit(result, args, inputs, console)
    return code


def cmd_render(args) -> int:
    from rich.console import Console

    from audit.cli_trend import render_saved
    from audit.result import AuditResult

    code = render_saved(args)  # a saved `audit trend` / `audit mix` result
    if code is not None:
        return code
    result = AuditResult.load(args.result)
    emit_loaded(result, args, args.result, Console())
    return 0


def emit_loaded(result, args, path: str, console) -> None:
    """:func:`_emit` for a result read from a file: a part the renderers cannot use is the file's fault
    (exit 2 naming it), not a bug. The loader checks the shape of what every command reads; this covers
    the free-form ``sections`` a hand-edited file may have broken."""
    from audit.errors import InputError
    from audit.outputs import OutputError

    try:
        _emit(result, args, [path], console)
    except (AuditError, OutputError, KeyboardInterrupt, BrokenPipeError):
        raise
    except (TypeError, KeyError, ValueError, AttributeError, IndexError) as e:
        if "--debug" in sys.argv:
            raise
        raise InputError(f"{path}: a part of this result cannot be rendered ({type(e).__name__}: {e}); "
                         "was it edited by hand?") from None


def _lazy(name):
    def run(args):
        from audit import cli_gate

        return getattr(cli_gate, name)(args)

    return run


def _trend(name):
    def run(args):
        from audit import cli_trend

        return getattr(cli_trend, name)(args)

    return run


COMMANDS = {"compare": cmd_compare, "render": cmd_render, "gate": _lazy("cmd_gate"), "init": _lazy("cmd_init"),
            "diff": _lazy("cmd_diff"), "trend": _trend("cmd_trend"), "mix": _trend("cmd_mix")}


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code. Never raises (but with ``--debug``, on a bug)."""
    import warnings

    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        with warnings.catch_warnings():
            if not debug:  # numpy's RuntimeWarnings etc. are ours to handle, not the user's to read
                warnings.simplefilter("ignore")
            args = parser.parse_args(argv)
            if not args.command:
                parser.print_help()
                return 2
            from audit.threads import limited_threads

            with limited_threads():  # one BLAS/OpenMP thread unless CORPUS_AUDIT_THREADS says more
                return COMMANDS[args.command](args)
    except AuditError as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"audit: error: {one_line(msg)}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("audit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except RecursionError:  # input nested deeper than any reader should follow
        print("audit: error: input nested too deeply to read", file=sys.stderr)
        return 2
    except Exception as e:  # a bug, not bad input: still one line unless asked
        if debug:
            raise
        print(f"audit: internal error: {type(e).__name__}: {one_line(e)} (run with --debug for the traceback)",
              file=sys.stderr)
        return 3


def _interrupted(signum, frame) -> None:
    """SIGINT once the command has returned (writing its last lines, shutting down): exit 130, no traceback."""
    try:
        sys.stderr.write("audit: interrupted\n")
        sys.stderr.flush()
    finally:
        os._exit(130)


def entry() -> None:
    """The ``audit`` console script: :func:`main`, then exit with its code, SIGINT at any point -> 130."""
    import signal

    code = main()
    signal.signal(signal.SIGINT, _interrupted)  # main caught KeyboardInterrupt; now shutdown can't raise one
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
