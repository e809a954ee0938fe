"""Secrets never leave a run: values resolved from `${oc.env:...}` and passwords inside
connection strings are replaced by `***` wherever minectl writes or prints text
(status.json, provenance.json, .hydra/ copies, logs, summary.parquet, error lines).

Environment values shorter than MIN_LENGTH characters are not treated as secrets: they
cannot be told apart from ordinary text (a seed, a flag) and redacting them would mangle it.
In JSON only strings are redacted: numbers stay numbers.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

MASK = "***"
MIN_LENGTH = 4
_ENV = re.compile(r"\$\{oc\.env:\s*['\"]?([^,}\s'\"]+)")  # the name may be quoted: ${oc.env:'NAME'}
_PASSWORDS = (
    # scheme://user:pw@host (also with one slash, as a URL reads after pathlib normalised it), to the
    # last @ before the path: an unescaped @ in the password (pa@ss) left its end readable
    re.compile(r"(?P<keep>\b[A-Za-z][\w+.-]*:/{1,2}[^\s:/@'\"]*:)(?P<secret>[^\s/'\"]+)(?=@)"),
    # libpq: password=pw, or quoted as libpq allows spaces in it (password='a b'), the quote also
    # escaped by an override (\') or doubled by YAML (''): the secret is all up to the closing quote
    re.compile(r"(?i)(?P<keep>\b(?:password|passwd|pwd)\s*=\s*(?P<quote>\\'|''|'|\\\"|\")?)"
               r"(?P<secret>(?(quote)(?:(?!(?P=quote))(?:\\.|.))+|[^\s'\";]+))"),
)
_KNOWN: set[str] = set()  # secrets of the configs this process has seen


def remember(secrets: Iterable[str]) -> None:
    _KNOWN.update(s for s in secrets if len(s) >= MIN_LENGTH)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret and every password in a connection string as ***."""
    for secret in sorted(_KNOWN.union(s for s in secrets if len(s) >= MIN_LENGTH), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in _PASSWORDS:
        text = pattern.sub(rf"\g<keep>{MASK}", text)
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with its control characters but tab and newline written as escapes (ESC as \\x1b):
    text from a folder someone else made (a job's error, an override), once printed, must not drive
    the terminal (an escape sequence recolours it, rewrites its title or sets the clipboard)."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def redact_strings(data: Any) -> Any:
    """``data`` (JSON-like) with every string in it redacted; numbers stay numbers."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {redact_strings(k): redact_strings(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_strings(v) for v in data]
    return data


def _strings(node: Any) -> Iterator[str]:
    """Every key and value of ``node`` (a config, unresolved, or plain data) that is text."""
    from omegaconf import OmegaConf

    stack = [OmegaConf.to_container(node, resolve=False) if OmegaConf.is_config(node) else node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str):
            yield item


def config_secrets(node: Any) -> set[str]:
    """The environment values that ``${oc.env:NAME}`` interpolations in ``node`` resolve to,
    and the passwords written inside its strings (kept to redact them also where reformatted)."""
    found: set[str] = set()
    for item in _strings(node):
        found.update(os.environ[name] for name in _ENV.findall(item) if name in os.environ)
        found.update(match["secret"] for pattern in _PASSWORDS for match in pattern.finditer(item))
    return found


def environment_read(node: Any) -> dict[str, bool]:
    """The environment variables that ``${oc.env:NAME}`` interpolations in ``node`` read, by name, and
    whether each is set: provenance records that much of them (their values may be secrets)."""
    return {name: name in os.environ for name in sorted({name for item in _strings(node) for name in _ENV.findall(item)})}


def hydra_secrets(hydra: Any) -> set[str]:
    """The secrets of Hydra's own settings (a log file's name, env_set, a launcher's), taken before
    they are checked: an error line may quote them. Not those naming the run's or sweep's folder
    (`run`, `sweep`; `overrides` repeats them as typed): that folder is made under that name, which
    anyone who lists its parent sees, and minectl names it whole ("run dir:", a sweep's table)."""
    from omegaconf import OmegaConf

    node = OmegaConf.to_container(hydra, resolve=False)
    return config_secrets({key: value for key, value in node.items() if key not in ("run", "sweep", "overrides")})


def redact_file(path: Path) -> None:
    """Rewrite a text file (Hydra's saved configs) with its secrets redacted."""
    from minectl.atomic import atomic_path

    text = path.read_text()
    clean = redact(text)
    if clean != text:
        with atomic_path(path) as tmp:
            tmp.write_text(clean)


def redact_logs() -> None:
    """Every log record of this process is redacted when it is made, whatever handlers Hydra
    configures later (its console, the job's log file)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", False):
        return

    def make_redacted(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        message = record.getMessage()
        if record.exc_info:  # the traceback too: it may quote a value
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.msg, record.args = redact(message), None
        return record

    make_redacted.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_redacted)
