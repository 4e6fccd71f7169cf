"""Strings from the user's data, made safe for a terminal.

Corpus texts, ids, field names, file names and anything read back from a saved result can hold terminal
escape sequences (``\\x1b[2J`` clears the screen), bidi overrides that reorder what is shown, and rich
markup (``[/x]`` in a file name crashes a rich print). Everything shown on a terminal passes through here:

* :func:`clean` shows control and bidi-control characters as visible escapes (``\\x1b``, ``\\u202e``);
* :func:`safe_markup` also escapes rich markup, for strings placed inside a markup template;
* :func:`one_line` also escapes newlines, for one-line messages (errors on stderr);
* :func:`clean_tree` cleans every string of a JSON-like value (a result before the terminal report).
"""
from __future__ import annotations

import re
from typing import Any

# C0 controls except tab and newline, DEL, C1 controls, and the bidi controls (LRM/RLM, embeddings,
# overrides, isolates) that change how the rest of a line is displayed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_NL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(s: Any) -> str:
    """``str(s)`` with control characters (but tab and newline) shown as escapes; lone surrogates too."""
    s = str(s)
    if s.isascii() and s.isprintable():
        return s
    return _SURROGATE.sub(_escape, _CONTROL.sub(_escape, s))


def one_line(s: Any) -> str:
    """:func:`clean`, and newlines and tabs escaped too: a message that stays on one line."""
    s = str(s)
    if s.isascii() and s.isprintable():
        return s
    return _SURROGATE.sub(_escape, _CONTROL_NL.sub(_escape, s))


def safe_markup(s: Any) -> str:
    """:func:`clean` plus rich markup escaped: safe inside ``console.print(f"[dim]{...}[/dim]")``."""
    from rich.markup import escape

    return escape(clean(s))


def clean_tree(value: Any) -> Any:
    """A copy of a JSON-like value with every string (keys included) passed through :func:`clean`."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_tree(v) for v in value]
    return value
