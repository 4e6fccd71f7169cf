"""Load gate checks from ``audit.toml`` (or ``[tool.audit]`` in ``pyproject.toml``), with line numbers.

File format (``audit.toml``; in ``pyproject.toml`` the same keys live under ``[tool.audit]`` and the
checks are ``[[tool.audit.check]]``)::

    min_docs = 50               # a check on fewer documents says "insufficient data"
    fail_on = ["fail"]          # statuses that fail the run: fail (always), warn, insufficient, skipped

    [[check]]
    metric = "near_duplicate_rate"
    op = "<="                   # <=  <  >=  >  ==  (== uses `tol`, default 1e-9)
    threshold = 0.02            # a number, or "0.8 * real", "real + 0.01", "baseline + 0.01", ...
    severity = "fail"           # or "warn"
    on = "synth"                # which number: synth | real | delta | abs_delta (per-corpus metrics),
                                # value (pairwise metrics), p (the BH-adjusted p-value); default:
                                # synth for per-corpus metrics, value for pairwise ones

Discovery (``find_config``): ``--config PATH`` if given; otherwise ``./audit.toml``; otherwise
``./pyproject.toml`` when it has a ``[tool.audit]`` table; otherwise no config (report only).

Every error names the file and line: ``audit.toml:12: unknown metric 'vendi' (did you mean 'vendi_score'?)``.
"""
from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import ConfigError
from audit.gate import ON_FIELDS, OPS, Check, Threshold, parse_threshold
from metrics.registry import canonical_name

TOP_KEYS = ("min_docs", "fail_on", "check", "options", "trend")
TREND_KEYS = ("metric", "on", "op", "value", "severity", "name")
CHECK_KEYS = ("metric", "op", "threshold", "severity", "on", "tol", "name", "min_docs")
DEFAULT_MIN_DOCS = 50
_HEADER = re.compile(r"^\s*\[\[\s*(?:tool\s*\.\s*audit\s*\.\s*)?check\s*\]\]")
_TABLE = re.compile(r"^\s*\[")


@dataclass
class GateConfig:
    path: str | None
    checks: list[Check] = field(default_factory=list)
    min_docs: int = DEFAULT_MIN_DOCS
    fail_on: tuple[str, ...] = ("fail",)
    discovered: bool = False
    options: dict = field(default_factory=dict)  # [options]: metric tuning knobs, see METRIC_OPTIONS
    trend_checks: list = field(default_factory=list)  # [[trend]]: checks on `audit trend` / `audit mix` series


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Lines:
    """Where things are in the raw text: tomllib gives no positions, so we find keys ourselves."""

    def __init__(self, text: str, in_pyproject: bool):
        self.lines = text.splitlines()
        self.in_pyproject = in_pyproject
        self.headers = [i for i, ln in enumerate(self.lines) if _HEADER.match(ln)]
        if in_pyproject:  # only the [[tool.audit.check]] headers count there
            self.headers = [i for i in self.headers if "tool" in self.lines[i]]

    def check_line(self, idx: int, key: str | None = None) -> int | None:
        if idx >= len(self.headers):
            return None
        start = self.headers[idx]
        end = len(self.lines)
        for j in range(start + 1, len(self.lines)):
            if _TABLE.match(self.lines[j]):
                end = j
                break
        if key:
            pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
            for j in range(start + 1, end):
                if pat.match(self.lines[j]):
                    return j + 1
        return start + 1

    def top_line(self, key: str, table: str | None = None) -> int | None:
        """Line of ``key = ...`` at the top level, or inside ``[table]`` (``[tool.audit.table]``)."""
        pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        section = None if not self.in_pyproject else "tool.audit"
        if table:
            section = f"{section}.{table}" if section else table
            if not any(re.match(rf"^\s*\[\s*{re.escape(section)}\s*\]", ln.replace(" ", "")) for ln in self.lines):
                return None
        current = None
        for j, ln in enumerate(self.lines):
            m = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", ln)
            if m:
                current = m.group(1).replace(" ", "")
                continue
            if current == section and pat.match(ln):
                return j + 1
        return None


