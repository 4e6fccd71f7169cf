"""The Python API: audit corpora that live in a notebook or a training script.

>>> from audit.api import compare
>>> result = compare("real.jsonl", synth_df, text_field="text")      # doctest: +SKIP
>>> result                                  # a notebook shows the verdict, score and top findings
>>> result.to_pandas()                      # one row per metric
>>> bad = set(result.flagged_ids("near_duplicate")) | set(result.flagged_ids("copy"))
>>> clean = synth_df[~synth_df["id"].astype(str).isin(bad)]

``real`` and ``synth`` may each be

* a path (any format the CLI reads; a directory or glob of shards, or ``@list.txt``; a saved Hugging Face
  dataset directory; an ``.arrow`` file), or a list of ``pathlib.Path`` shards,
* a list (or pandas Series) of strings, or a list of dicts (records, as in a JSONL file),
* a pandas DataFrame (the text column is detected like a file's, or named with ``text_field``),
* a Hugging Face ``datasets.Dataset`` / ``IterableDataset`` (optional; not a ``DatasetDict``: pick a split).

Options are the CLI's, keyword-only, validated with the same messages; the result is the same
:class:`~audit.result.AuditResult` the CLI writes (same inputs, same JSON).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from audit.documents import Document
from audit.errors import ConfigError, InputError
from audit.ingest import IngestReport

__all__ = ["compare", "trend", "mix", "documents_from"]


def compare(
    real: Any,
    synth: Any,
    *,
    text_field: str | None = None,
    real_text_field: str | None = None,
    synth_text_field: str | None = None,
    format: str | None = None,  # noqa: A002 - the CLI's --format
    real_format: str | None = None,
    synth_format: str | None = None,
    roles: Sequence[str] | None = None,
    strict: bool = False,
    embedder: str = "static",
    seed: int = 0,
    sample_size: int = 5000,
    cache_dir: str | None = None,
    use_cache: bool = True,
    families: Sequence[str] | None = None,
    make_map: bool = True,
    options: dict[str, Any] | None = None,
    bias_groups: str | os.PathLike | None = None,
    config: str | os.PathLike | None = None,
    baseline: str | os.PathLike | None = None,
    progress: bool = False,
):
    """Audit ``synth`` against ``real`` and return the :class:`~audit.result.AuditResult`.

    Parameters mirror ``audit compare``: ``options`` is the ``--option KEY=VALUE`` table (a dict),
    ``config`` a gate config file (its checks are applied to ``result.gate``; its ``[options]`` are used
    under ``options``), ``baseline`` a previous result JSON, ``progress=True`` shows rich progress bars on
    stderr. Raises :class:`audit.errors.ConfigError` / :class:`~audit.errors.InputError` with the CLI's
    one-line messages.
    """
    from audit.pipeline import Progress

    gate_setup = _gate_setup(config, baseline)
    opts = _audit_options(
        _label(real, "real"), _label(synth, "synth"), gate_setup[0], text_field=text_field,
        real_text_field=real_text_field, synth_text_field=synth_text_field, format=format,
        real_format=real_format, synth_format=synth_format, roles=roles, strict=strict, embedder=embedder,
        seed=seed, sample_size=sample_size, cache_dir=cache_dir, use_cache=use_cache, families=families,
        make_map=make_map, options=options, bias_groups=bias_groups)
    bar = _progress() if progress else Progress()
    try:
        streams = {}
        for side, obj, field, fmt in (("real", real, real_text_field, opts.real_format),
                                      ("synth", synth, synth_text_field, opts.synth_format)):
            streams[side] = documents_from(obj, name=opts.real if side == "real" else opts.synth,
                                           text_field=field or text_field, roles=opts.roles, strict=strict, fmt=fmt)
        result = _run(streams, opts, bar)
    finally:
        if hasattr(bar, "close"):
            bar.close()
    from audit.cli_gate import apply_gate

    apply_gate(result, gate_setup)
    return result


def trend(corpora: Sequence[str | os.PathLike] | None = None, *, manifest: str | os.PathLike | None = None,
          labels: Sequence[str] | None = None, previous: bool = True, config: str | os.PathLike | None = None,
          progress: bool = False, **kw):
    """Audit generations of synthetic data against the real corpus: ``audit trend`` from Python.

    ``corpora``: paths, the real corpus first, then the generations in order (or ``manifest=``, a TOML or
    JSON file of ``[[corpus]]`` entries with ``path``, ``label`` and ``ratio``). Other keywords are
    :func:`compare`'s. Returns a :class:`~audit.trend_result.TrendResult` (``.to_pandas()``: one row per
    metric with a column per generation; ``.to_json()``; ``.gate`` with ``[[trend]]`` checks from ``config``).
    """
    from audit.trend import resolve_inputs, run_trend

    paths, found_labels, ratios = resolve_inputs([os.fspath(c) for c in corpora or []],
                                                 None if manifest is None else os.fspath(manifest))
    if len(paths) < 3:
        raise ConfigError("trend: give the real corpus and at least two generations (or manifest=)")
    opts = _audit_options(paths[0], paths[1], _gate_setup(config, None)[0], **kw)
    result = _with_progress(progress, lambda bar: run_trend(paths, opts, labels=list(labels or found_labels),
                                                            ratios=ratios, previous=previous, progress=bar))
    return _trend_gate(result, config)


def mix(real: str | os.PathLike, synth: str | os.PathLike, *, ratios: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
        size: int | None = None, config: str | os.PathLike | None = None, progress: bool = False, **kw):
    """The mixing curve, ``audit mix`` from Python: seeded mixtures of real and synthetic documents at a
    fixed size along ``ratios`` (the synthetic share), each audited against held-out real data."""
    from audit.mix import run_mix

    kw["make_map"] = False  # a mixing curve has no map
    opts = _audit_options(os.fspath(real), os.fspath(synth), _gate_setup(config, None)[0], **kw)
    result = _with_progress(progress, lambda bar: run_mix(opts.real, opts.synth, opts, ratios=list(ratios),
                                                          size=size, progress=bar))
    return _trend_gate(result, config)


def _trend_gate(result, config):
    """``result.gate`` from the config's ``[[trend]]`` checks, as ``audit trend --config`` evaluates them."""
    cfg = _gate_setup(config, None)[0] if config is not None else None
    if cfg is not None and cfg.trend_checks:
        from audit.gate import evaluate_trend

        result.gate = evaluate_trend(list(cfg.trend_checks), result, fail_on=cfg.fail_on,
                                     config=str(cfg.path)).to_dict()
    return result


