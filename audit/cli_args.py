"""The command-line options that several `audit` commands take, declared once, and their parsing.

``audit.cli`` (compare, render), ``audit.cli_gate`` (gate, init, diff) and ``audit.cli_trend`` (trend,
mix) build their parsers from these groups, so an option means the same thing, with the same help, on
every command that has it. This module imports no command module: the CLI modules form a tree
(``cli`` -> ``cli_gate``, ``cli_trend`` -> ``cli_args``, ``cli_output``), checked by tests/test_layering.py.
"""
from __future__ import annotations

import argparse
import json
import os

from audit.errors import ConfigError


def input_options(p: argparse.ArgumentParser, *, strict: bool = True) -> None:
    """How the corpora are read: format, text field, roles (and ``--strict`` where bad records matter)."""
    p.add_argument("--format", dest="fmt", help="force the input format of every file")
    p.add_argument("--text-field", help="field holding the text (dotted paths allowed: meta.body)")
    p.add_argument("--role", action="append", dest="roles", metavar="ROLE",
                   help="chat records: audit only these roles' turns (repeatable), e.g. --role assistant")
    if strict:
        p.add_argument("--strict", action="store_true", help="any bad record is fatal (exit 2)")


def embedding_options(p: argparse.ArgumentParser) -> None:
    """The embedder, the seed, the sample and the embedding cache."""
    p.add_argument("--embedder", default=os.environ.get("AUDIT_EMBEDDER", "static"),
                   help="static (default, fast), minilm, hash, or any sentence-transformers model name or path")
    p.add_argument("--seed", type=int, default=0, help="0 to 4294967295 (default 0)")
    p.add_argument("--sample-size", type=int, default=5000,
                   help="documents per corpus kept (seeded bottom-k sample) for embedding metrics (default 5000)")
    p.add_argument("--cache-dir", help="embedding cache folder (default ~/.cache/corpus-audit/embeddings)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")


def metric_options(p: argparse.ArgumentParser, *, knobs: bool = True) -> None:
    """Which families run and (``knobs``) the ``--option KEY=VALUE`` tuning knobs."""
    p.add_argument("--families", help="comma-separated subset of the metric families (default all): "
                                      "language,defects,diversity,duplication,drift,bias,properties")
    if knobs:
        p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                       help="a metric tuning knob (repeatable), e.g. --option near_threshold=0.9; "
                            "overrides the config's [options]")


def limit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-doc-chars", type=int, default=2_000_000, metavar="N",
                   help="a longer document is skipped and counted as too_long (default 2000000)")
    p.add_argument("--max-memory", type=float, metavar="GIB",
                   help="stop with a clear message past this resident memory (default: 85%% of RAM; 0 = none)")


def config_options(p: argparse.ArgumentParser, *, what: str = "gate config") -> None:
    p.add_argument("--config", metavar="PATH",
                   help=f"{what} (default: ./audit.toml, else [tool.audit] in ./pyproject.toml, else none)")
    p.add_argument("--no-config", action="store_true", help="do not look for a gate config (report only)")


def gate_options(p: argparse.ArgumentParser) -> None:
    """The gate of `audit compare` and `audit gate`: config, baseline, what fails, JUnit."""
    config_options(p)
    p.add_argument("--baseline", metavar="PATH",
                   help="a previous result JSON: `baseline` in check thresholds, and what changed")
    p.add_argument("--fail-on", metavar="STATUSES",
                   help="comma-separated statuses that fail the run besides fail: warn, insufficient, skipped")
    p.add_argument("--junit", metavar="PATH", help="write the gate checks as JUnit XML")


_OUTPUT_HELP = {"json": "write the result as JSON", "html": "write the self-contained HTML report",
                "markdown": "write a Markdown summary (fits a PR comment)"}


def output_options(p: argparse.ArgumentParser, formats=("json", "html", "markdown"), *, quiet: bool = True,
                   **helps: str) -> None:
    """``--json`` / ``--html`` / ``--markdown`` (those in ``formats``, help overridable), ``--force``, ``--quiet``."""
    for fmt in formats:
        p.add_argument(f"--{fmt}", metavar="PATH", help=helps.get(fmt, _OUTPUT_HELP[fmt]))
    p.add_argument("--force", action="store_true",
                   help="overwrite output files even if corpus-audit did not write them")
    if quiet:
        p.add_argument("--quiet", "-q", action="store_true", help="no terminal report or progress")


def gate_config(args):
    """The gate config ``--config`` names or discovery finds (None: none, or ``--no-config``), loaded."""
    from audit.config import find_config, load_config

    if args.no_config and args.config:
        raise ConfigError("--config and --no-config contradict each other")
    path, discovered = (None, False) if args.no_config else find_config(args.config)
    return load_config(path, discovered=discovered) if path else None


def families(args) -> tuple[str, ...]:
    """``--families a,b`` as a tuple; every family when not given (checked later by AuditOptions.validate)."""
    from audit.pipeline import FAMILIES

    return tuple(f.strip() for f in args.families.split(",") if f.strip()) if args.families else FAMILIES


def memory_limit(args) -> int | None:
    """``--max-memory`` in bytes (None = the default), checked."""
    from audit.limits import MEMORY_GIB, check_number

    gib = getattr(args, "max_memory", None)
    if gib is None:
        return None
    return int(check_number("--max-memory", gib, *MEMORY_GIB, unit=" of GiB") * 2**30)


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
