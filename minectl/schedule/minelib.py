"""MineLib files (Espinoza et al. 2013, section 3): read and write `.blocks`, `.prec`, `.upit`, `.cpit`,
`.pcpsp` and solution files, with one-line errors naming the file, line and what was expected.

Conventions kept from MineLib: block ids are 0..n-1; a `.prec` line `b k p1 .. pk` says b may be
mined only once p1..pk are; periods and destinations count from 0; a resource limit is
`r t L|G|I value [value]` (at most, at least, within). Files are read whole (MineLib instances are
at most a few hundred MB) and numbers parsed by numpy in one call per section.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import itertools
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minectl.errors import DataError

KINDS = ("UPIT", "CPIT", "PCPSP")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not a tab, LF or CR
# a schedule's variables (blocks x periods x destinations) refused above this, before anything is
# allocated: a header can claim any size, and the time-indexed model holds every variable
MAX_VARIABLES = 50_000_000
# MineLib's published values by instance name (the file stem), each reported next to minectl's:
# UPIT optimal (pseudoflow), CPIT and PCPSP best known (the 2012 "gmunoz120723" solutions; later
# papers improved some, so they are the values to meet, not optima). From each instance's
# MineLib page (Espinoza et al. 2013), as copied in examples/data/minelib_newman1/PROVENANCE.txt.
PUBLISHED_BEST = {
    "newman1": {"upit": 26_086_899, "cpit": 23_483_671, "pcpsp": 23_658_230},
    "zuck_small": {"upit": 1_422_726_898, "cpit": 788_652_600, "pcpsp": 872_372_967},
    "kd": {"upit": 652_195_037, "cpit": 396_858_193, "pcpsp": 406_871_207},
    "marvin": {"upit": 1_415_655_436, "cpit": 820_726_048, "pcpsp": 885_968_070},
}
# their block counts (Espinoza et al. 2013, Table 2): a file named like one of them but of another
# size is another instance (an edited copy, a subset), whose value the published one does not judge
PUBLISHED_BLOCKS = {"newman1": 1_060, "zuck_small": 9_400, "kd": 14_153, "marvin": 53_271}
# content_sha256 of the published instances at hand (examples/data/minelib_newman1): an edited copy of
# the same size (a block value, a limit, a precedence changed) is another instance too. The others'
# files are not at hand: for them the block count is the only check.
PUBLISHED_CONTENT = {"newman1": {"upit": "2deb8b7b41eaf389", "cpit": "ce81b932ece2c1a4", "pcpsp": "d01b2ddf280efc60"}}


def published_best(name: str, kind: str, instance: Instance, prec: Precedence) -> tuple[float | None, str | None]:
    """MineLib's published value of `kind` for the instance file stem `name`, or why there is none
    for this instance (None when MineLib has no instance of that name)."""
    name = name.lower()
    if name not in PUBLISHED_BEST:
        return None, None
    if instance.n_blocks != PUBLISHED_BLOCKS[name]:
        return None, f"{instance.n_blocks:,} blocks, where MineLib's {name} has {PUBLISHED_BLOCKS[name]:,}"
    published = PUBLISHED_CONTENT.get(name, {}).get(kind)
    if published is not None and content_sha256(instance, prec) != published:
        return None, f"other block values, limits or precedences than MineLib's {name}.{kind} (an edited copy)"
    return PUBLISHED_BEST[name].get(kind), None


def content_sha256(instance: Instance, prec: Precedence) -> str:
    """The first 16 hex digits of the sha256 of what an instance's value depends on, as read (line
    ends, spacing and number spellings aside): precedences, block values, resource uses and limits,
    periods and discount rate."""
    digest = hashlib.sha256()
    for array in (prec.start, prec.preds, instance.objective, instance.coef, instance.lower, instance.upper,
                  np.array([instance.n_periods, instance.discount_rate])):
        digest.update(repr(array.shape).encode() + np.ascontiguousarray(array, dtype="<f8").tobytes())
    return digest.hexdigest()[:16]


NOT_IN_MINELIB_INTEGERS = np.ones(256, bool)  # bytes of a file of integers: digits and whitespace only
NOT_IN_MINELIB_INTEGERS[[*range(48, 58), 32, 9, 13, 10]] = False


@dataclass
class Precedence:
    """Predecessor lists in compressed rows: the predecessors of b are `preds[start[b]:start[b + 1]]`."""

    start: np.ndarray  # int64, n + 1
    preds: np.ndarray  # int64

    @property
    def n_blocks(self) -> int:
        return len(self.start) - 1

    def arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """(block, predecessor) pairs, one per arc."""
        return np.repeat(np.arange(self.n_blocks), np.diff(self.start)), self.preds

    @classmethod
    def from_arcs(cls, n_blocks: int, blocks: np.ndarray, preds: np.ndarray) -> Precedence:
        order = np.argsort(blocks, kind="stable")
        counts = np.bincount(blocks, minlength=n_blocks)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), np.asarray(preds, np.int64)[order])


@dataclass
class Instance:
    """A UPIT, CPIT or PCPSP instance. `objective[b, d]`: value of block b sent to destination d
    (undiscounted; UPIT and CPIT have one destination). `coef[r, b, d]`: use of resource r;
    `lower[r, t]` / `upper[r, t]`: its limits in period t (-inf / inf: none)."""

    name: str
    kind: str
    objective: np.ndarray
    n_periods: int = 1
    discount_rate: float = 0.0
    coef: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 1)))
    lower: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    upper: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))

    @property
    def n_blocks(self) -> int:
        return self.objective.shape[0]

    @property
    def n_destinations(self) -> int:
        return self.objective.shape[1]

    @property
    def n_resources(self) -> int:
        return self.lower.shape[0]

    def discounts(self) -> np.ndarray:
        """1 / (1 + rate)^t for t = 0..T-1 (MineLib discounts period t by t periods)."""
        return (1.0 + self.discount_rate) ** -np.arange(self.n_periods, dtype=float)

    def packing_only(self) -> bool:
        """Only upper limits on non-negative uses: mining fewer blocks never breaks a constraint."""
        return bool(np.all(np.isneginf(self.lower)) and np.all(self.coef >= 0))


@dataclass
class Solution:
    """A schedule: `period[b]` (-1: not mined) and, for PCPSP, the share of each block per destination."""

    period: np.ndarray  # int64, n
    share: np.ndarray  # float, n x D; rows of unmined blocks are 0

    @classmethod
    def from_periods(cls, period: np.ndarray, n_destinations: int = 1) -> Solution:
        period = np.asarray(period, np.int64)
        share = np.zeros((len(period), n_destinations))
        share[period >= 0, 0] = 1.0
        return cls(period, share)


# -- reading ---------------------------------------------------------------------------------------

def _gzipped(path: Path) -> bool:
    """Named .gz, or gzip data under the plain name (a browser saves a download so): read decompressed."""
    from minectl.data.sources import found_input

    path = found_input(path, "a MineLib file", folder=False)
    with open(path, "rb") as head:
        return path.name.lower().endswith(".gz") or head.read(2) == b"\x1f\x8b"


def _gunzipped(path: Path) -> bytes:
    """A gzipped file's contents, decompressed as they are read: MineLib's site serves its files so (newman1.prec.gz)."""
    try:
        with gzip.open(path) as stream:
            return stream.read()
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError; a cut download ends in EOFError
        raise DataError(f"{path}: not readable as gzip ({exc}); expected a whole gzipped MineLib file, or the file as text "
                        "without .gz in its name") from None


def _text(path: Path) -> list[str]:
    """The lines of a MineLib text file. A control character is refused: read on, a file separator
    or form feed ended a line (a value moved to a line of its own, errors named the wrong line) and
    an escape code in NAME went into every file written from the instance."""
    from minectl.data.sources import read_text

    if _gzipped(path):  # as read_text reads a file as it is: a byte-order mark dropped, ASCII, splitlines' line ends
        try:
            text = _gunzipped(path).removeprefix(codecs.BOM_UTF8).decode("ascii")
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: not ascii text (byte {exc.start} decompressed); expected a MineLib text file") from None
    else:
        text = read_text(path, "ascii", "a MineLib text file")
    control = CONTROL.search(text)
    if control:
        raise DataError(f"{path}:{len(text[:control.end()].splitlines())}: control character {control.group()!r}; expected a MineLib "
                        "text file of printable ASCII, tabs and line ends")
    return text.splitlines()


def _numbers(path: Path, rows: list[str], line_of, width: int, what: str, dtype=float) -> np.ndarray:
    """`rows` (each `width` fields) as a len(rows) x width array; the offending line (``line_of[i]``: the file
    line of row i, blank and comment lines skipped) on a wrong field."""
    fields = [row.split() for row in rows]
    for i, parts in enumerate(fields):
        if len(parts) != width:
            raise DataError(f"{path}:{line_of[i]}: {len(parts)} fields; expected {width} ({what})")
    try:
        return np.array(fields, dtype=dtype).reshape(len(rows), width)
    except ValueError:
        for i, parts in enumerate(fields):
            try:
                np.array(parts, dtype=dtype)
            except ValueError:
                raise DataError(f"{path}:{line_of[i]}: {' '.join(parts)!r} is not numeric; expected {what}") from None
        raise


def _check_ids(path: Path, ids: np.ndarray, n: int, line_of, what: str) -> None:
    """Ids in 0..n-1; float ids are checked before their cast to int64 (1e20 wrapped to a negative id, with a warning)."""
    bad = np.flatnonzero((ids < 0) | (ids >= n) | (ids != np.round(ids)))
    if len(bad) and ids.min() == 1 and ids.max() == n:  # an export numbered from 1 (Surpac, Vulcan): "unknown block id n" said less
        raise DataError(f"{path}:{line_of[bad[0]]}: block id {n}: the ids run from 1 to {n}; expected {what} in 0..{n - 1} "
                        "(MineLib numbers blocks from 0: subtract 1 from each id)")
    if len(bad):
        value = ids[bad[0]].item()
        shown = int(value) if abs(value) < 2**53 and float(value).is_integer() else value
        kind = "non-integer" if np.isfinite(value) and not float(value).is_integer() else "unknown"
        raise DataError(f"{path}:{line_of[bad[0]]}: {kind} block id {shown}; expected {what} in 0..{n - 1}")


def _one_per_block(path: Path, ids: np.ndarray, n: int, line_of) -> None:
    """Each block id exactly once (ids already in range)."""
    counts = np.bincount(ids, minlength=n)
    if np.any(counts > 1):
        dup = int(np.flatnonzero(counts > 1)[0])
        raise DataError(f"{path}:{line_of[int(np.flatnonzero(ids == dup)[1])]}: block {dup} listed twice; expected each block once")
    if np.any(counts == 0):
        raise DataError(f"{path}: block {int(np.flatnonzero(counts == 0)[0])} missing; expected a line for each of the {n} blocks")


def read_blocks(path: Path, n_blocks: int | None = None) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """A `.blocks` file: ids (0..n-1, each once), coordinates (n x 3, columns 2-4) and the remaining
    columns as text (their meaning is instance specific: see the instance's readme). ``n_blocks``: the
    .prec file's count, which the file must have."""
    lines = [(i + 1, line) for i, line in enumerate(_text(path)) if line.strip() and not line.lstrip().startswith("%")]
    if not lines:
        raise DataError(f"{path}: no blocks; expected lines `id x y z ...`")
    parts = [line.split() for _, line in lines]
    short = next((i for i, p in enumerate(parts) if len(p) < 4), None)
    if short is not None:  # a CSV export is one field a line: "1 fields" did not say why
        comma = next((c for c in ",;" if c in lines[short][1]), None)
        found = f"fields separated by {comma!r}" if comma else f"{len(parts[short])} fields"
        raise DataError(f"{path}:{lines[short][0]}: {found}; expected at least `id x y z`, separated by spaces or tabs")
    if len(parts) > 1 and not _numeric(parts[0][0]) and _numeric(parts[1][0]):  # "'id x y z' is not numeric" said it in circles
        raise DataError(f"{path}:{lines[0][0]}: {lines[0][1][:40]!r} is a header line; expected `id x y z ...` numbers from the first "
                        "line (MineLib's .blocks has no header: remove it or start it with %)")
    ragged = next((i for i, p in enumerate(parts) if len(p) != len(parts[0])), None)
    if ragged is not None:  # an empty cell of a tab-separated export collapses: `2\t0\t\t1` put block 2 at y 1, z 1.5
        raise DataError(f"{path}:{lines[ragged][0]}: {len(parts[ragged])} fields where line {lines[0][0]} has {len(parts[0])}; "
                        "expected the same columns on every line (an empty cell: fill it in)")
    if n_blocks is not None and len(lines) != n_blocks:  # before the ids: a file of some blocks named a later id as "unknown"
        raise DataError(f"{path}: {len(lines)} blocks; expected {n_blocks} (the .prec file's), one line each")
    line_of = [number for number, _ in lines]
    head = _numbers(path, [" ".join(p[:4]) for p in parts], line_of, 4, "`id x y z` numbers")
    if not np.all(np.isfinite(head)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(head), axis=1))[0])
        raise DataError(f"{path}:{lines[bad][0]}: {' '.join(parts[bad][:4])!r} is not finite; expected `id x y z` numbers")
    _check_ids(path, head[:, 0], len(head), line_of, "ids")
    ids = head[:, 0].astype(np.int64)
    _one_per_block(path, ids, len(ids), line_of)
    _, first, seen = np.unique(head[:, 1:], axis=0, return_index=True, return_inverse=True)
    again = np.flatnonzero(first[seen.ravel()] != np.arange(len(ids)))
    if len(again):  # two blocks in one place: a corrupt export, or two models' blocks in one file
        row = int(again[0])
        raise DataError(f"{path}:{lines[row][0]}: block {ids[row]} is at {' '.join(parts[row][1:4])}, as block "
                        f"{ids[first[seen.ravel()[row]]]} is; expected one block at each x y z")
    order = np.argsort(ids)
    return ids[order], head[order, 1:], [parts[i][4:] for i in order]


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _integer_tokens(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every whitespace-separated token of a file of non-negative integers, parsed in numpy (a
    14k-block, 250k-arc `.prec` in milliseconds), and the 1-based line of each."""
    from minectl.data.sources import found_input

    path = found_input(path, "a MineLib file", folder=False)
    data = _gunzipped(path) if _gzipped(path) else path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):  # Windows tools write one: blanks, so offsets and lines stay
        data = b" " * len(codecs.BOM_UTF8) + data[len(codecs.BOM_UTF8):]
    buf = np.frombuffer(data, np.uint8)
    alone = np.flatnonzero((buf == 13) & (np.append(buf[1:], 0) != 10))
    if len(alone):  # a line end of CR only (classic Mac), as the other files are read (splitlines): was one long line
        buf = buf.copy()
        buf[alone] = 10
    odd = np.flatnonzero(NOT_IN_MINELIB_INTEGERS[buf])  # non-ascii bytes and `%` are among them: looked for there only
    if len(odd) and np.any(buf[odd] > 127):
        raise DataError(f"{path}: not ascii text (byte {int(odd[np.argmax(buf[odd] > 127)])}); expected a MineLib file of integers")
    if len(odd) and 37 in buf[odd]:  # `%` comment lines, as the other MineLib files allow: blanked, so line numbers stay
        buf = _blank_comments(buf)
        odd = np.flatnonzero(NOT_IN_MINELIB_INTEGERS[buf])
    digit = (buf - 48) < 10  # uint8 arithmetic wraps: one comparison for '0'..'9'
    newline = np.flatnonzero(buf == 10)
    if len(odd):
        at = int(odd[0])
        line = int(np.searchsorted(newline, at))
        text = bytes(buf[newline[line - 1] + 1 if line else 0:]).split(b"\n", 1)[0].decode("ascii", "replace")
        raise DataError(f"{path}:{line + 1}: {next((w for w in text.split() if not w.isdigit()), '?')!r} is not an integer block id; "
                        "expected `block count pred1 .. predcount`, non-negative integers")
    edges = np.flatnonzero(np.diff(digit.view(np.int8), prepend=0, append=0))  # token starts and (exclusive) ends
    starts, ends = edges[::2], edges[1::2]
    length = ends - starts
    if len(starts) and length.max() > 15:
        raise DataError(f"{path}: a number of {length.max()} digits; expected block ids and counts")
    # digit by digit from the right, over the tokens that long: exact int64 arithmetic
    values = np.zeros(len(starts), np.int64)
    for k in range(1, int(length.max(initial=0)) + 1):
        long = np.flatnonzero(length >= k) if k > 1 else slice(None)
        values[long] += (buf[ends[long] - k].astype(np.int64) - 48) * 10 ** (k - 1)
    return values, np.searchsorted(newline, starts) + 1


def _blank_comments(buf: np.ndarray) -> np.ndarray:
    lines = bytes(buf).split(b"\n")
    return np.frombuffer(b"\n".join(b" " * len(line) if line.lstrip().startswith(b"%") else line for line in lines), np.uint8)


def read_prec(path: Path, n_blocks: int | None = None) -> Precedence:
    """A `.prec` file: one line per block, `b k p1 .. pk`."""
    values, line_of = _integer_tokens(path)
    lines, first, width = np.unique(line_of, return_index=True, return_counts=True)
    n = len(lines) if n_blocks is None else n_blocks
    if len(lines) == 0:
        raise DataError(f"{path}: no blocks; expected a line `block count pred1 .. predcount` for each block")
    if len(lines) != n:
        raise DataError(f"{path}: {len(lines)} lines; expected one per block ({n})")
    if n == 0:
        return Precedence(np.zeros(1, np.int64), np.zeros(0, np.int64))
    counts = np.where(width >= 2, values[np.minimum(first + 1, len(values) - 1)], -1)
    wrong = np.flatnonzero(width != counts + 2)
    if len(wrong):
        raise DataError(f"{path}:{lines[wrong[0]]}: expected `block count pred1 .. predcount` with count predecessors")
    blocks = values[first]
    # a .prec leaving out the blocks without predecessors named its first later block as "unknown", in 0..lines - 1
    _check_ids(path, blocks, n, lines, "a line for every block (`b 0` for one without predecessors), block ids")
    _one_per_block(path, blocks, n, lines)
    is_pred = np.ones(len(values), bool)
    is_pred[first] = is_pred[first + 1] = False
    preds, owners, owner_line = values[is_pred], np.repeat(blocks, counts), np.repeat(lines, counts)
    bad = np.flatnonzero(preds >= n)
    if len(bad):
        raise DataError(f"{path}:{owner_line[bad[0]]}: block {owners[bad[0]]} has dangling predecessor {preds[bad[0]]}; "
                        f"expected ids in 0..{n - 1}")
    own = np.flatnonzero(owners == preds)
    if len(own):
        raise DataError(f"{path}:{owner_line[own[0]]}: block {owners[own[0]]} is its own predecessor; "
                        "expected predecessors of other blocks")
    return Precedence.from_arcs(n, owners, preds)


def _key(line: str) -> str:
    """The key of a `KEY: value` header line, in capitals; `TYPE : UPIT` (a space before the colon) too."""
    return line.partition(":")[0].strip().upper() if ":" in line else ""


def _leading_keys(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines up to the first without a colon: the header, in any order, and the first section's tag."""
    return list(itertools.takewhile(lambda line: ":" in line[1], lines))


def _header(path: Path, lines: list[tuple[int, str]], keys: tuple[str, ...]) -> tuple[dict[str, str], int]:
    """The `KEY: value` lines of ``keys``, each once, in any order (MineLib's files keep the format text's,
    other writers and readers go by name: `DISCOUNT_RATE` before `NPERIODS` was refused); returns the values
    and the index of the next line. A line of no such key is named with the first key still missing."""
    values: dict[str, str] = {}
    for i in range(len(keys)):
        key = _key(lines[i][1]) if i < len(lines) else None
        if key not in keys or key in values:
            missing = next(k for k in keys if k not in values)
            found = f"{path}:{lines[i][0]}: found {lines[i][1][:40]!r}" if i < len(lines) else f"{path}: file ends"
            raise DataError(f"{found}; expected `{missing}:`")
        values[key] = lines[i][1].partition(":")[2].strip()
    return values, len(keys)


def _count(path: Path, values: dict[str, str], key: str, low: int = 0) -> int:
    text = values[key]
    if not text.isdigit() or int(text) < low:
        raise DataError(f"{path}: {key} {text!r}; expected an integer >= {low}")
    return int(text)


def read_instance(path: Path, n_blocks: int | None = None, kind: str | None = None) -> Instance:
    """A `.upit`, `.cpit` or `.pcpsp` file (the TYPE line says which; ``kind``: the one expected)."""
    expected = kind
    path = Path(path)
    lines = [(i + 1, line.strip()) for i, line in enumerate(_text(path)) if line.strip() and not line.lstrip().startswith("%")]
    kind = next((line.partition(":")[2].strip().upper() for _, line in _leading_keys(lines) if _key(line) == "TYPE"), None)
    if kind not in KINDS:
        raise DataError(f"{path}: TYPE {kind!r}; expected one of {', '.join(KINDS)} in the header")
    if expected is not None and kind != expected.upper():
        raise DataError(f"{path}: TYPE {kind}; expected {expected.upper()}")
    keys = {"UPIT": ("NAME", "TYPE", "NBLOCKS"),
            "CPIT": ("NAME", "TYPE", "NBLOCKS", "NPERIODS", "NRESOURCE_SIDE_CONSTRAINTS", "DISCOUNT_RATE"),
            "PCPSP": ("NAME", "TYPE", "NBLOCKS", "NPERIODS", "NDESTINATIONS", "NRESOURCE_SIDE_CONSTRAINTS",
                      "NGENERAL_SIDE_CONSTRAINTS", "DISCOUNT_RATE")}[kind]
    head, at = _header(path, lines, keys)
    n = _count(path, head, "NBLOCKS", 1)
    if n_blocks is not None and n != n_blocks:
        raise DataError(f"{path}: NBLOCKS {n}; expected {n_blocks} (the blocks of the .prec file)")
    periods = _count(path, head, "NPERIODS", 1) if kind != "UPIT" else 1
    dests = _count(path, head, "NDESTINATIONS", 1) if kind == "PCPSP" else 1
    resources = _count(path, head, "NRESOURCE_SIDE_CONSTRAINTS") if kind != "UPIT" else 0
    if kind == "PCPSP" and _count(path, head, "NGENERAL_SIDE_CONSTRAINTS") != 0:
        raise DataError(f"{path}: general side constraints are not supported; expected NGENERAL_SIDE_CONSTRAINTS: 0")
    # none of the sections of constraints the header counts 0 of (general ones: never supported) may hold a line
    lines = _sections_in_order(path, lines, at, GENERAL | (RESOURCE_SECTIONS if kind != "UPIT" and resources == 0 else {}))
    rate = 0.0
    if kind != "UPIT":
        try:
            rate = float(head["DISCOUNT_RATE"])
        except ValueError:
            rate = float("nan")
        if not 0 <= rate < 1:  # 8 meant as 8 % would be 800 % a period
            raise DataError(f"{path}: DISCOUNT_RATE {head['DISCOUNT_RATE']!r}; expected a fraction per period in [0, 1) "
                            "(0.08 for 8 %)")
    if n * periods * dests > MAX_VARIABLES:
        raise DataError(f"{path}: NBLOCKS x NPERIODS x NDESTINATIONS = {n * periods * dests:,} schedule variables; "
                        f"expected at most {MAX_VARIABLES:,}")
    if resources * periods > len(lines):  # before allocating: a header can claim any size
        raise DataError(f"{path}: {resources} resources x {periods} periods need as many limit lines; the file has {len(lines)} lines")
    lower = np.full((resources, periods), -np.inf)
    upper = np.full((resources, periods), np.inf)
    if resources:
        at = _expect(path, lines, at, "RESOURCE_CONSTRAINT_LIMITS:")
        given = next((i for i in range(at, len(lines)) if lines[i][1].upper() == "OBJECTIVE_FUNCTION:"), len(lines)) - at
        if given < resources * periods:  # a limit missing for a period: said so, not 'OBJECTIVE_FUNCTION:' read as a limit
            raise DataError(f"{path}: {given} resource limit lines; expected {resources * periods} (one per resource and period: "
                            f"{resources} x {periods})")
        # every line up to the objective: one more (a period beyond NPERIODS) was "found '0 2 L 1'; expected
        # `OBJECTIVE_FUNCTION:`", not named as the limit out of the header's range (without the objective's tag, the
        # block values are not read as limits: its absence is named)
        at = _limits(path, lines[at: at + (given if at + given < len(lines) else resources * periods)], lower, upper) + at
    at = _expect(path, lines, at, "OBJECTIVE_FUNCTION:")
    objective, at = _block_rows(path, lines, at, n, dests, "objective")
    coef = np.zeros((resources, n, dests))
    if resources:
        at = _expect(path, lines, at, "RESOURCE_CONSTRAINT_COEFFICIENTS:")
        at = _coefficients(path, lines, at, coef, by_destination=kind == "PCPSP")
        _check_feasible_limits(path, coef, lower, upper)
    if at < len(lines) and lines[at][1].upper() == "EOF":
        at += 1
    elif kind != "UPIT":
        raise DataError(f"{path}:{lines[at][0] if at < len(lines) else len(lines)}: expected `EOF`")
    if at < len(lines):
        raise DataError(f"{path}:{lines[at][0]}: unexpected line after the end of the instance")
    return Instance(head["NAME"], kind, objective, periods, rate, coef, lower, upper)


# the sections after the header, in the published files' order (newman1's); MineLib's format text lists the
# objective and the coefficients before the limits, and other readers take the sections by name
SECTIONS = ("RESOURCE_CONSTRAINT_LIMITS:", "OBJECTIVE_FUNCTION:", "RESOURCE_CONSTRAINT_COEFFICIENTS:", "EOF")
# sections that must be empty, and why: a writer may put each tag in the file with no line under it
GENERAL = dict.fromkeys(("GENERAL_CONSTRAINT_LIMITS:", "GENERAL_CONSTRAINT_COEFFICIENTS:"),
                        "general side constraints are not supported")
RESOURCE_SECTIONS = dict.fromkeys(("RESOURCE_CONSTRAINT_LIMITS:", "RESOURCE_CONSTRAINT_COEFFICIENTS:"),
                                  "the header's NRESOURCE_SIDE_CONSTRAINTS: 0")


def _sections_in_order(path: Path, lines, at: int, empty: dict[str, str]):
    """``lines`` with the sections after the header (from ``at``) in SECTIONS' order, each line keeping its
    number, and the sections of ``empty`` (tag: why it holds no line) left out. Written in the format text's order,
    a file was refused ("found 'OBJECTIVE_FUNCTION:'"); an empty GENERAL_CONSTRAINT_LIMITS: was "1 fields; expected 4",
    and an empty RESOURCE_CONSTRAINT_LIMITS: with no resources "expected `OBJECTIVE_FUNCTION:`". Anything else is
    left as it is, for the parser to name."""
    starts = [i for i in range(at, len(lines)) if lines[i][1].upper() in (*SECTIONS, *GENERAL)]
    if not starts or starts[0] != at:
        return lines
    parts = [lines[start:end] for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)]
    tags = [part[0][1].upper() for part in parts]
    if len(set(tags)) != len(tags) or (tags.count("EOF") and tags[-1] != "EOF"):
        return lines  # a section twice, or one after EOF: named by the parser
    for part, tag in zip(parts, tags, strict=True):
        if tag in empty and len(part) > 1:
            raise DataError(f"{path}:{part[1][0]}: a line of {tag[:-1]}; expected none ({empty[tag]})")
    kept = sorted((part for part, tag in zip(parts, tags, strict=True) if tag not in empty),
                  key=lambda part: SECTIONS.index(part[0][1].upper()))
    return lines[:at] + [line for part in kept for line in part]