def _with_progress(progress: bool, run):
    from audit.pipeline import Progress

    bar = _progress() if progress else Progress()
    try:
        return run(bar)
    finally:
        if hasattr(bar, "close"):
            bar.close()


def _audit_options(real_label: str, synth_label: str, gate_config, *, text_field=None, real_text_field=None,
                   synth_text_field=None, format=None, real_format=None, synth_format=None,  # noqa: A002
                   roles=None, strict=False, embedder="static", seed=0, sample_size=5000, cache_dir=None,
                   use_cache=True, families=None, make_map=True, options=None, bias_groups=None):
    """An :class:`~audit.pipeline.AuditOptions` from the API's keywords, checked as the CLI checks them."""
    from audit.pipeline import FAMILIES, AuditOptions

    metric_options = dict(gate_config.options) if gate_config is not None else {}
    metric_options.update(_validated_options(options or {}))
    if bias_groups is not None:
        metric_options["bias_groups"] = os.fspath(bias_groups)
    opts = AuditOptions(
        real=real_label, synth=synth_label, real_format=real_format or format,
        synth_format=synth_format or format, text_field=text_field, real_text_field=real_text_field,
        synth_text_field=synth_text_field, roles=list(roles) if roles else None, strict=strict,
        embedder=embedder, seed=seed, sample_size=sample_size,
        cache_dir=cache_dir, use_cache=use_cache, make_map=make_map,
        families=tuple(families) if families is not None else FAMILIES, metric_options=metric_options,
    )
    opts.validate()
    return opts


