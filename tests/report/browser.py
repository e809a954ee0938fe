"""Open a page in Debian's headless Chromium: the DOM after its scripts ran, its console
messages and a screenshot, from one `chromium --headless --dump-dom --screenshot` call.

Console messages (JavaScript errors among them) come from Chromium's own log
(`--enable-logging=stderr --v=0` prints each as `INFO:CONSOLE... "message", source: ...`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Headless in a closed network (docs: env notes): no first-run, sync, update or background calls.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0", "--hide-scrollbars")
CONSOLE = re.compile(r':CONSOLE[^\]]*\] "(?P<message>.*)", source: (?P<source>\S*)')


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Page:
    dom: str
    console: list[str]  # every console message (errors, warnings, logs) of the page
    screenshot: Path


def open_page(html: Path, screenshot: Path, width: int = 1000, height: int = 2200) -> Page:
    with tempfile.TemporaryDirectory(prefix="minectl-chromium-") as profile:
        done = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             "--virtual-time-budget=3000", f"--screenshot={screenshot}", "--dump-dom", Path(html).resolve().as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [m["message"] for m in CONSOLE.finditer(done.stderr)]
    return Page(done.stdout, console, Path(screenshot))
