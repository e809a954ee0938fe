"""Errors that reach the user as one line, with a non-zero exit and no traceback."""


class MinectlError(Exception):
    """A problem with the user's input: the message names what is wrong and what was expected."""

    exit_code = 2


class ConfigError(MinectlError):
    """A config key, value or override is wrong."""


class DataError(MinectlError):
    """An input file, table or column is wrong."""
