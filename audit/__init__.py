"""corpus-audit: audit a synthetic text corpus against a real one.

The Python API is :mod:`audit.api` (``from audit.api import compare``); it returns an
:class:`audit.result.AuditResult`. ``__version__`` is the one place the version is written.
"""
__version__ = "0.2.0"
