"""`search serve` under load, against the same queries answered in-process.

    python benchmarks/serve.py N [--work DIR] [--processes P] [--clients C] [--seconds S]
                                 [--load-seconds L] [--rounds R]

Builds (or reuses) the `scale.py` corpus of N articles, starts `search serve` on 127.0.0.1 (with
P search processes; without --processes, as many as `search serve` starts by default) and measures
in one run, with `scale.py`'s mixed queries:

- in-process latency, p50 and p95: each search opening the index as a `search` process does,
  and with the index kept open as the server keeps it;
- `/api/search` latency from one client, p50 and p95, and their ratio to the in-process figures
  (the in-process search with the index kept open asked in turn with it, query by query, R
  times over: from one pass of the queries, the ratio went from 1.12 to 1.34 between runs);
- the search page's HTML for the same queries, p95, beside `/api/search` asked for the same
  facets the page shows and beside plain `/api/search`, the three asked in turn for each query
  so that other work on the machine weighs on them alike;
- throughput with C concurrent clients (keep-alive connections) for S seconds, and the
  processor time the server spent a request (which other work on the machine changes far less),
  with the part its own process spent beside its search processes, and the clients' own: the
  clients are threads of this process reading each answer whole over a kept connection, and
  cost some 0.3 ms of processor a request, under 2% of what the server spends;
- a load check: C clients for L seconds sending good and bad requests mixed (bad dates,
  over-long queries, unknown parameters and ids, syntax errors), counting answers by status,
  and the server's resident memory (its worker processes' included) after the first minute
  and at the end.

Clients and server share this machine's cores, as a newsroom laptop's would.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlencode

import scale

from search.engine.whoosh.index import keep_open
from search.engine.whoosh.query import search

START_SECONDS = 3600  # building a large corpus's index comes first
BAD_REQUESTS = (
    "/api/search?q=energy&since=2023-13-01",
    "/api/search?q=" + "+".join(["energy"] * 150),
    "/api/search?q=energy&sort=sideways",
    "/api/search?q=energy&colour=red",
    "/api/search?q=title:[a+to+m]",
    "/api/search?q=%28%28%28",
    "/api/search?q=energy&page=0",
    "/api/quotes/nothing%23q1",
    "/api/verify",
    "/quote/nothing%23q1",
    "/?q=energy&until=yesterday",
)


def query_string(request, *facets: str) -> str:
    """A `SearchRequest` as the URL parameters the web API takes."""
    pairs = [("q", request.query)] + [("speaker", name) for name in request.speakers]
    if request.since:
        pairs.append(("since", request.since.isoformat()))
    if request.until:
        pairs.append(("until", request.until.isoformat()))
    pairs += [("facet", facet) for facet in facets]
    return urlencode(pairs, quote_via=quote)


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return 1000 * statistics.median(ordered), 1000 * ordered[int(len(ordered) * 0.95) - 1]


def in_process(index: Path, requests: list) -> tuple[float, float]:
    """p50 and p95 of the searches, each opening the index as a `search` process does."""
    return timed_in_turn([partial(search, index, request) for request in requests])[0]


def timed_in_turn(*kinds: list[Callable[[], object]]) -> list[tuple[float, float]]:
    """p50 and p95 of each list of calls, their n-th calls made one after the other, so that
    other work on the machine weighs on each kind alike."""
    timings: list[list[float]] = [[] for _ in kinds]
    for calls in zip(*kinds, strict=True):
        for call, kept in zip(calls, timings, strict=True):
            start = time.perf_counter()
            call()
            kept.append(time.perf_counter() - start)
    return [percentiles(kept) for kept in timings]


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> int:
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def answered(self, path: str) -> None:
        status = self.get(path)
        assert status == 200, (status, path)


def hammer(port: int, paths: list[str], clients: int, seconds: float) -> tuple[Counter, int]:
    """`clients` threads sending `paths` round and round for `seconds`: statuses, requests."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(offset: int) -> None:
        client, number, seen = Client(port), offset, Counter()
        while time.monotonic() < deadline:
            seen[client.get(paths[number % len(paths)])] += 1
            number += 1
        with lock:
            statuses.update(seen)

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, sum(statuses.values())