def documents_from(obj: Any, *, name: str = "corpus", text_field: str | None = None,
                   roles: Sequence[str] | None = None, strict: bool = False,
                   fmt: str | None = None) -> tuple[Iterator[Document], IngestReport]:
    """A lazy document stream and the :class:`~audit.ingest.IngestReport` it fills, for any input kind."""
    from audit.shards import open_inputs, open_shards

    if isinstance(obj, (list, tuple)) and obj and all(isinstance(x, os.PathLike) for x in obj):
        return open_shards(obj, name, fmt=fmt, text_field=text_field, roles=roles, strict=strict)
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj).expanduser()
        if path.is_dir() and ((path / "dataset_info.json").exists() or (path / "state.json").exists()):
            return _records(_hf_rows(_load_from_disk(path)), os.fspath(obj), text_field, roles, strict)
        if path.suffix == ".arrow":
            return _records(_arrow_rows(path), os.fspath(obj), text_field, roles, strict)
        return open_inputs(obj, fmt=fmt, text_field=text_field, roles=roles, strict=strict)
    kind = type(obj).__module__.split(".", 1)[0]
    if kind == "pandas":
        import pandas as pd

        if isinstance(obj, pd.Series):
            return _records(({"text": v} for v in obj.tolist()), name, text_field or "text", roles, strict)
        if isinstance(obj, pd.DataFrame):
            return _records(_frame_rows(obj), name, text_field, roles, strict)
    if kind == "datasets":
        if type(obj).__name__ in ("DatasetDict", "IterableDatasetDict"):
            raise InputError(f"{name}: a DatasetDict holds several splits ({', '.join(obj)}); pass one, "
                             f"e.g. ds['train']")
        return _records(_hf_rows(obj), name, text_field, roles, strict)
    if isinstance(obj, (list, tuple)):
        if all(isinstance(x, str) for x in obj):
            return _records(({"text": v} for v in obj), name, text_field or "text", roles, strict)
        return _records(iter(obj), name, text_field, roles, strict)
    raise InputError(f"{name}: cannot audit a {type(obj).__name__}; pass a path, a list of strings or records, "
                     f"a pandas DataFrame or Series, or a Hugging Face Dataset")


# -- in-memory records -> documents, with the file readers' reject accounting ---------------------------
def _records(rows: Iterable[Any], name: str, text_field: str | None, roles, strict: bool):
    """In-memory records through the file readers' own record loop (same rejects, same messages)."""
    from audit.fields import Reject
    from audit.ingest import record_documents, record_options

    opts = record_options(text_field, roles, strict)
    report = IngestReport(path=name, format="memory")
    report.text_field = opts.text_field
    items = ((line, row if isinstance(row, dict) else Reject("not_an_object", f"a {type(row).__name__}, not a record"))
             for line, row in enumerate(rows, start=1))
    return record_documents(items, name, opts, report), report


def _frame_rows(df) -> Iterator[dict]:
    cols = [str(c) for c in df.columns]
    for values in df.itertuples(index=False, name=None):
        yield {c: _native(v) for c, v in zip(cols, values)}


def _native(v: Any) -> Any:
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return v.tolist()
    try:
        import pandas as pd

        if not isinstance(v, (list, dict)) and pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _hf_rows(ds) -> Iterator[dict]:
    for row in ds:
        yield dict(row)


def _load_from_disk(path: Path):
    try:
        import datasets
    except ImportError:
        raise InputError(f"{path}: a saved Hugging Face dataset needs the extra: "
                         f"pip install 'corpus-audit[datasets]'") from None
    ds = datasets.load_from_disk(os.fspath(path))
    if type(ds).__name__ == "DatasetDict":
        raise InputError(f"{path}: a DatasetDict holds several splits ({', '.join(ds)}); pass one split's folder")
    return ds


def _arrow_rows(path: Path) -> Iterator[dict]:
    import pyarrow as pa

    try:
        with pa.memory_map(os.fspath(path)) as source:
            try:
                reader = pa.ipc.open_stream(source)
            except pa.ArrowInvalid:
                reader = pa.ipc.open_file(source)
                batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            else:
                batches = iter(reader)
            for batch in batches:
                yield from batch.to_pylist()
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{path}: not an Arrow file ({str(e).splitlines()[0]})") from None


# -- options, the same checks and messages as the CLI ----------------------------------------------------
def _validated_options(options: dict[str, Any]) -> dict[str, Any]:
    import json

    from audit.cli_args import parse_options

    if not isinstance(options, dict):
        raise ConfigError(f"options must be a dict of KEY: VALUE (got a {type(options).__name__})")
    items = []
    for k, v in options.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise ConfigError(f"--option {k}: expected a number or a string")
        items.append(f"{k}={v if isinstance(v, str) else json.dumps(v)}")
    return parse_options(items)


def _label(obj: Any, side: str) -> str:
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    return f"<{side}: {type(obj).__name__}>"


def _gate_setup(config, baseline):
    from types import SimpleNamespace

    from audit.cli_gate import load_gate

    args = SimpleNamespace(config=None if config is None else os.fspath(config), no_config=config is None,
                           baseline=None if baseline is None else os.fspath(baseline), fail_on=None)
    return load_gate(args)


def _progress():
    from rich.console import Console

    from audit.cli_output import RichProgress

    return RichProgress(Console(stderr=True))


def _run(streams: dict, opts, progress):
    from audit.pipeline import audit_streams

    return audit_streams(streams["real"], streams["synth"], opts, progress)