def find_config(explicit: str | None, cwd: str | Path = ".") -> tuple[Path | None, bool]:
    """The config to use: (path or None, discovered?). An explicit path must exist."""
    if explicit:
        p = Path(explicit)
        if not p.exists():
            raise ConfigError(f"{explicit}: no such config file")
        if p.is_dir():
            raise ConfigError(f"{explicit}: is a directory, not a config file")
        return p, False
    cwd = Path(cwd)
    if (cwd / "audit.toml").is_file():
        return cwd / "audit.toml", True
    py = cwd / "pyproject.toml"
    if py.is_file():
        try:
            data = tomllib.loads(py.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError, RecursionError):
            return None, False  # not ours to complain about unless it holds [tool.audit]
        if isinstance(data.get("tool"), dict) and "audit" in data["tool"]:
            return py, True
    return None, False


def load_config(path: str | Path, *, discovered: bool = False, registry=None) -> GateConfig:
    """Parse and validate a config file; any problem is a ``ConfigError`` naming ``file:line``."""
    if registry is None:
        from metrics.registry import REGISTRY as registry
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        where = f":{m.group(1)}" if m else ""
        why = str(e).split(" (at line")[0].replace(" (at end of document)", " at the end of the file")
        raise ConfigError(f"{path}{where}: not valid TOML ({why})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None
    in_pyproject = path.name == "pyproject.toml"
    if in_pyproject:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "audit" not in tool:
            raise ConfigError(f"{path}: has no [tool.audit] table")
        data = tool["audit"]
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.audit] must be a table")
    return parse_config(data, str(path), _Lines(text, in_pyproject), registry, discovered)


def parse_config(data: dict, name: str, lines: _Lines, registry, discovered: bool = False) -> GateConfig:
    def err(line, msg):
        return ConfigError(f"{name}:{line}: {msg}" if line else f"{name}: {msg}")

    for key in data:
        if key not in TOP_KEYS:
            raise err(lines.top_line(key), f"unknown key {key!r}{_suggest(key, TOP_KEYS)}")
    cfg = GateConfig(path=name, discovered=discovered)
    if "min_docs" in data:
        cfg.min_docs = _min_docs(data["min_docs"], lambda m: err(lines.top_line("min_docs"), m))
    if "fail_on" in data:
        cfg.fail_on = parse_fail_on(data["fail_on"], lambda m: err(lines.top_line("fail_on"), m))
    if "options" in data:
        cfg.options = _options(data["options"], name, lambda m, key=None: err(
            (lines.top_line(key, "options") if key else None) or lines.top_line("options"), m))
    raw = data.get("check", [])
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise err(lines.top_line("check"), "'check' must be an array of tables ([[check]])")
    for i, item in enumerate(raw):
        line = lines.check_line(i)
        if not isinstance(item, dict):
            raise err(line, "each check must be a table with at least metric and threshold")
        cfg.checks.append(_parse_check(item, i, lines, registry, err, cfg.min_docs))
    raw = data.get("trend", [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise err(lines.top_line("trend"), "'trend' must be an array of tables ([[trend]])")
    cfg.trend_checks = [_parse_trend(item, i, registry, lambda m: err(None, m)) for i, item in enumerate(raw)]
    return cfg


def _parse_trend(item: dict, i: int, registry, err):
    """``[[trend]]``: ``metric`` (a name or "*"), ``on`` = "trend" (op != or ==, value ok|warn|fail) or
    "worsening_run" (op < or <=, value a whole number of generations); see ``audit.gate.TrendCheck``."""
    from audit.gate import TREND_FIELDS, TREND_STATES, TrendCheck

    where = f"trend check #{i + 1}"
    for key in item:
        if key not in TREND_KEYS:
            raise err(f"{where}: unknown key {key!r}{_suggest(key, TREND_KEYS)}")
    metric = canonical_name(item.get("metric", "*"))
    if not isinstance(metric, str) or (metric != "*" and metric not in registry):
        raise err(f"{where}: unknown metric {metric!r}{_suggest(metric, registry)}")
    on = item.get("on", "trend")
    if on not in TREND_FIELDS:
        raise err(f"{where}: on must be one of {', '.join(TREND_FIELDS)} (got {on!r})")
    op = item.get("op", TREND_FIELDS[on][0])
    if op not in TREND_FIELDS[on]:
        raise err(f"{where}: op for {on} must be one of {', '.join(TREND_FIELDS[on])} (got {op!r})")
    value = item.get("value", "fail" if on == "trend" else 2)
    if on == "trend" and value not in TREND_STATES:
        raise err(f"{where}: value must be one of {', '.join(TREND_STATES)} (got {value!r})")
    if on == "worsening_run" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise err(f"{where}: value must be a whole number of generations >= 1 (got {value!r})")
    severity = item.get("severity", "fail")
    if severity not in ("fail", "warn"):
        raise err(f"{where}: severity must be 'fail' or 'warn' (got {severity!r})")
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise err(f"{where}: name must be a string")
    return TrendCheck(metric=metric, on=on, op=op, value=value, severity=severity, name=name)


def _options(v, name: str, err) -> dict:
    from audit.families import METRIC_OPTIONS
    from audit.limits import check_option

    if not isinstance(v, dict):
        raise err("[options] must be a table of key = value")
    out = {}
    for key, val in v.items():
        if key not in METRIC_OPTIONS:
            raise err(f"unknown option {key!r}{_suggest(key, METRIC_OPTIONS)}", key)
        val = check_option(key, val, METRIC_OPTIONS[key], lambda m, key=key: err(m, key))
        if key in ("bias_groups", "defect_phrases"):  # a path in the config is relative to the config file
            val = str((Path(name).parent / val)) if not Path(val).is_absolute() else val
        out[key] = val
    return out


def _min_docs(v, err) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise err(f"min_docs must be a non-negative integer (got {v!r})")
    return v


def parse_fail_on(v, err=None) -> tuple[str, ...]:
    """``"warn"``, ``"warn,insufficient"`` or ``["warn", "insufficient"]`` -> statuses that fail the run."""
    err = err or ConfigError
    items = v.split(",") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)):
        raise err(f"fail_on must be a list of statuses (got {v!r})")
    allowed = ("fail", "warn", "insufficient", "skipped")
    out = {"fail"}
    for s in items:
        s = str(s).strip()
        if not s:
            continue
        if s not in allowed:
            raise err(f"unknown status {s!r}{_suggest(s, allowed)}; choose from {', '.join(allowed)}")
        out.add(s)
    return tuple(s for s in allowed if s in out)


