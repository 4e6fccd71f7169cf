"""What a metric function returns."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def to_native(obj: Any) -> Any:
    """Turn numpy scalars/arrays (recursively, inside dicts/lists/tuples) into JSON-native values.

    Non-finite floats become ``None`` so the JSON stays valid.
    """
    if isinstance(obj, dict):
        return {str(k): to_native(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_native(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_native(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    return obj


@dataclass(frozen=True)
class MetricResult:
    """The value of one metric on one corpus (or one pair of corpora).

    Attributes
    ----------
    value : float
        The number itself.
    ci : tuple[float, float] | None
        A 95% confidence interval (bootstrap or several seeds), when the metric can give one.
    n : int | None
        How many documents (or items) the value was computed on.
    sampled : bool
        True when the value comes from a seeded sample rather than the whole input.
    p_value : float | None
        For tests: the p-value (never exactly 0 for permutation tests).
    details : dict
        JSON-native evidence (examples, per-item values, top words...).
    warnings : list[str]
        Caveats a reader should see.
    """

    value: float
    ci: tuple[float, float] | None = None
    n: int | None = None
    sampled: bool = False
    p_value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", to_native(self.value))
        if self.ci is not None:
            object.__setattr__(self, "ci", tuple(to_native(list(self.ci))))
        object.__setattr__(self, "p_value", to_native(self.p_value))
        object.__setattr__(self, "n", None if self.n is None else int(self.n))
        object.__setattr__(self, "details", to_native(self.details))
        object.__setattr__(self, "warnings", list(self.warnings))
