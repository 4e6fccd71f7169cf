"""Which part of a record is its text: dotted paths, known record shapes (templates) and chat flattening.

Detection order when no field is given (first shape whose fields are present wins, per record):

1. ``text``, ``content``, ``document``
2. ``prompt`` + ``response``, ``prompt`` + ``completion``   -> ``"prompt\\n\\nresponse"``
3. ``instruction`` + ``input`` + ``output`` (Alpaca; ``input`` optional; non-empty parts joined by a blank line)
4. ``messages`` or ``conversations``: a list of ``{role, content}`` or ShareGPT ``{from, value}`` turns,
   flattened as ``"user: ...\\nassistant: ..."``.

A field is *present* when its key exists and its value is not ``None``.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

SINGLE_FIELDS = ("text", "content", "document")
PAIRS = (("prompt", "response"), ("prompt", "completion"))
CHAT_FIELDS = ("messages", "conversations")
ID_FIELDS = ("id", "_id", "uid")
ALPACA = "instruction+input+output"

# ShareGPT speaker names -> the OpenAI role names used in flattened text and in ``roles``.
ROLE_ALIASES = {"human": "user", "gpt": "assistant"}

# Parts of a pair or Alpaca record, by the chat role they play, so that ``roles`` filters them too.
PART_ROLES = {"prompt": "user", "instruction": "user", "input": "user",
              "response": "assistant", "completion": "assistant", "output": "assistant"}

_MISSING = object()


class Reject(Exception):
    """A record that yields no document: ``reason`` is a snake_case counter key, ``detail`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason} ({detail})")
        self.reason = reason
        self.detail = detail


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace, control and format characters (zero-width
    spaces and joiners, BOMs, soft hyphens, bidi marks). Such a record is ``empty_text``."""
    if not text.strip():
        return True
    if text.isascii():
        return not any(c.isprintable() and not c.isspace() for c in text)
    return all(c.isspace() or unicodedata.category(c) in ("Cf", "Cc") for c in text)


def normalize_role(role: Any) -> str:
    name = str(role).strip().lower()
    return ROLE_ALIASES.get(name, name)


def normalize_roles(roles: Sequence[str] | None) -> tuple[str, ...] | None:
    if roles is None:
        return None
    if isinstance(roles, str):
        roles = [roles]
    out = tuple(dict.fromkeys(normalize_role(r) for r in roles if str(r).strip()))
    return out or None


def get_path(record: Any, path: str) -> Any:
    """Value at a dotted ``path`` (``meta.body``, ``messages.0.content``), or ``_MISSING``.

    A key that itself contains dots (a CSV column named ``meta.body``) is matched first.
    """
    if isinstance(record, Mapping) and path in record:
        return record[path]
    cur = record
    for part in path.split("."):
        if isinstance(cur, Mapping):
            if part not in cur:
                return _MISSING
            cur = cur[part]
        elif isinstance(cur, Sequence) and not isinstance(cur, (str, bytes)):
            try:
                cur = cur[int(part)]
            except (ValueError, IndexError):
                return _MISSING
        else:
            return _MISSING
    return cur


def has_path(record: Any, path: str) -> bool:
    return get_path(record, path) not in (_MISSING, None)


def record_id(record: Mapping, line: int) -> str:
    for key in ID_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, (Mapping, list)):
            return str(value)
    return str(line)


def _as_text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    raise Reject("bad_field_type", f"'{name}' is {type(value).__name__}, not a string")


def _roles_suffix(roles: tuple[str, ...] | None) -> str:
    return f"[{','.join(roles)}]" if roles else ""


def _join_parts(record: Mapping, names: Sequence[str], roles: tuple[str, ...] | None) -> str:
    parts = []
    for name in names:
        value = record.get(name)
        if value is None or (roles and PART_ROLES[name] not in roles):
            continue
        text = _as_text(value, name)
        if text.strip():
            parts.append(text)
    return "\n\n".join(parts)


def _turn_content(content: Any, where: str) -> str | None:
    if content is None:  # e.g. an assistant turn that only carries a tool call
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts: [{"type": "text", "text": ...}, ...]
        texts = [p.get("text") if isinstance(p, Mapping) else p for p in content]
        return "\n".join(t for t in texts if isinstance(t, str))
    raise Reject("bad_field_type", f"{where} content is {type(content).__name__}, not a string")


def flatten_chat(turns: Any, field: str, roles: tuple[str, ...] | None) -> str:
    """``"role: content"`` lines for the turns whose role is in ``roles`` (all when ``None``).

    When ``roles`` keeps a single role the ``"role: "`` prefix is left out: it would be the same on every
    line and only skew lexical metrics.
    """
    if not isinstance(turns, list):
        raise Reject("bad_field_type", f"'{field}' is {type(turns).__name__}, not a list of turns")
    prefix = roles is None or len(roles) > 1
    lines = []
    for i, turn in enumerate(turns):
        where = f"{field}.{i}"
        if not isinstance(turn, Mapping):
            raise Reject("bad_field_type", f"{where} is {type(turn).__name__}, not an object")
        role = turn.get("role", turn.get("from"))
        content = turn["content"] if "content" in turn else turn.get("value", _MISSING)
        if role is None or content is _MISSING:
            raise Reject("bad_field_type", f"{where} has no role/from or content/value")
        if not isinstance(role, str):
            raise Reject("bad_field_type", f"{where} role is {type(role).__name__}, not a string")
        role = normalize_role(role)
        text = _turn_content(content, where)
        if text is None or not text.strip() or (roles and role not in roles):
            continue
        lines.append(f"{role}: {text}" if prefix else text)
    return "\n".join(lines)


def detect_template(record: Mapping) -> str | None:
    """The first known shape whose fields are present in ``record`` (a row dict or a set of columns)."""
    present = {k for k in record if record[k] is not None} if isinstance(record, Mapping) else set(record)
    for name in SINGLE_FIELDS:
        if name in present:
            return name
    for a, b in PAIRS:
        if a in present and b in present:
            return f"{a}+{b}"
    if "instruction" in present and "output" in present:
        return ALPACA
    for name in CHAT_FIELDS:
        if name in present:
            return name
    return None


def _missing_detail(record: Mapping) -> str:
    keys = ", ".join(list(map(str, record))[:12]) or "none"
    known = {*SINGLE_FIELDS, *(f for pair in PAIRS for f in pair), "instruction", "output", *CHAT_FIELDS}
    nulls = [f"'{k}'" for k in record if k in known and record[k] is None]
    if nulls:  # the field is there, but holds no text
        return f"{', '.join(nulls)} {'is' if len(nulls) == 1 else 'are'} null (keys: {keys})"
    if "prompt" in record:
        return f"'prompt' without 'response' or 'completion' (keys: {keys})"
    if "instruction" in record:
        return f"'instruction' without 'output' (keys: {keys})"
    return f"no text, content, document, prompt+response, instruction+output or messages field (keys: {keys})"


def extract_text(record: Mapping, text_field: str | None,
                 roles: tuple[str, ...] | None) -> tuple[str, str]:
    """``(text, template)`` for one record, or raise :class:`Reject` (``missing_field``, ``bad_field_type``).

    The text may be empty or blank: the caller rejects that as ``empty_text``.
    """
    if text_field is not None:
        value = get_path(record, text_field)
        if value is _MISSING or value is None:
            raise Reject("missing_field", f"no '{text_field}' field")
        if isinstance(value, list) and text_field.rsplit(".", 1)[-1] in CHAT_FIELDS:
            return flatten_chat(value, text_field, roles), text_field + _roles_suffix(roles)
        return _as_text(value, text_field), text_field
    template = detect_template(record)
    if template is None:
        raise Reject("missing_field", _missing_detail(record))
    if template in SINGLE_FIELDS:
        return _as_text(record[template], template), template
    if template in CHAT_FIELDS:
        return flatten_chat(record[template], template, roles), template + _roles_suffix(roles)
    names = template.split("+")
    return _join_parts(record, names, roles), template + _roles_suffix(roles)