def _parse_check(item: dict, i: int, lines: _Lines, registry, err, default_min_docs: int) -> Check:
    def at(key):
        return lines.check_line(i, key)

    for key in item:
        if key not in CHECK_KEYS:
            raise err(at(key), f"unknown check key {key!r}{_suggest(key, CHECK_KEYS)}")
    for key in ("metric", "threshold"):
        if key not in item:
            raise err(at(None), f"check #{i + 1} has no {key!r}")
    metric = canonical_name(item["metric"])
    if not isinstance(metric, str) or metric not in registry:
        raise err(at("metric"), f"unknown metric {metric!r}{_suggest(metric, registry)}")
    spec = registry[metric]
    op = item.get("op", "<=")
    if op not in OPS:
        raise err(at("op"), f"unknown op {op!r}; choose from {', '.join(OPS)}")
    kind = getattr(spec, "kind", "per_corpus")
    on = item.get("on", "value" if kind == "pairwise" else "synth")
    if on == "p_adjusted":
        on = "p"
    allowed_on = ON_FIELDS[kind]
    if on not in allowed_on:
        raise err(at("on"), f"on = {on!r} does not apply to {kind} metric {metric!r}; "
                            f"choose from {', '.join(allowed_on)}")
    try:
        threshold: Threshold = parse_threshold(item["threshold"])
    except ValueError as e:
        raise err(at("threshold"), str(e)) from None
    if on == "p" and threshold.ref is not None:
        raise err(at("threshold"), "a p-value check takes a plain number (e.g. 0.05), not an expression")
    if threshold.ref in ("real", "noise") and on in ("real",):
        raise err(at("threshold"), f"on = 'real' cannot be compared with {threshold.ref!r}")
    severity = item.get("severity", "fail")
    if severity not in ("fail", "warn"):
        raise err(at("severity"), f"severity must be 'fail' or 'warn' (got {severity!r})")
    tol = item.get("tol", 1e-9)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not math.isfinite(tol) or tol < 0:
        raise err(at("tol"), f"tol must be a non-negative number (got {tol!r})")
    if "tol" in item and op != "==":
        raise err(at("tol"), "tol only applies to op '=='")
    min_docs = default_min_docs
    if "min_docs" in item:
        min_docs = _min_docs(item["min_docs"], lambda m: err(at("min_docs"), m))
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise err(at("name"), "name must be a string")
    return Check(metric=metric, op=op, threshold=threshold, severity=severity, on=on, tol=float(tol),
                 min_docs=min_docs, line=at(None), name=name)

