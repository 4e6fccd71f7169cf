"""Heavy libraries imported without what they pull in but never use.

scikit-learn's ``sklearn.utils.fixes`` runs ``import pandas`` when pandas is installed (it keeps the
module as ``pd`` and never uses it; scikit-learn imports pandas where it needs it, inside functions).
pandas costs a process ~65 MB and ~0.3 s, a sixth of a small audit's memory; the audit itself uses
pandas only in ``AuditResult.to_pandas`` (imported there). :func:`sklearn_without_pandas` imports
scikit-learn's base with ``import pandas`` failing for that moment only; pandas imports normally later.
"""
from __future__ import annotations

import sys


def sklearn_without_pandas() -> None:
    """Import scikit-learn's base modules without importing pandas (a no-op once either is loaded)."""
    if "sklearn.utils.fixes" in sys.modules or "pandas" in sys.modules:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # "import pandas" raises ImportError
    try:
        import sklearn.utils.fixes  # noqa: F401
    finally:
        if "pandas" in sys.modules and sys.modules["pandas"] is None:
            del sys.modules["pandas"]
