"""The unit every reader yields."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Document:
    """One document of a corpus.

    ``id`` is the record's own id when it has one, else ``"<line>"``; ``source`` is the file it came
    from and ``line`` the 1-based line (or row / array index) of the record in that file.
    """

    id: str
    text: str
    source: str = ""
    line: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
