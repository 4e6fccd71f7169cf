"""The gate's commands and helpers for the CLI: `audit gate`, `audit init`, `audit diff`, and the
config/baseline handling of `audit compare` (kept apart so audit/cli.py stays small)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from audit.cli_args import (embedding_options, families, gate_config, input_options, limit_options,
                            memory_limit, metric_options, output_options)
from audit.cli_output import emit_loaded, progress_for
from audit.errors import ConfigError
from audit.outputs import check_outputs, write_outputs
from audit.textsafe import clean, safe_markup


def add_parsers(sub) -> None:
    """`audit init` and `audit diff` (`audit gate`'s parser is beside `compare`'s in audit.cli)."""
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
    input_options(i, strict=False)
    embedding_options(i)
    limit_options(i)
    metric_options(i, knobs=False)
    i.add_argument("--quiet", "-q", action="store_true", help="no progress or summary line")

    d = sub.add_parser("diff", help="what changed between two saved results")
    d.add_argument("old", help="the earlier result JSON")
    d.add_argument("new", help="the later result JSON")
    output_options(d, ("markdown", "json"), quiet=False, markdown="write the diff as Markdown",
                   json="write the diff rows as JSON")


def load_gate(args):
    from audit.config import parse_fail_on
    from audit.result import AuditResult

    cfg = gate_config(args)
    baseline = AuditResult.load(args.baseline) if args.baseline else None
    fail_on = parse_fail_on(args.fail_on, lambda m: ConfigError(f"--fail-on: {m}")) if args.fail_on else (
        cfg.fail_on if cfg else ("fail",))
    return cfg, baseline, fail_on, args.baseline


def apply_gate(result, setup) -> int:
    """Fill ``result.gate``; the exit code comes only from the checks."""
    from audit.gate import evaluate

    cfg, baseline, fail_on, baseline_path = setup
    if cfg is None:
        gate = evaluate([], result, baseline, fail_on=fail_on, config=None, baseline_path=baseline_path)
    else:
        gate = evaluate(cfg.checks, result, baseline, fail_on=fail_on, min_docs=cfg.min_docs,
                        config=str(cfg.path), baseline_path=baseline_path)
    out = gate.to_dict()
    out["config_discovered"] = bool(cfg and cfg.discovered)
    if baseline is not None:
        from audit.diff import diff_results

        out["baseline_diff"] = {"path": baseline_path, "rows": diff_results(baseline, result)}
    result.gate = out
    return gate.exit_code


def cmd_gate(args) -> int:
    from rich.console import Console

    from audit.result import AuditResult

    setup = load_gate(args)
    result = AuditResult.load(args.result)
    code = apply_gate(result, setup)
    emit_loaded(result, args, args.result, Console())
    return code


def cmd_init(args) -> int:
    from rich.console import Console

    from audit.calibrate import calibrate, render_config, suggest_checks
    from audit.pipeline import AuditOptions, default_workers, embed_docs, make_embedder, read_corpus

    out = Path(args.output)
    inputs = [args.real] + ([args.synth] if args.synth else [])
    check_outputs([("--output", args.output)], inputs, force=True)  # distinct, writable: before any work
    if out.exists() and not args.force:  # a config is edited by hand: never replaced without asking
        raise ConfigError(f"{out}: exists; pass --force to overwrite it")
    from audit.limits import CALIBRATION_SEEDS, check_int

    check_int("--seeds", args.seeds, *CALIBRATION_SEEDS)
    chosen = families(args)
    opts = AuditOptions(real=args.real, synth=args.synth or args.real, real_format=args.fmt, synth_format=args.fmt,
                        text_field=args.text_field, roles=args.roles, embedder=args.embedder, seed=args.seed,
                        sample_size=args.sample_size, cache_dir=args.cache_dir, use_cache=not args.no_cache,
                        families=chosen, make_map=False, max_doc_chars=args.max_doc_chars,
                        max_memory=memory_limit(args))
    opts.validate()
    progress = progress_for(args)
    try:
        sample, stats, report = read_corpus(args.real, args.fmt, opts, 1, progress)
        docs = sample.documents()
        half = None
        if args.synth:
            synth_sample, _, _ = read_corpus(args.synth, args.fmt, opts, 2, progress)
            half = len(synth_sample)
        if len(docs) < 40:
            raise ConfigError(f"{args.real}: {len(docs)} documents; calibration needs at least 40")
        embedder = make_embedder(opts, progress)
        emb = embed_docs(embedder, docs, opts, progress, "real")
        cal = calibrate(docs, emb, seeds=args.seeds, seed=args.seed, families=chosen, half_size=half,
                        progress=progress, workers=default_workers())
    finally:
        if hasattr(progress, "close"):
            progress.close()
    checks = suggest_checks(cal, noise_only=args.noise_only)
    rep = report.to_dict()
    text = render_config(checks, cal, header={"real": args.real, "n_documents": rep.get("n_documents"),
                                              "sha256": rep.get("sha256"), "embedder": embedder.name})
    from audit.config import load_config

    write_outputs([(args.output, text)])
    load_config(out)  # what we write must load: a bug here is ours, not the user's
    if not args.quiet:
        skipped = [c for c in checks if c.get("skip")]
        Console().print(f"Wrote {len(checks) - len(skipped)} checks to {safe_markup(out)} (calibrated on "
                        f"{cal.seeds} half-vs-half splits of {cal.half_size} documents)" + (
                            f"; {len(skipped)} metrics got no check (could never fail or too noisy; "
                            "the file says why)" if skipped else ""))
    return 0


def cmd_diff(args) -> int:
    from audit.diff import diff_results, render_diff_text
    from audit.result import AuditResult

    inputs = [args.old, args.new]
    outputs = [(opt, path) for opt, path in (("--markdown", args.markdown), ("--json", args.json)) if path]
    check_outputs(outputs, inputs, args.force)
    old, new = AuditResult.load(args.old), AuditResult.load(args.new)
    rows = diff_results(old, new)
    files = []
    if args.markdown:
        from reports.markdown import render_diff_markdown

        files.append((args.markdown, render_diff_markdown(rows, args.old, args.new)))
    if args.json:
        payload = {"tool": {"name": "corpus-audit"}, "kind": "diff", "old": args.old, "new": args.new, "rows": rows}
        files.append((args.json, json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n"))
    write_outputs(files)
    sys.stdout.write(clean(render_diff_text(rows, args.old, args.new)))
    return 0
