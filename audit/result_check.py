"""Checking a saved result before anything reads it: ``AuditResult.load`` and ``from_dict`` call these.

A result file is input like any other: it may be truncated, hand-edited, from another tool, or hostile. Each
field the commands read is checked for its type here, once, so that ``render``, ``gate`` and ``diff`` on a
malformed file end with one line naming what is wrong (exit 2), never a traceback.
"""
from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from audit.errors import InputError, json_problem

MAX_RESULT_BYTES = 1 << 30  # a result is megabytes; a gigabyte is not one of ours

_TEXT_FIELDS = ("family", "name", "title", "description", "better", "kind", "verdict", "reason")
_NUMBER_FIELDS = ("real", "synth", "value", "delta", "noise_floor", "p_value", "p_adjusted")


def _bad(where: str, what: str) -> InputError:
    return InputError(f"not an audit result: {where} {what}")


def _number(x: Any) -> bool:
    return x is None or (isinstance(x, (int, float)) and not isinstance(x, bool) and
                         (not isinstance(x, float) or math.isfinite(x)))


def check_metric(m: Any, i: int) -> None:
    where = f"metrics[{i}]"
    if not isinstance(m, dict):
        raise _bad(where, "is not an object")
    for k in _TEXT_FIELDS:
        if k not in m:
            raise _bad(where, f"lacks {k!r}")
        if not isinstance(m[k], str):
            raise _bad(f"{where}.{k}", "is not a string")
    from audit.result import VERDICT_ORDER

    if m["verdict"] not in VERDICT_ORDER:
        raise _bad(f"{where}.verdict", f"is {m['verdict'][:20]!r}, not one of {', '.join(VERDICT_ORDER)}")
    for k in _NUMBER_FIELDS:
        if not _number(m.get(k)):
            raise _bad(f"{where}.{k}", "is not a number or null")
    if m.get("sample_size") is not None and (isinstance(m["sample_size"], bool) or
                                             not isinstance(m["sample_size"], int)):
        raise _bad(f"{where}.sample_size", "is not a whole number or null")
    for k, typ, name in (("details", dict, "an object"), ("support", dict, "an object"), ("ci", dict, "an object"),
                         ("warnings", list, "a list"), ("unit", str, "a string"), ("sampled", bool, "true/false")):
        if k in m and not isinstance(m[k], typ):
            raise _bad(f"{where}.{k}", f"is not {name}")
    if m.get("scope") is not None and not isinstance(m["scope"], str):
        raise _bad(f"{where}.scope", "is not a string or null")
    for k, v in (m.get("ci") or {}).items():
        if not isinstance(v, list) or len(v) != 2 or not all(_number(x) and x is not None for x in v):
            raise _bad(f"{where}.ci.{k}", "is not a [low, high] pair of numbers")
    if not all(isinstance(w, str) for w in m.get("warnings") or []):
        raise _bad(f"{where}.warnings", "holds a non-string")


def check_gate(g: Any) -> None:
    if g is None:
        return
    if not isinstance(g, dict):
        raise _bad("gate", "is not an object or null")
    if "status" in g and not isinstance(g["status"], str):
        raise _bad("gate.status", "is not a string")
    checks = g.get("checks")
    if checks is not None:
        if not isinstance(checks, list):
            raise _bad("gate.checks", "is not a list")
        for i, c in enumerate(checks):
            if not isinstance(c, dict) or not all(isinstance(c.get(k), str) for k in ("name", "status", "why")):
                raise _bad(f"gate.checks[{i}]", "lacks a string name, status or why")
    for k in ("counts",):
        if k in g and g[k] is not None and not isinstance(g[k], dict):
            raise _bad(f"gate.{k}", "is not an object")


def check_result_dict(data: Any) -> None:
    """Raise :class:`InputError` (one line) unless ``data`` has the shape of an audit result."""
    if not isinstance(data, dict) or "metrics" not in data or "schema_version" not in data:
        raise InputError("not an audit result: missing 'schema_version' or 'metrics'")
    if not isinstance(data["schema_version"], (str, int, float)) or isinstance(data["schema_version"], bool):
        raise _bad("schema_version", "is not a version string")
    if not isinstance(data["metrics"], list):
        raise _bad("metrics", "is not a list")
    for i, m in enumerate(data["metrics"]):
        check_metric(m, i)
    for k in ("inputs", "settings", "sections"):
        if data.get(k) is not None and not isinstance(data[k], dict):
            raise _bad(k, "is not an object")
    for side, d in (data.get("inputs") or {}).items():
        if not isinstance(d, dict):
            raise _bad(f"inputs.{side}", "is not an object")
    check_gate(data.get("gate"))


def read_result_json(path: str | os.PathLike) -> Any:
    """The parsed JSON of a result file, read once; every failure is one :class:`InputError` line."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise InputError(f"{path}: is a directory")
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
                raise InputError(f"{path}: is a device or socket, not a result file")
            raw = f.read(MAX_RESULT_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if len(raw) > MAX_RESULT_BYTES:
        raise InputError(f"{path}: over {MAX_RESULT_BYTES >> 20} MiB, not an audit result")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 (invalid byte 0x{raw[e.start]:02x} at byte {e.start + 1})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({json_problem(e)})") from None
    except RecursionError:
        raise InputError(f"{path}: not valid JSON (nested too deeply)") from None
    except ValueError as e:
        raise InputError(f"{path}: not valid JSON ({str(e).split(';')[0]})") from None
