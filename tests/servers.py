"""Servers run as processes of their own for a test (`search serve`, a Dask scheduler and its
workers): on 127.0.0.1 and free ports, waited for with a time limit, and stopped by their own
pids."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

START_SECONDS = 60  # to build a small index and start answering
STOP_SECONDS = 10
# A Dask process's address, and its health pages (served even without a dashboard) on a free
# port of 127.0.0.1 rather than on 8787 of every interface.
LOOPBACK_ONLY = ("--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0")


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
        _stop(process)  # as Ctrl-C: uvicorn shuts down gracefully
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


@dataclass
class DaskProcesses:
    """A Dask scheduler and its workers, each a process of its own on 127.0.0.1."""

    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen] = field(default_factory=list)
    log: Path | None = None

    def add_worker(self) -> subprocess.Popen:
        """Start one more worker (one process, one thread, no nanny to bring it back)."""
        command = [sys.executable, "-m", "distributed.cli.dask_worker", self.address]
        options = ["--nworkers", "1", "--nthreads", "1", "--no-nanny", *LOOPBACK_ONLY]
        worker = _started([*command, *options], self.log)
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int) -> None:
        """Wait, within the time limit, until the scheduler has `count` workers."""
        from distributed import Client

        if not count:
            return
        with Client(self.address, set_as_default=False, timeout=START_SECONDS) as client:
            client.wait_for_workers(count, timeout=START_SECONDS)

    def worker_pids(self) -> set[int]:
        return {worker.pid for worker in self.workers if worker.poll() is None}


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int = 2) -> Iterator[DaskProcesses]:
    """A scheduler on a free port of 127.0.0.1 and `workers` workers while the block runs;
    every process is stopped at the end by its own pid."""
    folder.mkdir(parents=True, exist_ok=True)
    address_file, log = folder / "scheduler.json", folder / "dask.log"
    address_file.unlink(missing_ok=True)  # an earlier scheduler's address is not this one's
    command = [sys.executable, "-m", "distributed.cli.dask_scheduler", *LOOPBACK_ONLY]
    options = ["--port", "0", "--scheduler-file", str(address_file)]
    scheduler = _started([*command, *options], log)
    cluster = DaskProcesses("", scheduler, log=log)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not address_file.exists() or not address_file.read_text():
            if scheduler.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"dask scheduler did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        cluster.address = json.loads(address_file.read_text())["address"]
        for _ in range(workers):
            cluster.add_worker()
        cluster.wait_for_workers(workers)
        yield cluster
    finally:
        for process in [*cluster.workers, scheduler]:
            _stop(process)


def _started(command: list[str], log: Path | None) -> subprocess.Popen:
    with open(log or os.devnull, "a") as output:
        return subprocess.Popen(command, stdout=output, stderr=output, stdin=subprocess.DEVNULL)


def _stop(process: subprocess.Popen) -> None:
    """Stop a process as Ctrl-C would, and for good when it does not stop in time."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
