"""Errors that reach the user as one line, with a non-zero exit and no traceback.

A stage names its own parameter (``ConfigError("expected >= 1, got 0", param="window")`` reads
``window: expected >= 1, got 0``); the task that calls it names the config key once, with
``config_keys({"window": "risk.window"})``, so the user reads ``risk.window: ...``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class MinectlError(Exception):
    """A problem with the user's input: the message names what is wrong and what was expected."""

    exit_code = 2

    def __init__(self, message: str, param: str | tuple[str, ...] | None = None) -> None:
        """``param``: the stage parameter(s) the message is about, shown before it (several joined
        by ``/``); a name may go on into the value (``bounds.diesel``, ``items[2]``)."""
        self.message = message
        self.params = (param,) if isinstance(param, str) else tuple(param or ())
        super().__init__(self._text())

    def _text(self) -> str:
        return f"{'/'.join(self.params)}: {self.message}" if self.params else self.message

    def rename(self, keys: Mapping[str, str]) -> None:
        """Name each parameter found in ``keys`` (stage parameter -> config key) by its key."""

        def key(param: str) -> str:
            head = param.split(".", 1)[0].split("[", 1)[0]
            return keys[head] + param[len(head):] if head in keys else param

        self.params = tuple(key(param) for param in self.params)
        self.args = (self._text(),)


class ConfigError(MinectlError):
    """A config key, value or override is wrong."""


class DataError(MinectlError):
    """An input file, table or column is wrong."""


@contextmanager
def config_keys(keys: Mapping[str, str]) -> Iterator[None]:
    """Errors of the stages called in the block (or the decorated function) name the config key
    of the stage parameter they are about: ``keys`` maps stage parameter -> config key."""
    try:
        yield
    except MinectlError as exc:
        exc.rename(keys)
        raise
