"""`search serve` run as its own process for a test: on 127.0.0.1 and a free port, waited
for with a time limit, and stopped by its own pid."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 60  # to build a small index and start answering
STOP_SECONDS = 10


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT
    pid: int


@contextlib.contextmanager
def serving(corpus: Path, index: Path, *options: str) -> Iterator[Served]:
    """`search serve`'s base URL and process id while the block runs."""
    command = [sys.executable, "-m", "search", "serve", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--corpus", str(corpus), "--index", str(index), *options],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield Served(_announced_url(process), process.pid)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGINT)  # as Ctrl-C: uvicorn shuts down gracefully
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        if process.stderr:
            process.stderr.close()


def _announced_url(process: subprocess.Popen) -> str:
    """The URL the server prints once listening, read from its stderr within the time limit."""
    found: list[str] = []
    lines: list[str] = []

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if match := re.search(r"serving (http://127\.0\.0\.1:\d+)/", line):
                found.append(match.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=START_SECONDS)
    if not found:
        raise AssertionError(f"search serve did not start: {''.join(lines)[-2000:]}")
    return found[0]