def _expect(path: Path, lines, at: int, tag: str) -> int:
    if at >= len(lines) or lines[at][1].upper() != tag:
        found = f"{path}:{lines[at][0]}: found {lines[at][1][:40]!r}" if at < len(lines) else f"{path}: file ends"
        raise DataError(f"{found}; expected `{tag}`")
    return at + 1


def _limits(path: Path, rows, lower: np.ndarray, upper: np.ndarray) -> int:
    resources, periods = lower.shape
    if len(rows) < resources * periods:
        raise DataError(f"{path}: {len(rows)} resource limit lines; expected {resources * periods} (resources x periods)")
    seen = np.zeros_like(lower, dtype=bool)
    for number, line in rows:
        parts = line.split()
        kind = parts[2].upper() if len(parts) > 2 else ""
        width = {"L": 4, "G": 4, "I": 5}.get(kind)
        if width is None or len(parts) != width or not (parts[0].isdigit() and parts[1].isdigit()):
            raise DataError(f"{path}:{number}: {line!r}; expected `resource period L|G value` or `resource period I low high`")
        r, t = int(parts[0]), int(parts[1])
        if r >= resources or t >= periods:
            raise DataError(f"{path}:{number}: limit of resource {r} period {t}; expected resources 0..{resources - 1} and periods "
                            f"0..{periods - 1} (the header's NRESOURCE_SIDE_CONSTRAINTS: {resources} and NPERIODS: {periods})")
        if seen[r, t]:
            raise DataError(f"{path}:{number}: limit of resource {r} period {t} repeated; expected one line per resource and period")
        try:
            bounds = [float(v) for v in parts[3:]]
        except ValueError:
            raise DataError(f"{path}:{number}: {line!r} has a non-numeric limit") from None
        if not all(np.isfinite(bounds)):
            raise DataError(f"{path}:{number}: limit {line!r} is not finite")
        seen[r, t] = True
        if kind == "I" and bounds[0] > bounds[1]:
            raise DataError(f"{path}:{number}: limit {line!r}: low above high; expected `resource period I low high` with low <= high")
        if kind in "LG":
            (upper if kind == "L" else lower)[r, t] = bounds[0]
        else:
            lower[r, t], upper[r, t] = bounds
    return len(rows)