def resident_mb(pid: int) -> float:
    """The resident memory of `pid` and every process under it (a server's workers)."""
    total = 0
    for process in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{process}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total / 1024


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """The processor time `pid` (and every process under it) has used."""
    total = 0
    for process in [pid, *(descendants(pid) if children else ())]:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """The processor time this process, the clients' threads, has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


def start_server(corpus: Path, index: Path, workers: int | None) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "search", "serve", "--quiet", "--port", "0"]
    if workers:
        command += ["--processes", str(workers)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--corpus", str(corpus), "--index", str(index)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + START_SECONDS
    for line in server.stderr:
        if match := re.search(r"serving http://127\.0\.0\.1:(\d+)/", line):
            threading.Thread(target=server.stderr.read, daemon=True).start()  # keep it drained
            return server, int(match.group(1))
        if time.monotonic() > deadline:
            break
    stop_server(server)
    raise SystemExit("search serve did not start")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.kill(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "serve-bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--load-seconds", type=float, default=120.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    corpus = options.work / f"corpus-{options.articles}"
    index = options.work / f"index-{options.articles}"
    if not corpus.is_dir():
        scale.generate(corpus, options.articles, options.seed)
    requests = scale.mixed_requests()
    api = [f"/api/search?{query_string(request)}" for request in requests]
    faceted = [
        f"/api/search?{query_string(request, 'speaker', 'year', 'month')}" for request in requests
    ]
    pages = [f"/?{query_string(request)}" for request in requests]

    started = time.perf_counter()
    server, port = start_server(corpus, index, options.processes)
    ready = time.perf_counter() - started
    print(f"corpus: {options.articles} articles; server ready in {ready:.1f} s")
    try:
        in_process(index, requests[:8])  # the operating system's file cache
        opened = in_process(index, requests)
        keep_open(index)
        client = Client(port)
        for path in api[:8] + faceted[:8] + pages[:8]:  # the first requests, once workers are up
            client.answered(path)
        workers = sum(
            b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            for pid in descendants(server.pid)
        )
        print(f"server: {workers or 1} worker process{'es' if workers > 1 else ''}")
        rounds = range(options.rounds)
        kept, served, served_faceted, page = timed_in_turn(
            [partial(search, index, request) for _ in rounds for request in requests],
            *(
                [partial(client.answered, path) for _ in rounds for path in paths]
                for paths in (api, faceted, pages)
            ),
        )
        print(
            f"in-process, index opened each search: p50 {opened[0]:.1f} ms, p95 {opened[1]:.1f} ms"
        )
        print(f"in-process, index kept open:          p50 {kept[0]:.1f} ms, p95 {kept[1]:.1f} ms")
        print(
            f"/api/search, one client:              p50 {served[0]:.1f} ms, p95 {served[1]:.1f} ms"
            f"  ({served[0] / opened[0]:.2f}x, {served[1] / opened[1]:.2f}x the first;"
            f" {served[0] / kept[0]:.2f}x, {served[1] / kept[1]:.2f}x the second)"
        )
        print(
            f"search page HTML:                     p95 {page[1]:.1f} ms"
            f"  (/api/search with the page's facets p95 {served_faceted[1]:.1f} ms:"
            f" {page[1] - served_faceted[1]:+.1f} ms; plain /api/search"
            f" {page[1] - served[1]:+.1f} ms)"
        )
        before = cpu_seconds(server.pid), cpu_seconds(server.pid, children=False)
        clients_before = own_cpu_seconds()
        statuses, count = hammer(port, api, options.clients, options.seconds)
        clients_used = own_cpu_seconds() - clients_before
        used = cpu_seconds(server.pid) - before[0]
        used_alone = cpu_seconds(server.pid, children=False) - before[1]
        print(
            f"throughput, {options.clients} clients, {options.seconds:g} s:"
            f" {count / options.seconds:.1f} requests/s, statuses {dict(statuses)};"
            f" the server used {used / options.seconds:.2f} cores,"
            f" {1000 * used / count:.1f} ms of processor time a request"
            f" ({1000 * used_alone / count:.1f} ms of it in its own process);"
            f" the clients {1000 * clients_used / count:.2f} ms a request"
        )
        mixed = [path for pair in zip(api, pages, strict=True) for path in pair]
        mixed = [
            item for chunk in zip(mixed[::2], BAD_REQUESTS * 30, strict=False) for item in chunk
        ]
        memory: list[tuple[float, float]] = []
        sampling = threading.Event()

        def sample() -> None:
            begun = time.monotonic()
            while not sampling.wait(5):
                memory.append((time.monotonic() - begun, resident_mb(server.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        statuses, count = hammer(port, mixed, options.clients, options.load_seconds)
        sampling.set()
        after_minute = [mb for at, mb in memory if at >= 60] or [mb for _, mb in memory]
        errors = sum(count for status, count in statuses.items() if status >= 500)
        print(
            f"load, {options.clients} clients, {options.load_seconds:g} s, good and bad mixed:"
            f" {count} requests, statuses {dict(sorted(statuses.items()))}, 5xx: {errors}"
        )
        print(
            f"server memory: {memory[0][1]:.0f} MB at {memory[0][0]:.0f} s,"
            f" {after_minute[0]:.0f} MB after the first minute, {memory[-1][1]:.0f} MB at the end"
        )
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
