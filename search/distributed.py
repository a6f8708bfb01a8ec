"""Reading articles on a Dask cluster: batches of files out to the workers, each file's result
back as soon as its batch is finished.

Engine-free: the indexer hands over its per-file function and the files, and gets back what
the function returned for each file, once. Each batch carries its files' bytes, so a worker
needs this package (the same version) but not the corpus folder. A worker that dies mid-batch
returns nothing: the scheduler gives the batch to another worker (until the batch has killed
more workers than the scheduler's `allowed-failures`, 3 by default), and a batch's result is
taken whole, when it is complete, so nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TypeVar

from search import __version__
from search.corpus import SourceFile
from search.errors import ClusterError

FILES_A_BATCH = 32  # a few tenths of a second of work: the cost of a task is lost in it
BYTES_A_BATCH = 4 * 1024 * 1024  # large files make shorter batches: they travel by the scheduler
BATCHES_PER_THREAD = 2  # in flight: the next batch waits at every worker thread, no more
WORKER_DEATHS_ALLOWED = 3  # under a batch, before a local cluster gives it up (as Dask does)
NO_WORKER_SECONDS = 60.0  # for a worker to join (or come back) before the update gives up
CHECK_SECONDS = 2.0  # between looks at whether any worker is left, while waiting for results
CLOSE_SECONDS = 10.0
LOOPBACK = "127.0.0.1"  # a local cluster is reachable from this machine only
INSTALL = "pip install 'quote-search[cluster]'"

Result = TypeVar("Result")
Batch = list[tuple[SourceFile, bytes]]


class DaskCluster:
    """Where articles are read: the cluster whose scheduler is at `address`, or `workers`
    processes on this machine (127.0.0.1 only), started on first use and stopped on close.

    Nothing is reached or started until there are files to read, so a command that finds the
    index up to date costs no more with a cluster named (SEARCH_DASK) than without.
    """

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        if (address is None) == (workers is None):
            raise ClusterError("give either a Dask scheduler's address or a number of workers")
        if workers is not None and workers < 1:
            raise ClusterError(f"a local Dask cluster needs 1 worker or more, not {workers}")
        self.address = address
        self.workers = workers
        self._client = None
        self._local = None

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        """The cluster as a message names it."""
        if self.address is not None:
            return f"the Dask scheduler at {self.address}"
        return f"the local Dask cluster of {self.workers} workers"

    def map(
        self,
        function: Callable[[SourceFile, bytes | None], Result],
        files: list[SourceFile],
        files_a_batch: int = FILES_A_BATCH,
    ) -> Iterator[Result]:
        """`function(file, content)` for every file, run on the cluster, each result once, in
        the order the batches finish; a few batches in flight at a time, so memory is bounded.

        A file this process cannot read is passed to `function` here, with no content, to
        report it as it would be reported without a cluster.
        """
        client = self._connect()
        unreadable: list[SourceFile] = []
        batches = _batches(files, files_a_batch, unreadable)
        finished: queue.SimpleQueue = queue.SimpleQueue()  # each batch's future, once finished
        pending: set = set()
        try:
            while True:
                # As many as the workers there are now: workers may join and leave mid-build.
                in_flight = BATCHES_PER_THREAD * max(1, self._nthreads(client))
                while len(pending) < in_flight and (batch := next(batches, None)):
                    # Not pure: two batches are never one task, and no time goes on hashing them.
                    future = client.submit(_run_batch, function, batch, pure=False)
                    future.add_done_callback(finished.put)
                    pending.add(future)
                if not pending:
                    break
                future = self._next_finished(client, finished)
                pending.remove(future)
                yield from self._result(future)
            yield from (function(file, None) for file in unreadable)
        finally:  # an interrupted update leaves no batch running for nobody
            with contextlib.suppress(Exception):
                client.cancel(list(pending))

    def _next_finished(self, client, finished: queue.SimpleQueue):
        """The next batch to finish; an error once the cluster has had no worker for
        NO_WORKER_SECONDS, rather than waiting for ever."""
        alone_since: float | None = None
        while True:
            try:
                return finished.get(timeout=CHECK_SECONDS)
            except queue.Empty:
                if self._nthreads(client):
                    alone_since = None
                elif alone_since is None:
                    alone_since = time.monotonic()
                elif time.monotonic() - alone_since > NO_WORKER_SECONDS:
                    raise ClusterError(
                        f"{self.name} has had no worker for {NO_WORKER_SECONDS:.0f} s;"
                        " the index is left as it was"
                    ) from None

    def _nthreads(self, client) -> int:
        try:
            return sum(client.nthreads().values())
        except (OSError, CancelledError) as error:
            raise self._lost(error) from None

    def _result(self, future) -> list:
        """One finished batch's results, or the reason it has none as a one-line error."""
        from distributed import KilledWorker

        try:
            version, results = future.result()
        except KilledWorker as error:  # the scheduler's allowed-failures ran out
            raise ClusterError(
                f"a batch of articles stopped {error.allowed_failures + 1} Dask workers in turn"
                " (out of memory?); the index is left as it was"
            ) from None
        except (OSError, CancelledError) as error:
            raise self._lost(error) from None
        except Exception as error:  # raised on the worker: it cannot run this package's code
            raise ClusterError(
                f"a Dask worker failed to read articles ({type(error).__name__}: {error});"
                f" is quote-search {__version__} installed on every worker? ({INSTALL})"
            ) from None
        finally:
            future.release()  # the worker may forget the batch's result now
        if version != __version__:
            raise ClusterError(
                f"a Dask worker runs quote-search {version}, this is {__version__}:"
                " install the same version on every worker"
            )
        return results

    def _lost(self, error: BaseException) -> ClusterError:
        return ClusterError(
            f"lost {self.name} mid-update ({type(error).__name__}); the index is left as it was"
        )

    def _connect(self):
        """The client, connecting (or starting the local cluster) on first use."""
        if self._client is not None:
            return self._client
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:
            raise ClusterError(f"Dask is not installed ({error}): {INSTALL}") from None
        try:
            if self.address is None:
                self._local = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,  # extraction holds the GIL: one process a core
                    processes=True,
                    host=LOOPBACK,
                    scheduler_port=0,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                    preload=[__name__],  # each worker runs `dask_setup` as it starts
                    scheduler_kwargs={
                        "allowed_failures": WORKER_DEATHS_ALLOWED,
                        # No dashboard; its health pages on a free port, not on 8787 for all.
                        "dashboard": False,
                        "dashboard_address": f"{LOOPBACK}:0",
                    },
                )
                self._client = Client(self._local)
            else:
                _check_reachable(self.address)
                self._client = Client(self.address)
        except ValueError as error:
            self.close()
            raise ClusterError(
                f"{self.address!r} is not a Dask scheduler's address ({error});"
                " give it as tcp://HOST:PORT"
            ) from None
        except OSError as error:  # timed out too
            self.close()
            raise ClusterError(f"cannot reach {self.name} ({error})") from None
        try:
            self._client.wait_for_workers(self.workers or 1, timeout=NO_WORKER_SECONDS)
        except TimeoutError:
            self.close()
            raise ClusterError(
                f"no worker joined {self.name} in {NO_WORKER_SECONDS:.0f} s"
            ) from None
        return self._client

    def close(self) -> None:
        """Let go of the cluster: disconnect, and stop a local one's processes."""
        client, local = self._client, self._local
        self._client = self._local = None
        with contextlib.suppress(Exception):  # a scheduler already gone has nothing to close
            if client is not None:
                client.close(timeout=CLOSE_SECONDS)
        with contextlib.suppress(Exception):
            if local is not None:
                local.close(timeout=CLOSE_SECONDS)


