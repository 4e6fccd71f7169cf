"""The `audit` command line.

Exit codes: 0 = ran (and every gate check passed, or there were no checks), 1 = a gate check failed
(status in --fail-on: always `fail`; `warn`, `insufficient`, `skipped` when named), 2 = usage or input
error, 3 = an internal error (a bug: please report it; `--debug` shows the traceback).

Gate config: `--config PATH`; without it `./audit.toml`, else `[tool.audit]` in `./pyproject.toml`, else no
checks (report only, exit 0). `--no-config` turns discovery off. See audit/config.py and audit/gate.py.
"""
from __future__ import annotations

import argparse
import os
import sys

from audit import cli_output
from audit.cli_args import (embedding_options, families, gate_options, input_options, limit_options,
                            memory_limit, metric_options, output_options, parse_options)
from audit.cli_output import output_paths, progress_for
from audit.errors import AuditError, ConfigError
from audit.textsafe import one_line

def _version() -> str:
    from audit import __version__

    return __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints usage too)
        raise ConfigError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="audit", description="Audit a synthetic text corpus against a real one.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=f"corpus-audit {_version()}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    c = sub.add_parser("compare", help="audit SYNTH against REAL and report")
    c.add_argument("real", help="the real corpus (jsonl, json, csv, tsv, parquet, txt; optionally .gz/.zst)")
    c.add_argument("synth", help="the synthetic corpus")
    input_options(c)
    c.add_argument("--real-format", help="force the input format of REAL")
    c.add_argument("--synth-format", help="force the input format of SYNTH")
    c.add_argument("--real-text-field", help="text field of REAL only (overrides --text-field)")
    c.add_argument("--synth-text-field", help="text field of SYNTH only (overrides --text-field)")
    embedding_options(c)
    c.add_argument("--model", dest="embedder", help="alias of --embedder")
    c.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="where per-document work runs: local (default) or dask (one task per shard)")
    c.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler (tcp://host:8786); default a local cluster")
    c.add_argument("--workers", type=int, default=0,
                   help="CPUs to use: processes while reading, then threads and worker processes for the "
                        "metric families and the map (default 0: every CPU; 1: one process, one step after "
                        "another); the result is the same for any number")
    limit_options(c)
    c.add_argument("--no-map", action="store_true", help="skip the UMAP map (also skipped when neither --html "
                   "nor --json is written: no other report shows it)")
    metric_options(c)
    c.add_argument("--bias-groups", metavar="PATH",
                   help="JSON/TOML file of extra demographic groups {axis: {group: [terms]}}")
    gate_options(c)
    output_options(c)

    r = sub.add_parser("render", help="re-render a saved result without recomputing")
    r.add_argument("result", help="a JSON file written by `audit compare --json`")
    output_options(r)

    g = sub.add_parser("gate", help="evaluate gate checks on a saved result (no recomputation)")
    g.add_argument("result", help="a JSON file written by `audit compare --json`")
    gate_options(g)
    output_options(g)

    from audit.cli_gate import add_parsers as gate_parsers  # `audit init` and `audit diff`

    gate_parsers(sub)
    from audit.cli_trend import add_parsers as trend_parsers  # `audit trend` and `audit mix`

    trend_parsers(sub)
    return parser


def wants_map(args) -> bool:
    """The map is made only for a report that shows it (HTML) or keeps it for a later ``audit render`` (JSON):
    the terminal, Markdown and JUnit reports never show it, and at 16k + 16k documents it costs about 6 s of
    CPU (``benchmarks/tradeoff_results.md``)."""
    return not args.no_map and bool(args.html or args.json)


def cmd_compare(args) -> int:
    from rich.console import Console

    from audit.outputs import check_outputs
    from audit.pipeline import AuditOptions, run_audit

    inputs = [args.real, args.synth]
    check_outputs(output_paths(args), inputs, args.force)  # fail before minutes of work, not after
    from audit.cli_gate import apply_gate, load_gate

    gate_setup = load_gate(args)  # a bad config or baseline fails now, not after the run
    metric_options = dict(gate_setup[0].options) if gate_setup[0] is not None else {}
    metric_options.update(parse_options(args.option))
    if args.bias_groups:
        metric_options["bias_groups"] = args.bias_groups
    opts = AuditOptions(
        real=args.real, synth=args.synth, real_format=args.real_format or args.fmt,
        synth_format=args.synth_format or args.fmt, text_field=args.text_field,
        real_text_field=args.real_text_field, synth_text_field=args.synth_text_field, roles=args.roles,
        strict=args.strict, embedder=args.embedder, seed=args.seed, sample_size=args.sample_size,
        cache_dir=args.cache_dir, use_cache=not args.no_cache, make_map=wants_map(args), families=families(args),
        metric_options=metric_options, engine=args.engine, scheduler=args.scheduler, workers=args.workers,
        max_doc_chars=args.max_doc_chars, max_memory=memory_limit(args),
    )
    opts.validate()  # every value, before any file is read
    progress = progress_for(args)
    try:
        result = run_audit(opts, progress)
    finally:
        if hasattr(progress, "close"):
            progress.close()
    code = apply_gate(result, gate_setup)
    cli_output.emit(result, args, inputs, Console(stderr=False))
    return code


def cmd_render(args) -> int:
    from rich.console import Console

    from audit.cli_trend import render_saved
    from audit.result import AuditResult

    code = render_saved(args)  # a saved `audit trend` / `audit mix` result
    if code is not None:
        return code
    result = AuditResult.load(args.result)
    cli_output.emit_loaded(result, args, args.result, Console())
    return 0


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
            from audit.imports import lean_docs
            from audit.threads import limited_threads

            # one BLAS/OpenMP thread unless CORPUS_AUDIT_THREADS says more; SciPy without re-rendered docstrings
            with limited_threads(), lean_docs():
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
    exit_without_teardown(code)


def exit_without_teardown(code) -> None:
    """Exit with ``code`` as the interpreter would, less its teardown of the modules the run imported.

    What a normal exit does that matters is done here: the ``atexit`` handlers run (``weakref.finalize``
    callbacks such as the spill files' removal, multiprocessing's shutdown of pools and fork servers, logging's
    flush) and both standard streams are flushed. What is skipped is clearing the ~1,400 modules (scikit-learn,
    SciPy, NumPy...) one by one, with garbage collection: ~0.3 s of every audit on this machine (session 12), for
    a process about to end. Files the command wrote are closed already (``with`` blocks; the embedding cache is
    closed by the pipeline). When a thread that is not a daemon still runs, which the interpreter would wait
    for, this is a plain ``sys.exit``.
    """
    import atexit
    import threading

    main_thread = threading.main_thread()
    if (code is not None and not isinstance(code, int)) or any(
            t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()  # and clears them: a later normal exit would not run them twice
    status = 0 if code is None else code
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    entry()
