"""Errors the CLI turns into one line on stderr and exit code 2."""


class AuditError(Exception):
    """A usage or input error: the message is shown to the user as it is, on one line."""

    exit_code = 2


class InputError(AuditError):
    """A file that cannot be read, parsed, or that holds no usable document."""


class ConfigError(AuditError):
    """A bad option or configuration value."""


def json_problem(e, line: bool = True) -> str:
    """A ``json.JSONDecodeError`` as words and a place: ``Unterminated string starting at line 1 column 22``.
    Python's message for some errors ends in "at" (it is followed by the place in ``str(e)``), so the
    place is put right after it, not after another "at"."""
    where = f"line {e.lineno} column {e.colno}" if line else f"column {e.colno}"
    return f"{e.msg.removesuffix(' at')} at {where}"
