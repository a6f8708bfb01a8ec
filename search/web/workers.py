"""An engine's searches in worker processes, for a server on a machine with several cores.

A search on the Whoosh index is Python from end to end, and Python runs one thread of a process
at a time, so a server of one process answers on one core however many the machine has. Here
each worker process keeps its own copy of the engine open and answers from the live index; the
server's own process reads requests and renders the answers. A call takes whichever worker is
idle, so all of them are kept busy however the clients' connections fall.

Each worker has a pipe of its own, which the calling thread writes and then reads itself:
`multiprocessing.Pool` passed every call through three threads of its own in the server
(tasks, results, and a watcher of its workers that woke hundreds of times a second under
load), each a hand-over of Python's lock, and it left a search past the time limit running.
Here a worker that outlasts the limit, or dies, is stopped and replaced.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from search.engine import Engine

if TYPE_CHECKING:
    from search.engine.request import SearchRequest
    from search.indexer import UpdateReport
    from search.model import Record, SearchResult, SpeakerSummary


class WorkerLost(RuntimeError):
    """A worker process ended in the middle of a call (it has been replaced)."""


@dataclass(frozen=True)
class _Worker:
    process: BaseProcess
    connection: Connection  # the server's end of the worker's own pipe


class WorkerEngine(Engine):
    """`engine`'s searches and look-ups answered by `processes` worker processes."""

    def __init__(self, engine: Engine, processes: int, *, time_limit: float) -> None:
        self.name = engine.name
        self._engine = engine
        self._time_limit = time_limit
        # Spawned, not forked: a fork would copy locks the server's threads may hold.
        self._context = multiprocessing.get_context("spawn")
        # Last in, first out: the worker that answered last answers next, its processor caches
        # still holding the index's arrays. Taken in turn, each worker found them evicted by the
        # other's searches, and one client's searches took a fifth longer than in-process.
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._running: set[_Worker] = set()
        self._lock = threading.Lock()  # over _running and _closed
        self._closed = False
        for _ in range(processes):
            self._idle.put(self._started())

    def _started(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, self._engine), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        with self._lock:
            self._running.add(worker)
        return worker

    def _in_worker(self, method: Callable, *args):
        """`method(*args)` on an idle worker's engine: its result, or the exception it raised;
        a call not answered within the time limit, waiting for a worker included, raises
        TimeoutError."""
        deadline = time.monotonic() + self._time_limit
        try:
            worker = self._idle.get(timeout=self._time_limit)
        except queue.Empty:
            raise TimeoutError from None
        # A worker that ended while idle (killed, or out of memory) is replaced before use.
        if not worker.process.is_alive() and (worker := self._replaced(worker)) is None:
            raise WorkerLost("the server is stopping its search processes")
        try:
            worker.connection.send((method.__name__, args))
            if answered := worker.connection.poll(max(0.0, deadline - time.monotonic())):
                succeeded, value = worker.connection.recv()
        except (EOFError, OSError):
            self._put_back(self._replaced(worker))
            raise WorkerLost(f"a search process ended during {method.__name__}") from None
        if not answered:
            self._put_back(self._replaced(worker))
            raise TimeoutError
        self._idle.put(worker)
        if not succeeded:
            raise value
        return value

    def _replaced(self, worker: _Worker) -> _Worker | None:
        """Stop `worker` (past the time limit, or gone): a new one in its place, or None once
        the server is stopping its workers."""
        self._stop(worker)
        with self._lock:
            if self._closed:
                return None
        return self._started()

    def _put_back(self, worker: _Worker | None) -> None:
        if worker is not None:
            self._idle.put(worker)

    def _stop(self, worker: _Worker) -> None:
        with self._lock:
            self._running.discard(worker)
        worker.process.terminate()
        worker.process.join()
        worker.connection.close()

    def search(self, request: SearchRequest) -> SearchResult:
        return self._in_worker(Engine.search, request)

    def quotes(
        self, speakers: tuple[str, ...] = (), min_confidence: float | None = None
    ) -> list[Record]:
        return self._in_worker(Engine.quotes, speakers, min_confidence)

    def speakers(self) -> list[SpeakerSummary]:
        return self._in_worker(Engine.speakers)

    def suggest_speakers(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        return self._in_worker(Engine.suggest_speakers, names)

    def record(self, document_id: str) -> Record | None:
        return self._in_worker(Engine.record, document_id)

    def copies(self, document_id: str) -> list[Record]:
        return self._in_worker(Engine.copies, document_id)

    def wording_candidates(self, words: str, limit: int) -> list[Record]:
        return self._in_worker(Engine.wording_candidates, words, limit)

    def keep_open(self) -> None:
        """The workers keep the index open; this process never opens it."""

    def version(self) -> Hashable:
        return self._engine.version()

    def describe(self) -> str:
        return self._engine.describe()

    def problem(self) -> str | None:
        return self._engine.problem()

    def update(self, corpus: Path, **options) -> UpdateReport:
        return self._engine.update(corpus, **options)

    def close(self) -> None:
        """Stop the workers, mid-search or not: they only read the index."""
        with self._lock:
            self._closed = True
            workers = list(self._running)
        for worker in workers:
            self._stop(worker)


def _serve(connection: Connection, engine: Engine) -> None:
    """A worker: each call read from its pipe is answered on it, until the server closes it."""
    # Ctrl-C reaches the whole process group; the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine.keep_open()
    while True:
        try:
            method, args = connection.recv()
        except EOFError:
            return
        try:
            answer = (True, getattr(engine, method)(*args))
        except Exception as error:
            answer = (False, error)
        try:
            connection.send(answer)
        except Exception as error:  # an answer that cannot be pickled: pickling comes first
            connection.send((False, RuntimeError(f"{method} gave an answer {error}")))
