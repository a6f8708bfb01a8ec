"""`search serve --processes N`'s worker processes, through the engine they stand in for: a
search past the time limit stops its worker, and the next search answers from a new one, as it
does after a worker is killed; a search whose worker is killed under it gets 503 over HTTP."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from search.engine.request import SearchRequest
from search.engine.whoosh import WhooshEngine
from search.errors import QueryError
from search.web.app import create_app
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


def test_a_worker_killed_while_idle_is_replaced_before_the_next_search(shared_index: Path):
    engine = WorkerEngine(WhooshEngine(shared_index), 1, time_limit=10)
    try:
        assert engine.search(SearchRequest("dredging")).total == 3
        (killed,) = multiprocessing.active_children()
        os.kill(killed.pid, signal.SIGKILL)
        killed.join(5)
        assert engine.search(SearchRequest("dredging")).total == 3
        (replacement,) = multiprocessing.active_children()
        assert replacement.pid != killed.pid
    finally:
        engine.close()
    assert not multiprocessing.active_children()


def test_a_search_whose_worker_is_killed_under_it_gets_503_and_the_next_answers(
    shared_index: Path,
):
    engine = WorkerEngine(StuckEngine(shared_index), 1, time_limit=30)
    try:
        client = TestClient(create_app(engine))
        (worker,) = multiprocessing.active_children()
        answers = []
        asking = threading.Thread(
            target=lambda: answers.append(client.get("/api/search", params={"q": STUCK}))
        )
        asking.start()
        time.sleep(2)  # the worker has the search
        os.kill(worker.pid, signal.SIGKILL)
        asking.join(20)
        (answer,) = answers
        assert answer.status_code == 503
        assert answer.json()["error"].endswith("try again")
        assert client.get("/api/search", params={"q": "dredging"}).json()["total"] == 3
    finally:
        engine.close()
    assert not multiprocessing.active_children()
