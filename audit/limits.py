"""Every value a user can give, checked once at the boundary, with its range as data.

``Option`` describes one metric tuning knob (``METRIC_OPTIONS`` in ``audit/families/__init__.py``): its
type, its range and its default. It is a ``str`` (the one-line help) so code that only shows the help keeps
working. ``check_option`` is the only place a knob's value is judged, for ``--option KEY=VALUE`` and the
config's ``[options]`` alike; a value out of range is an error naming the range, never a crash after the run.

``SEED_MAX``, ``SAMPLE_SIZE`` ... are the ranges of the command-line numbers; ``MemoryGuard`` ends a run
that is about to run out of memory with a clear message instead of the kernel's kill.
"""
from __future__ import annotations

import math
import os
import resource
from typing import Any

from audit.errors import AuditError, ConfigError

SEED_MAX = 2**32 - 1  # the seed is mixed into 64-bit hash keys as seed * 1000 + salt
SAMPLE_SIZE = (20, 10_000_000)
BATCH_SIZE = (1, 1_000_000)
MAX_DOC_CHARS = (1, 1 << 40)
MIX_SIZE = (40, SAMPLE_SIZE[1])  # documents per mixture (`audit mix --size`)
CALIBRATION_SEEDS = (2, 1000)  # half-vs-half splits of `audit init --seeds`
MEMORY_GIB = (0, 1 << 20)  # `--max-memory`, GiB (0 = no limit)


class Option(str):
    """A metric option: the help text, plus ``kind`` (``int``, ``float``, ``path``), ``lo``/``hi`` (inclusive
    bounds, ``None`` = open) and ``default`` (``None`` = chosen from the data)."""

    kind: str
    lo: float | None
    hi: float | None
    default: Any

    def __new__(cls, help_text: str, kind: str = "int", lo: float | None = None, hi: float | None = None,
                default: Any = None) -> "Option":
        obj = super().__new__(cls, help_text)
        obj.kind, obj.lo, obj.hi, obj.default = kind, lo, hi, default
        return obj

    def range_text(self) -> str:
        what = {"int": "a whole number", "float": "a number", "path": "a file path"}[self.kind]
        if self.lo is not None and self.hi is not None:
            return f"{what} from {_num(self.lo)} to {_num(self.hi)}"
        if self.lo is not None:
            return f"{what} of at least {_num(self.lo)}"
        return what


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x}"


def check_option(key: str, value: Any, spec: str, err=ConfigError) -> Any:
    """``value`` for option ``key`` when it fits ``spec`` (an :class:`Option`), else raise ``err(message)``.

    A plain-string spec (an option added without a range) takes any finite non-negative number or a string.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise err(f"option {key!r} must be a number or a string (got {type(value).__name__})")
    if not isinstance(spec, Option):
        if isinstance(value, float) and not math.isfinite(value) or not isinstance(value, str) and value < 0:
            raise err(f"option {key!r} must be a finite non-negative number (got {value!r})")
        return value
    if spec.kind == "path":
        if not isinstance(value, str) or not value.strip():
            raise err(f"option {key!r} must be {spec.range_text()} (got {value!r})")
        return value
    if isinstance(value, str):
        raise err(f"option {key!r} must be {spec.range_text()} (got {value!r})")
    if spec.kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise err(f"option {key!r} must be {spec.range_text()} (got {value!r})")
            value = int(value)
    elif not math.isfinite(value):
        raise err(f"option {key!r} must be {spec.range_text()} (got {value!r})")
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise err(f"option {key!r} must be {spec.range_text()} (got {value!r})")
    return value


def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` when it is a whole number in ``[lo, hi]``, else a :class:`ConfigError` naming the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a whole number from {lo:,} to {hi:,} (got {value!r})")
    return value


def check_number(name: str, value: Any, lo: float, hi: float, unit: str = "") -> float:
    """``value`` when it is a finite number in ``[lo, hi]``, else a :class:`ConfigError` naming the range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a number{unit} from {_num(lo)} to {_num(hi)} (got {value!r})")
    return value


# -- memory ------------------------------------------------------------------------------------------
class ResourceLimitError(AuditError):
    """The run would need more memory than allowed: a clear message (exit 2), not the kernel's kill."""


def physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux/macOS
        return 0


def default_memory_limit() -> int:
    """85% of physical memory (bytes); 0 (no limit) where it cannot be read."""
    return int(physical_memory() * 0.85)


def current_rss() -> int:
    """Resident memory of this process in bytes (``/proc/self/statm``; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if os.uname().sysname == "Darwin" else peak * 1024


class MemoryGuard:
    """``check(where)`` raises :class:`ResourceLimitError` once resident memory passes ``limit`` bytes.

    Cheap enough for every few thousand documents (one small read of /proc).
    """

    def __init__(self, limit: int | None = None):
        self.limit = default_memory_limit() if limit is None else int(limit)

    def check(self, where: str) -> None:
        if self.limit <= 0:
            return
        rss = current_rss()
        if rss > self.limit:
            raise ResourceLimitError(
                f"memory use reached {rss / 2**30:.1f} GiB, over the limit of {self.limit / 2**30:.1f} GiB "
                f"(--max-memory) {where}; lower --sample-size, split the corpus, or raise --max-memory")
