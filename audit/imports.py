"""Heavy libraries imported without what they pull in but never use.

scikit-learn's ``sklearn.utils.fixes`` runs ``import pandas`` when pandas is installed (it keeps the
module as ``pd`` and never uses it; scikit-learn imports pandas where it needs it, inside functions).
pandas costs a process ~65 MB and ~0.3 s, a sixth of a small audit's memory; the audit itself uses
pandas only in ``AuditResult.to_pandas`` (imported there). :func:`sklearn_without_pandas` imports
scikit-learn's base with ``import pandas`` failing for that moment only; pandas imports normally later.

``sklearn.utils.fixes`` also imports ``scipy.stats``. While SciPy 1.17 (the version measured) imports, its
decorators (``xp_capabilities``, ``_axis_nan_policy_factory``, ``_transition_to_rng``, ...) parse the numpydoc
docstring of every function they decorate and render it again with a note added: ~0.5 s of a 1.5 s import, in every
process that imports it (the audit's and its families' worker), spent on text nobody running the ``audit``
command reads. In the command's processes (:func:`lean_docs`, set by ``audit.cli.main``) SciPy's parser is
replaced by :class:`_OwnDocstring` for the moment of that import, so each function keeps the docstring its
author wrote; the functions themselves are the same objects. A program that imports ``audit`` (a notebook)
gets SciPy's docstrings as SciPy writes them.
"""
from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

LEAN_DOCS_ENV = "_CORPUS_AUDIT_LEAN_DOCS"  # "1" in the audit command's process and the workers it starts


@contextmanager
def lean_docs() -> Iterator[None]:
    """For the ``audit`` command: while it runs, it and the worker processes it starts (they inherit the
    environment) import SciPy without rendering its docstrings again (see the module's docstring)."""
    before = os.environ.get(LEAN_DOCS_ENV)
    os.environ[LEAN_DOCS_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(LEAN_DOCS_ENV, None)
        else:
            os.environ[LEAN_DOCS_ENV] = before


class _OwnDocstring:
    """Stands in for ``scipy._lib._docscrape.FunctionDoc`` (the numpydoc parser): every section is an empty
    list that SciPy's decorators may add to, and the rendering is the function's own docstring after the
    line SciPy cuts off (the signature). What the decorators add is dropped."""

    def __init__(self, func, *args, **kwargs):
        self._doc = getattr(func, "__doc__", None) or ""
        self._sections: defaultdict[str, list] = defaultdict(list)

    def __getitem__(self, key: str) -> list:
        return self._sections[key]

    def __setitem__(self, key: str, value: list) -> None:
        self._sections[key] = value

    def __str__(self) -> str:
        return "\n" + self._doc


@contextmanager
def scipy_docs_as_written() -> Iterator[None]:
    """SciPy imported inside this block keeps its functions' own docstrings (see the module's docstring).

    Every module that bound the stand-in (``from scipy._lib._docscrape import FunctionDoc``) gets SciPy's
    parser back on the way out, so functions decorated later are documented as usual. Without SciPy's
    ``_docscrape`` module or its ``FunctionDoc`` (another SciPy), nothing is changed.
    """
    try:
        import scipy._lib._docscrape as docscrape

        original = docscrape.FunctionDoc
    except (ImportError, AttributeError):
        yield
        return
    docscrape.FunctionDoc = _OwnDocstring
    try:
        yield
    finally:
        for name, mod in list(sys.modules.items()):
            if name.startswith("scipy") and getattr(mod, "__dict__", {}).get("FunctionDoc") is _OwnDocstring:
                mod.FunctionDoc = original


NUMPY_TOOLS = ("f2py", "testing")  # NumPy's Fortran wrapper generator and its test helpers


@contextmanager
def numpy_star_without_tools() -> Iterator[None]:
    """``from numpy import *`` inside this block leaves out :data:`NUMPY_TOOLS` (see below).

    SciPy and scikit-learn each build an array-API namespace for NumPy by copying it whole (their vendored
    ``array_api_compat``: ``from numpy import *``, then every name ``dir(numpy)`` lists). Both lists name
    NumPy's lazily loaded submodules, so the copy imports ``numpy.f2py`` and ``numpy.testing``, which nothing
    in an audit uses: 0.12 s of every process that imports scikit-learn (session 12). For the moment of the
    import, ``numpy.__all__`` and ``numpy.__dir__`` leave those two out; both are restored on the way out, and
    ``import numpy.testing`` works as ever afterwards. The array-API namespaces lack the two attributes, which
    the array API does not have either (SciPy reaches ``xp.testing`` only for CuPy and PyTorch arrays). When
    NumPy does not define them as expected, nothing is changed.
    """
    import numpy

    names = numpy.__dict__
    all_before, dir_before = names.get("__all__"), names.get("__dir__")
    if not isinstance(all_before, list) or not callable(dir_before):
        yield
        return
    numpy.__all__ = [n for n in all_before if n not in NUMPY_TOOLS]
    numpy.__dir__ = lambda: [n for n in dir_before() if n not in NUMPY_TOOLS]
    try:
        yield
    finally:
        numpy.__all__, numpy.__dir__ = all_before, dir_before


def sklearn_without_pandas() -> None:
    """Import scikit-learn's base modules without importing pandas (a no-op once either is loaded); in the
    ``audit`` command's processes, SciPy with it as :func:`scipy_docs_as_written`, and NumPy's copies as
    :func:`numpy_star_without_tools`."""
    if "sklearn.utils.fixes" in sys.modules or "pandas" in sys.modules:
        return
    lean = os.environ.get(LEAN_DOCS_ENV) == "1" and "scipy.stats" not in sys.modules
    sys.modules["pandas"] = None  # type: ignore[assignment]  # "import pandas" raises ImportError
    try:
        with scipy_docs_as_written() if lean else nullcontext(), \
                numpy_star_without_tools() if lean else nullcontext():
            import sklearn.utils.fixes  # noqa: F401
    finally:
        if "pandas" in sys.modules and sys.modules["pandas"] is None:
            del sys.modules["pandas"]
