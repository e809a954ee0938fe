"""The one atomic file writer: every file a run writes goes through :func:`atomic_path`.

Standard library only, so stage packages (models, forecast, ...) can import it without the
run writer of :mod:`minectl.results`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "no_room_left"]

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: Path, *, folder: bool = False) -> Iterator[Path]:
    """Yield a temp path beside `target` (an empty folder with `folder=True`); it replaces
    `target` only if the block succeeds, and is removed when it fails (readers never see a
    half-written file or folder)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    where = {"prefix": f".{target.name}.", "suffix": ".tmp", "dir": target.parent}
    if folder:
        tmp_path = Path(tempfile.mkdtemp(**where))
    else:
        fd, tmp = tempfile.mkstemp(**where)
        os.close(fd)
        tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp/mkdtemp make 0600/0700; give outputs the usual mode
        os.chmod(tmp_path, (0o777 if folder else 0o666) & ~_UMASK)
        if folder and target.is_dir():
            shutil.rmtree(target)  # os.replace cannot replace a folder that has files
        os.replace(tmp_path, target)
    except Exception as exc:
        # polars tells a full disk in its own words ("Invalid thrift: transport error"): asked now, while the
        # half-written file still fills the disk (removed below, it frees the room that showed it full)
        code = None if isinstance(exc, OSError) else no_room_left(exc, target.parent)
        if code is None:
            raise
        raise OSError(code, os.strerror(code), str(target)) from exc
    finally:
        if folder:
            shutil.rmtree(tmp_path, ignore_errors=True)
        else:
            tmp_path.unlink(missing_ok=True)


NO_ROOM = (errno.ENOSPC, errno.EDQUOT)  # a full disk, a quota reached


def no_room_left(error: BaseException, folder: Path) -> int | None:
    """The errno (ENOSPC, EDQUOT) of ``error``, met writing into ``folder``, where it came from a full disk or a quota
    (None: another error). An OSError carries it; polars' ComputeError says it in its text ("(os error 28)"), or not
    even that ("Invalid thrift: transport error", writing a small table): then the disk's free space tells."""
    code = next((c for c in NO_ROOM if getattr(error, "errno", None) == c or f"(os error {c})" in str(error)), None)
    if code is None and type(error).__module__.startswith("polars"):
        with contextlib.suppress(OSError):
            code = errno.ENOSPC if shutil.disk_usage(folder).free == 0 else None
    return code