def _block_rows(path: Path, lines, at: int, n: int, width: int, what: str) -> tuple[np.ndarray, int]:
    rows = lines[at: at + n]
    # a keyword (the next section, EOF) ends the block lines; a line of a wrong number (`-5 3`) is named below
    got = next((i for i, (_, line) in enumerate(rows) if line[:1].isalpha()), len(rows))
    if got < n:
        raise DataError(f"{path}: {got} {what} lines; expected one per block ({n})")
    line_of = [number for number, _ in rows]
    table = _numbers(path, [line for _, line in rows], line_of, width + 1, f"`block {' '.join(['value'] * width)}`")
    _check_ids(path, table[:, 0], n, line_of, "ids")
    ids = table[:, 0].astype(np.int64)
    _one_per_block(path, ids, n, line_of)
    bad = np.flatnonzero(~np.all(np.isfinite(table[:, 1:]), axis=1))
    if len(bad):
        raise DataError(f"{path}:{line_of[bad[0]]}: {rows[bad[0]][1]!r}: {what} value is not finite; expected finite numbers")
    values = np.empty((n, width))
    values[ids] = table[:, 1:]
    return values, at + n


def _coefficients(path: Path, lines, at: int, coef: np.ndarray, by_destination: bool) -> int:
    """`block resource value` (CPIT) or `block destination resource value` (PCPSP, even with one
    destination) lines up to EOF."""
    resources, n, dests = coef.shape
    end = next((i for i in range(at, len(lines)) if lines[i][1].upper() == "EOF"), len(lines))
    width = 4 if by_destination else 3
    line_of = [number for number, _ in lines[at:end]]
    table = _numbers(path, [line for _, line in lines[at:end]], line_of, width,
                     "`block resource value`" if width == 3 else "`block destination resource value`")
    bad = np.flatnonzero(np.any(table[:, :-1] != np.round(table[:, :-1]), axis=1) | ~np.isfinite(table[:, -1]))
    if len(bad):
        raise DataError(f"{path}:{line_of[bad[0]]}: {lines[at + bad[0]][1]!r}; expected integer indices and a finite value")
    _check_ids(path, table[:, 0], n, line_of, "coefficient block ids")
    dest, res = (table[:, 1] if width == 4 else np.zeros(len(table))), table[:, -2]
    bad = np.flatnonzero((dest < 0) | (dest >= dests) | (res < 0) | (res >= resources))
    if len(bad):
        raise DataError(f"{path}:{line_of[bad[0]]}: destination or resource index out of range; expected destinations 0..{dests - 1} "
                        f"and resources 0..{resources - 1} (the header's NDESTINATIONS and NRESOURCE_SIDE_CONSTRAINTS)")
    idx = table[:, :-1].astype(np.int64)  # in range: the cast is exact
    block, dest, res = idx[:, 0], (idx[:, 1] if width == 4 else np.zeros(len(idx), np.int64)), idx[:, -1]
    key = (res * n + block) * dests + dest
    unique, counts = np.unique(key, return_counts=True)
    if np.any(counts > 1):
        again = int(np.flatnonzero(key == unique[counts > 1][0])[1])
        raise DataError(f"{path}:{line_of[again]}: coefficient of block {block[again]} resource {res[again]} listed twice; "
                        "expected one line per block, destination and resource")
    coef[res, block, dest] = table[:, -1]
    return end


