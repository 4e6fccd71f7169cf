"""The `audit` command line.

Exit codes: 0 = ran (and every gate check passed), 1 = a gate check failed, 2 = usage or input error,
3 = an internal error (a bug: please report it; `--debug` shows the traceback).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from audit.errors import AuditError, ConfigError

OWN_MARKERS = ('"schema_version"', "<!-- corpus-audit report -->", "<!-- corpus-audit -->", "corpus-audit")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints usage too)
        raise ConfigError(f"{self.prog}: {message}")


def _check_output(path: str, inputs: list[str], force: bool) -> None:
    """Refuse to overwrite an input, or an existing file that this tool did not write, without --force."""
    p = Path(path)
    for i in inputs:
        if i and p.exists() and Path(i).exists() and p.resolve() == Path(i).resolve():
            raise ConfigError(f"{path}: is one of the inputs; refusing to overwrite it")
    if p.is_dir():
        raise ConfigError(f"{path}: is a directory")
    if p.exists() and not force:
        try:
            with p.open("rb") as f:
                head = f.read(4096)
                f.seek(max(0, p.stat().st_size - 4096))
                tail = f.read()
            ends = (head + b"\n" + tail).decode("utf-8", errors="replace")
        except OSError:
            ends = ""
        if not any(m in ends for m in OWN_MARKERS):
            raise ConfigError(f"{path}: exists and was not written by corpus-audit; pass --force to overwrite it")


def write_output(path: str, text: str, inputs: list[str], force: bool) -> None:
    from audit.result import write_atomic

    _check_output(path, inputs, force)
    write_atomic(path, text)


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
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    c = sub.add_parser("compare", help="audit SYNTH against REAL and report")
    c.add_argument("real", help="the real corpus (jsonl, json, csv, tsv, parquet, txt; optionally .gz/.zst)")
    c.add_argument("synth", help="the synthetic corpus")
    c.add_argument("--format", dest="fmt", help="force the input format of both files")
    c.add_argument("--real-format", help="force the input format of REAL")
    c.add_argument("--synth-format", help="force the input format of SYNTH")
    c.add_argument("--text-field", help="field holding the text (dotted paths allowed: meta.body)")
    c.add_argument("--role", action="append", dest="roles", metavar="ROLE",
                   help="chat records: audit only these roles' turns (repeatable), e.g. --role assistant")
    c.add_argument("--strict", action="store_true", help="any bad record is fatal (exit 2)")
    c.add_argument("--embedder", default=os.environ.get("AUDIT_EMBEDDER", "static"),
                   help="static (default, fast), minilm, or any sentence-transformers model name or path")
    c.add_argument("--model", dest="embedder", help="alias of --embedder")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--sample-size", type=int, default=5000,
                   help="documents per corpus kept (seeded reservoir sample) for embedding metrics (default 5000)")
    c.add_argument("--cache-dir", help="embedding cache folder (default ~/.cache/corpus-audit/embeddings)")
    c.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    c.add_argument("--no-map", action="store_true", help="skip the UMAP map")
    c.add_argument("--families", help="comma-separated subset of: diversity,duplication,drift,bias,properties")
    _common_outputs(c)

    r = sub.add_parser("render", help="re-render a saved result without recomputing")
    r.add_argument("result", help="a JSON file written by `audit compare --json`")
    _common_outputs(r)
    return parser


class RichProgress:
    """Rich progress bars on stderr for every step that can take more than a second or two."""

    def __init__(self, console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = console
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)
        self.bar.start()
        self.current = None

    def step(self, description, total=None):
        self._finish()
        self.current = self.bar.add_task(description, total=total)
        task = self.current
        return lambda advance=1: self.bar.advance(task, advance)

    def _finish(self):
        if self.current is not None:
            self.bar.remove_task(self.current)
            self.current = None

    def done(self, description):
        self._finish()
        self.console.print(f"[green]✓[/green] {description}")

    def note(self, message):
        self.console.print(f"[cyan]…[/cyan] {message}")

    def close(self):
        self._finish()
        self.bar.stop()


def _emit(result, args, inputs: list[str], console) -> None:
    if args.json:
        write_output(args.json, result.to_json(), inputs, args.force)
    if args.html:
        from reports.html import render_html

        write_output(args.html, render_html(result), inputs, args.force)
    if args.markdown:
        from reports.markdown import render_markdown

        write_output(args.markdown, render_markdown(result), inputs, args.force)
    if not args.quiet:
        from reports.terminal import render

        render(result, console)
        for label, path in (("JSON", args.json), ("HTML", args.html), ("Markdown", args.markdown)):
            if path:
                console.print(f"[dim]{label} report:[/dim] {path}")


def cmd_compare(args) -> int:
    from rich.console import Console

    from audit.pipeline import FAMILIES, AuditOptions, Progress, run_audit

    inputs = [args.real, args.synth]
    for out in (args.json, args.html, args.markdown):
        if out:
            _check_output(out, inputs, args.force)  # fail before minutes of work, not after
    families = tuple(f.strip() for f in args.families.split(",") if f.strip()) if args.families else FAMILIES
    opts = AuditOptions(
        real=args.real, synth=args.synth, real_format=args.real_format or args.fmt,
        synth_format=args.synth_format or args.fmt, text_field=args.text_field, roles=args.roles,
        strict=args.strict, embedder=args.embedder, seed=args.seed, sample_size=args.sample_size,
        cache_dir=args.cache_dir, use_cache=not args.no_cache, make_map=not args.no_map, families=families,
    )
    console = Console(stderr=False)
    err = Console(stderr=True)
    progress = Progress() if args.quiet else RichProgress(err)
    try:
        result = run_audit(opts, progress)
    finally:
        if hasattr(progress, "close"):
            progress.close()
    _emit(result, args, inputs, console)
    return 0


def cmd_render(args) -> int:
    from rich.console import Console

    from audit.result import AuditResult

    result = AuditResult.load(args.result)
    _emit(result, args, [args.result], Console())
    return 0


COMMANDS = {"compare": cmd_compare, "render": cmd_render}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return 2
        return COMMANDS[args.command](args)
    except AuditError as e:
        print(f"audit: error: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("audit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug, not bad input: still one line unless asked
        if debug:
            raise
        print(f"audit: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
