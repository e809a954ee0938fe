"""Ids and names as other people's exports write them: zero-width and non-breaking spaces, a BOM
inside a value, control characters, full-width forms, Cyrillic or Greek letters that look Latin.
Two such ids print alike but do not join, so messages show them with their code points and the
contract refuses the ids that would print broken or alike (docs/data-contract.md)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from minectl.errors import DataError

# ISO 4217 codes (case folded) of the currencies of the main mining countries and markets, and the other names of
# one (the yuan as Chinese exports write it: RMB/kWh, 元/kWh are CNY/kWh): the cost mapping's money units and the
# forecast's currency of a price column read both
CURRENCY_CODES = frozenset(
    "usd eur cny aud cad gbp chf jpy inr idr zar brl clp pen mxn rub kzt mnt pgk ghs tzs zmw cdf sek nok php vnd nzd krw".split())
CURRENCY_ALIASES = {"rmb": "cny", "元": "cny", "yuan": "cny"}

MAX_NAME = 255  # characters of an id or name: a database's usual VARCHAR(255)
_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiners: part of words in some scripts and of emoji
# Cyrillic and Greek capitals and small letters drawn as Latin ones (the common homoglyphs in ids)
_LATIN_LOOKALIKES = str.maketrans("АВЕКМНОРСТХУаеорсхуІіЈјЅѕΑΒΕΖΗΙΚΜΝΟΡΤΥΧον",
                                  "ABEKMHOPCTXYaeopcxyIiJjSsABEZHIKMNOPTYXov")


def shown(value: str, limit: int = 60) -> str:
    """``value`` as a message shows it: repr (control and invisible characters escaped), cut to
    ``limit`` characters, and its printable non-ASCII characters named by code point, so that a
    Cyrillic 'М01' is told from a Latin 'M01'."""
    text = repr(value[:limit]) + (f"... ({len(value)} characters)" if len(value) > limit else "")
    odd = [c for c in dict.fromkeys(value[:limit]) if not c.isascii() and c.isprintable() and c != " "]
    if odd:
        text += " (with " + ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip() for c in odd[:3]) + ")"
    return text


def lookalike(value: str) -> str:
    """The form that ids printing alike share: compatibility forms folded (NFKC: full-width 'Ｍ０１',
    a non-breaking space), invisible format characters dropped, look-alike letters as Latin, and
    whitespace runs as one space, stripped."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").translate(_LATIN_LOOKALIKES)
    return " ".join(text.split())


def spelt_alike(value: str) -> str:
    """The key of names a reader takes for one: lookalike, then case folded ('Value', 'vаlue')."""
    return lookalike(value).casefold()


def alike_in(name: str, candidates: Iterable[str]) -> str | None:
    """The first of ``candidates``, other than ``name`` itself, that is spelt like it but for case,
    width, spaces or look-alike letters (for a message's hint), else None."""
    key = spelt_alike(name)
    return next((c for c in candidates if c != name and spelt_alike(c) == key), None)


def check_names(values: Iterable[str | None], column: str, where: str) -> None:
    """Refuse the distinct ``values`` of an id column that are empty or longer than MAX_NAME, hold
    a control or an invisible format character, or print alike but differ (so would not join):
    per distinct value, never per row."""
    seen: dict[str, str] = {}
    for value in sorted(v for v in set(values) if v is not None):
        bad = next((c for c in value if unicodedata.category(c) == "Cc"
                    or (unicodedata.category(c) == "Cf" and c not in _JOINERS)), None)
        if bad is not None:
            kind = "a control" if unicodedata.category(bad) == "Cc" else "an invisible"
            raise DataError(f"{where}: {column} {shown(value)} holds {kind} character (U+{ord(bad):04X} "
                            f"{unicodedata.name(bad, '')}".rstrip() + f"); expected visible text in every {column}")
        if len(value) > MAX_NAME:  # it would fill screens of console tables and log lines
            raise DataError(f"{where}: a {len(value)}-character {column} ({shown(value)}); expected at most {MAX_NAME} "
                            f"characters in a {column}")
        key = lookalike(value)
        if not key:
            raise DataError(f"{where}: an empty {column} ({shown(value)}); expected visible text in every {column}")
        if key in seen:
            raise DataError(f"{where}: {column} {shown(seen[key])} and {shown(value)} print alike but differ (in width, "
                            f"spaces or look-alike letters); expected one spelling per {column}")
        seen[key] = value


def mixed_script_word(text: str) -> str | None:
    """The first word of ``text`` that mixes Latin and Cyrillic letters (a Latin word with a
    look-alike letter: 'Вench'), else None; Greek is left alone ('Δt', 'μm' are written so)."""
    for word in re.findall(r"\w+", text):
        scripts = {unicodedata.name(c, "").split(" ")[0] for c in word if c.isalpha()}
        if {"LATIN", "CYRILLIC"} <= scripts:
            return word
    return None