def _check_feasible_limits(path: Path, coef: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    """Refuse limits no schedule can meet: an upper limit below a period's least possible use (the
    negative coefficients only) or a lower limit above its largest (the positive ones, every block), and
    limits on a resource no block uses (they bind nothing: a coefficient section cut short or mis-indexed
    gave a schedule of the other resources only, with exit 0)."""
    unused = np.flatnonzero(~np.any(coef, axis=(1, 2)))
    if len(unused):
        raise DataError(f"{path}: resource {unused[0]} has limits but every block's coefficient for it is 0; expected "
                        f"`block resource value` lines for each of the {len(coef)} resources of NRESOURCE_SIDE_CONSTRAINTS")
    least = np.minimum(coef, 0).min(axis=2).sum(axis=1)
    most = np.maximum(coef, 0).max(axis=2).sum(axis=1)
    for r, t in zip(*np.nonzero((upper < least[:, None]) | (lower > most[:, None])), strict=True):
        raise DataError(f"{path}: resource {r} period {t}: limits [{lower[r, t]:g}, {upper[r, t]:g}] no schedule can meet "
                        f"(its use lies in [{least[r]:g}, {most[r]:g}]); expected limits a schedule can meet")
    for r in np.flatnonzero(lower.sum(axis=1) > most):  # each block is mined once: the periods share `most`
        raise DataError(f"{path}: resource {r}: lower limits summing to {lower[r].sum():g} over the {lower.shape[1]} periods, "
                        f"but mining every block uses at most {most[r]:g}; expected limits a schedule can meet")
    # a block using more of a resource no block gives back (no negative use) than any period's limit is never mined: when
    # that is every block, the empty schedule was the optimum, NPV 0, exit 0 (limits in kt beside uses in t)
    packing = np.all(coef >= 0, axis=(1, 2))
    over = packing[:, None, None] & (coef > upper.max(axis=1)[:, None, None])
    if np.all(np.any(over, axis=0)):
        r, b, d = (int(i[0]) for i in np.nonzero(over))
        raise DataError(f"{path}: no block fits any period's limits (block {b} uses {coef[r, b, d]:g} of resource {r}, whose largest "
                        f"limit is {upper[r].max():g}): the schedule would mine nothing; expected limits in the coefficients' units")


def read_solution(path: Path, instance: Instance) -> Solution:
    """A solution: UPIT, one block id a line; CPIT, `block period` (or MineLib's four-column form
    `block destination period share`, as the published newman1 files use); PCPSP, `block destination
    period share`. A block mined in two periods is refused (the MineLib LP files are fractional)."""
    n, dests = instance.n_blocks, instance.n_destinations
    rows = [(i + 1, line) for i, line in enumerate(_text(path)) if line.strip() and not line.lstrip().startswith("%")]
    allowed = {"UPIT": (1,), "CPIT": (2, 4), "PCPSP": (4,)}[instance.kind]
    if not rows:  # an empty file (a solver's output cut, a wrong file) verified as the empty schedule: feasible, NPV 0
        raise DataError(f"{path}: no solution lines; expected a line per mined block ({' or '.join(map(str, allowed))} fields "
                        f"for a {instance.kind} solution)")
    first = rows[0][0]
    width = len(rows[0][1].split())
    if width not in allowed:
        raise DataError(f"{path}:{first}: {width} fields; expected {' or '.join(map(str, allowed))} for a {instance.kind} solution")
    line_of = [number for number, _ in rows]
    table = _numbers(path, [line for _, line in rows], line_of, width, "a solution line")
    fraction = np.flatnonzero(np.any(table[:, : min(width, 3)] != np.round(table[:, : min(width, 3)]), axis=1))
    if len(fraction):
        raise DataError(f"{path}:{line_of[fraction[0]]}: block, destination and period must be integers")
    _check_ids(path, table[:, 0], n, line_of, "block ids")
    block = table[:, 0].astype(np.int64)
    period = np.full(n, -1, np.int64)
    share = np.zeros((n, dests))
    if width == 1:
        period[block] = 0
        share[block, 0] = 1.0
    else:
        dest = table[:, 1].astype(np.int64) if width == 4 else np.zeros(len(block), np.int64)
        when = table[:, 2 if width == 4 else 1].astype(np.int64)
        frac = table[:, 3] if width == 4 else np.ones(len(block))
        from minectl.schedule.verify import TOLERANCE  # a MIP solver's 1.0000000002 was refused, its 0.9999999998 read

        bad = np.flatnonzero((dest < 0) | (dest >= dests) | (when < 0) | (when >= instance.n_periods) | ~(frac >= -TOLERANCE)
                             | ~(frac <= 1 + TOLERANCE))
        if len(bad):
            raise DataError(f"{path}:{line_of[bad[0]]}: destination, period or share out of range "
                            f"(destinations 0..{dests - 1}, periods 0..{instance.n_periods - 1}, share in [0, 1])")
        for i, (b, t) in enumerate(zip(block, when, strict=True)):
            if period[b] not in (-1, t):
                raise DataError(f"{path}:{line_of[i]}: block {b} in periods {period[b]} and {t}; expected one period per block")
            period[b] = t
        np.add.at(share, (block, dest), frac)
    # a line repeated (CPIT's `0 1` twice) summed its shares to 2: verified as infeasible, at twice the block's value
    destination = table[:, 1].astype(np.int64) if width == 4 else 0
    _, first = np.unique(block * dests + destination, return_index=True)
    again = np.setdiff1d(np.arange(len(block)), first)
    if len(again):
        i = int(again[0])
        which = f"block {block[i]} destination {destination[i]}" if width == 4 else f"block {block[i]}"
        raise DataError(f"{path}:{line_of[i]}: {which} listed twice; expected each block once"
                        + (" per destination (its share of the block on one line)" if width == 4 else ""))
    return Solution(period, share)


# -- writing ---------------------------------------------------------------------------------------

def _write(path: Path, lines: list[str]) -> Path:
    from minectl.atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


def write_prec(path: Path, prec: Precedence) -> Path:
    rows = [f"{b} {prec.start[b + 1] - prec.start[b]} " + " ".join(map(str, prec.preds[prec.start[b]: prec.start[b + 1]].tolist()))
            for b in range(prec.n_blocks)]
    return _write(path, [row.rstrip() for row in rows])


def write_blocks(path: Path, xyz: np.ndarray, extra: dict[str, np.ndarray]) -> Path:
    """`id x y z` then the `extra` columns, in their order (the column names go in the instance readme)."""
    columns = [np.asarray(xyz[:, i]) for i in range(3)] + [np.asarray(v) for v in extra.values()]
    return _write(path, [" ".join([str(b)] + [_number(c[b]) for c in columns]) for b in range(len(xyz))])


def write_instance(path: Path, instance: Instance) -> Path:
    inst = instance
    lines = [f"NAME: {inst.name}", f"TYPE: {inst.kind}", f"NBLOCKS: {inst.n_blocks}"]
    if inst.kind != "UPIT":
        lines.append(f"NPERIODS: {inst.n_periods}")
        if inst.kind == "PCPSP":
            lines.append(f"NDESTINATIONS: {inst.n_destinations}")
        lines.append(f"NRESOURCE_SIDE_CONSTRAINTS: {inst.n_resources}")
        if inst.kind == "PCPSP":
            lines.append("NGENERAL_SIDE_CONSTRAINTS: 0")
        lines.append(f"DISCOUNT_RATE: {inst.discount_rate!r}")
        if inst.n_resources:
            lines.append("RESOURCE_CONSTRAINT_LIMITS:")
            for r in range(inst.n_resources):
                for t in range(inst.n_periods):
                    lo, hi = inst.lower[r, t], inst.upper[r, t]
                    lines.append(f"{r} {t} L {_number(hi)}" if np.isneginf(lo) else f"{r} {t} G {_number(lo)}" if np.isposinf(hi)
                                 else f"{r} {t} I {_number(lo)} {_number(hi)}")
    lines.append("OBJECTIVE_FUNCTION:")
    lines += [" ".join([str(b)] + [_number(v) for v in inst.objective[b]]) for b in range(inst.n_blocks)]
    if inst.n_resources:
        lines.append("RESOURCE_CONSTRAINT_COEFFICIENTS:")
        r_idx, b_idx, d_idx = np.nonzero(inst.coef)
        for r, b, d in sorted(zip(r_idx.tolist(), b_idx.tolist(), d_idx.tolist(), strict=True), key=lambda k: (k[1], k[2], k[0])):
            where = f"{b} {r}" if inst.kind == "CPIT" else f"{b} {d} {r}"
            lines.append(f"{where} {_number(inst.coef[r, b, d])}")
    if inst.kind != "UPIT":
        lines.append("EOF")
    return _write(path, lines)


def write_solution(path: Path, kind: str, solution: Solution) -> Path:
    mined = np.flatnonzero(solution.period >= 0)
    if kind == "UPIT":
        return _write(path, [str(b) for b in mined])
    if kind == "CPIT":
        return _write(path, [f"{b} {solution.period[b]}" for b in mined])
    return _write(path, [f"{b} {d} {solution.period[b]} {solution.share[b, d]:.6f}"
                         for b in mined for d in np.flatnonzero(solution.share[b] > 0)])