def _check_reachable(address: str) -> None:
    """Connect to the scheduler once, without a Client, within Dask's connect timeout: a Client
    that fails to connect leaves its event-loop thread running in this process, and a process
    that forks later (the index writers) must not hold one."""
    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address)
        await comm.close()

    asyncio.run(probe())


def _batches(
    files: list[SourceFile], files_a_batch: int, unreadable: list[SourceFile]
) -> Iterator[Batch]:
    """The files with their content, a batch at a time, read only as batches are sent."""
    batch: Batch = []
    size = 0
    for file in files:
        try:
            data = Path(file.path).read_bytes()
        except OSError:
            unreadable.append(file)
            continue
        batch.append((file, data))
        size += len(data)
        if len(batch) >= files_a_batch or size >= BYTES_A_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def dask_setup(_worker: object) -> None:
    """In each worker of a local cluster, as it starts: leave Ctrl-C to the update.

    Ctrl-C reaches every process of the terminal's foreground group, and each worker would
    print a traceback of its own; the update stops them itself and says so in one line.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_batch(
    function: Callable[[SourceFile, bytes | None], Result], batch: Batch
) -> tuple[str, list[Result]]:
    """On a worker: the function over one batch, with the version of the package that ran it."""
    return __version__, [function(file, data) for file, data in batch]
