"""`search serve --processes N`'s worker processes, through the engine they stand in for: a
search past the time limit stops its worker, and the next search answers from a new one."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from search.engine.request import SearchRequest
from search.engine.whoosh import WhooshEngine
from search.errors import QueryError
from search.web.workers import WorkerEngine

STUCK = "stuck"  # the query that never finishes in time


class StuckEngine(WhooshEngine):
    """The Whoosh engine, with one query that takes a minute (a worker imports this module)."""

    def search(self, request: SearchRequest):
        if request.query == STUCK:
            time.sleep(60)
        return super().search(request)


def test_a_search_past_the_time_limit_stops_its_worker_and_the_next_one_answers(
    shared_index: Path,
):
    engine = WorkerEngine(StuckEngine(shared_index), 1, time_limit=5)
    try:
        assert engine.search(SearchRequest("dredging")).total == 3
        (first,) = multiprocessing.active_children()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            engine.search(SearchRequest(STUCK))
        assert time.monotonic() - started < 10
        assert not first.is_alive()
        assert engine.search(SearchRequest("dredging")).total == 3
        (second,) = multiprocessing.active_children()
        assert second.pid != first.pid
        # A worker's error comes back as the same error, and the worker goes on answering.
        with pytest.raises(QueryError):
            engine.search(SearchRequest("((("))
        assert engine.search(SearchRequest("dredging")).total == 3
    finally:
        engine.close()
    assert not multiprocessing.active_children()
