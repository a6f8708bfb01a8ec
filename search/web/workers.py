"""An engine's searches in worker processes, for a server on a machine with several cores.

A search on the Whoosh index is Python from end to end, and Python runs one thread of a process
at a time, so a server of one process answers on one core however many the machine has. Here
each worker process keeps its own copy of the engine open and answers from the live index; the
server's own process reads requests and renders the answers. The workers take their calls from
one queue, so all of them are kept busy however the clients' connections fall, and a worker
that dies is replaced.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING

from search.engine import Engine

if TYPE_CHECKING:
    from search.engine.request import SearchRequest
    from search.indexer import UpdateReport
    from search.model import Record, SearchResult, SpeakerSummary


class WorkerEngine(Engine):
    """`engine`'s searches and look-ups answered by `processes` worker processes."""

    def __init__(self, engine: Engine, processes: int, *, time_limit: float) -> None:
        self.name = engine.name
        self._engine = engine
        self._time_limit = time_limit
        # Spawned, not forked: a fork would copy locks the server's threads may hold.
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(processes, _start_worker, (engine,))

    def _in_worker(self, method: Callable, *args):
        """`method(*args)` on a worker's engine: its result, or the exception it raised; one
        that outlasts the time limit (or loses its worker) raises TimeoutError."""
        try:
            return self._pool.apply_async(_call, (method.__name__, args)).get(self._time_limit)
        except multiprocessing.TimeoutError:
            raise TimeoutError from None

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
        self._pool.terminate()
        self._pool.join()


_ENGINE: Engine | None = None  # a worker's own engine


def _start_worker(engine: Engine) -> None:
    global _ENGINE
    # Ctrl-C reaches the whole process group; the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine.keep_open()
    _ENGINE = engine


def _call(method: str, args: tuple):
    return getattr(_ENGINE, method)(*args)
