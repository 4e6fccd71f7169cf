"""Errors the CLI turns into one line on stderr and exit code 2."""


class AuditError(Exception):
    """A usage or input error: the message is shown to the user as it is, on one line."""

    exit_code = 2


class InputError(AuditError):
    """A file that cannot be read, parsed, or that holds no usable document."""


class ConfigError(AuditError):
    """A bad option or configuration value."""
