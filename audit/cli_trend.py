"""``audit trend`` and ``audit mix``: the command-line side (parsers, gate, outputs).

Exit codes as for ``audit compare``: 0 ran (and every trend check passed), 1 a trend check failed,
2 usage or input error, 3 internal error.
"""
from __future__ import annotations

import argparse
import os

from audit.cli_args import (config_options, embedding_options, families, gate_config, input_options,
                            metric_options, output_options, parse_options)
from audit.cli_output import output_paths, print_gate, progress_for
from audit.errors import ConfigError


def _shared(p: argparse.ArgumentParser) -> None:
    input_options(p)
    embedding_options(p)
    metric_options(p)
    config_options(p, what="gate config with [[trend]] checks")
    p.add_argument("--check", action="store_true",
                   help="apply the default trend checks: no metric's trend is fail, and tail_survival_score "
                        "does not fall (beyond noise) two generations in a row")
    output_options(p, json="write the trend result as JSON", html="write the HTML page (one small chart per metric)")


def add_parsers(sub) -> None:
    t = sub.add_parser("trend", help="audit generations of synthetic data in order: does the chain collapse?")
    t.add_argument("corpora", nargs="*", metavar="FILE",
                   help="the real corpus, then generation 1, 2, ... in order (or --manifest)")
    t.add_argument("--manifest", metavar="PATH",
                   help="TOML/JSON manifest: [[corpus]] tables with path, label, ratio; the real corpus first")
    t.add_argument("--no-previous", action="store_true", help="skip the comparison with the previous generation")
    t.add_argument("--no-map", action="store_true", help="skip the map of all generations")
    _shared(t)

    m = sub.add_parser("mix", help="mixing curve: how large a synthetic share can the real corpus take?")
    m.add_argument("real", help="the real corpus")
    m.add_argument("synth", help="the synthetic corpus")
    m.add_argument("--ratios", default="0,0.25,0.5,0.75,1", help="synthetic shares (default 0,0.25,0.5,0.75,1)")
    m.add_argument("--size", type=int, help="documents per mixture (default: half the real sample, capped by "
                                             "the synthetic sample)")
    _shared(m)


def _audit_options(args, cfg, real: str, synth: str, make_map: bool):
    from audit.pipeline import AuditOptions

    knobs = dict(cfg.options) if cfg is not None else {}
    knobs.update(parse_options(args.option))
    return AuditOptions(real=real, synth=synth, real_format=args.fmt, synth_format=args.fmt,
                        text_field=args.text_field, roles=args.roles, strict=args.strict, embedder=args.embedder,
                        seed=args.seed, sample_size=args.sample_size, cache_dir=args.cache_dir,
                        use_cache=not args.no_cache, families=families(args), make_map=make_map,
                        metric_options=knobs)


def _outputs(args, inputs: list[str]) -> None:
    """Every output distinct, writable and ours (or --force), before any work (audit.outputs)."""
    from audit.outputs import check_outputs

    check_outputs(output_paths(args), inputs, args.force)


def _finish(result, args, cfg, inputs: list[str]) -> int:
    from audit.gate import DEFAULT_TREND_CHECKS, evaluate_trend

    checks = list(cfg.trend_checks) if cfg is not None else []
    if args.check:
        checks += list(DEFAULT_TREND_CHECKS)
    gate = evaluate_trend(checks, result, fail_on=cfg.fail_on if cfg else ("fail",),
                          config=str(cfg.path) if cfg is not None else ("default trend checks" if args.check else None))
    result.gate = gate.to_dict()
    _write(result, args, inputs)
    return gate.exit_code


def _write(result, args, inputs: list[str]) -> None:
    """The JSON, HTML and Markdown files asked for, then the terminal report (with the gate, if any)."""
    from rich.console import Console

    from audit.outputs import write_outputs

    _outputs(args, inputs)  # again: a file may have appeared while we computed
    files = []
    if args.json:
        files.append((args.json, result.to_json()))
    if args.html:
        from reports.trend_html import render_trend_html

        files.append((args.html, render_trend_html(result)))
    if args.markdown:
        from reports.trend import render_markdown

        files.append((args.markdown, render_markdown(result)))
    write_outputs(files)  # all or none (a full disk replaces nothing)
    if not args.quiet:
        from reports.trend import render

        console = Console()
        render(result, console)
        if result.gate and result.gate.get("checks"):
            print_gate(result.gate, console)
        for label, path in (("JSON", args.json), ("HTML", args.html), ("Markdown", args.markdown)):
            if path:
                console.print(f"[dim]{label}:[/dim] {path}")


def cmd_trend(args) -> int:
    from audit.trend import resolve_inputs, run_trend

    paths, labels, ratios = resolve_inputs(args.corpora, args.manifest)
    if len(paths) < 3:
        raise ConfigError("audit trend: give the real corpus and at least two generations (or --manifest)")
    _outputs(args, paths)
    cfg = gate_config(args)
    opts = _audit_options(args, cfg, paths[0], paths[1], make_map=not args.no_map)
    progress = progress_for(args)
    try:
        result = run_trend(paths, opts, labels=labels, ratios=ratios, previous=not args.no_previous,
                           progress=progress)
    finally:
        if hasattr(progress, "close"):
            progress.close()
    return _finish(result, args, cfg, paths)


def cmd_mix(args) -> int:
    from audit.mix import parse_ratios, run_mix

    ratios = parse_ratios(args.ratios)
    for p in (args.real, args.synth):
        if not os.path.exists(p):
            from audit.errors import InputError

            raise InputError(f"{p}: no such file")
    _outputs(args, [args.real, args.synth])
    cfg = gate_config(args)
    opts = _audit_options(args, cfg, args.real, args.synth, make_map=False)
    progress = progress_for(args)
    try:
        result = run_mix(args.real, args.synth, opts, ratios=ratios, size=args.size, progress=progress)
    finally:
        if hasattr(progress, "close"):
            progress.close()
    return _finish(result, args, cfg, [args.real, args.synth])


def render_saved(args) -> int | None:
    """``audit render`` on a saved trend or mix JSON: re-render it (None when the file is an audit result)."""
    import json

    try:
        with open(args.result, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None  # AuditResult.load reports the problem in its own words
    if not isinstance(data, dict) or data.get("tool", {}).get("report") not in ("trend", "mix"):
        return None
    from audit.trend_result import TrendResult

    result = TrendResult.from_dict(data)
    _write(result, args, [args.result])
    return 0
