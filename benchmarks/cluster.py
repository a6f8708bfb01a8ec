"""Whoosh in one process against a 3-node Typesense cluster fed by Dask workers, in one run.

    python benchmarks/cluster.py N [--work DIR] [--workers W] [--rounds R] [--failovers F]

On scale.py's corpus of N articles (generated once into `--work`, kept between runs):

- Typesense, 3 nodes on 127.0.0.1, articles read on W Dask workers (a scheduler and W worker
  processes): the build's articles a second, and the time its bulk imports took; each node's
  resident memory before and after, per thousand documents; the reading alone, here and on
  the workers; and F failovers: while one client searches without pause, the leader is killed
  (SIGKILL), and the longest search, the failed searches, and the time until another node is
  leader and takes a write are noted; the killed node is started again and waited for.
- Whoosh, articles read here (the default), built in a process of its own as scale.py builds.
- Both: the p50 and p95 of scale.py's 240 mixed queries from a resident client (the engine
  kept open in this process), through the package's engines; queries an engine refuses (the
  Typesense engine takes no OR, brackets or wildcards) are counted, not timed.

Query rounds alternate between the engines, so a slow spell of the shared machine hits both;
figures are medians over rounds and failovers, each with the load average when it was taken.
The API key is SEARCH_TYPESENSE_API_KEY's, or one made for the run. Every process started
(nodes, scheduler, workers) is stopped at the end by its pid, and all traffic stays on
127.0.0.1. Needs `pip install -e '.[test,bench]'`: the processes are started and stopped with
the tests' harness (tests/typesense_cluster.py, tests/servers.py).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import shlex
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from dask_extraction import reading_seconds
from scale import generate, in_child, mixed_requests, percentile_95

from search.corpus import iter_corpus
from search.distributed import DaskCluster
from search.engine import Engine, open_engine
from search.engine.typesense.cluster import API_KEY_VARIABLE
from search.errors import QueryError
from search.settings import DEFAULT_MAX_BYTES

# The tests' harness starts and stops the nodes, the scheduler and the workers here too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from servers import dask_cluster
from typesense_cluster import LEADER, Cluster, Node, get_json

INDEX = "bench"  # the Typesense alias (and the Whoosh folder's name)
READING_SAMPLE = 2000  # articles read alone, here and on the workers
STEADY_SECONDS = 5.0  # of searches before the leader is killed
AFTER_SECONDS = 5.0  # of searches after a new leader took a write
ELECTION_SECONDS = 120.0  # for the nodes left to elect a leader that takes a write
CATCH_UP_SECONDS = 600.0  # for a restarted node to load its data and answer again
# scale.py's mixed queries, in turn: words alone, then a speaker, half a year, a phrase added.
KINDS = ("words", "--speaker", "--since/--until", '"phrase" words')
PROBE = "failover-probe"  # a collection of its own, written to find when writes work again


def corpus_of(work: Path, articles: int, seed: int) -> Path:
    """scale.py's corpus of `articles`, generated once: a later run with the same `--work`,
    size and seed reuses it."""
    corpus = work / f"corpus-{articles}-{seed}"
    done = corpus / ".complete"
    if not done.exists():
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, articles, seed)
        done.write_text("")
    return corpus


def timed_build(engine: Engine, corpus: Path, **options) -> tuple[float, int]:
    """Seconds for a rebuild from nothing, and the articles it added."""
    start = time.perf_counter()
    report = engine.update(corpus, rebuild=True, **options)
    return time.perf_counter() - start, report.added


@contextlib.contextmanager
def import_timer() -> Iterator[list[tuple[float, int]]]:
    """Each Typesense bulk import's seconds and documents, while the block runs: the cluster's
    share of a build whose reading runs beside it on the workers."""
    from search.engine.typesense.store import TypesenseWriter

    original = TypesenseWriter._import
    imports: list[tuple[float, int]] = []

    def timed(writer: TypesenseWriter, batch: list[dict]) -> None:
        start = time.perf_counter()
        original(writer, batch)
        imports.append((time.perf_counter() - start, len(batch)))

    TypesenseWriter._import = timed
    try:
        yield imports
    finally:
        TypesenseWriter._import = original


def query_round(engine: Engine, requests: list) -> tuple[dict[str, list[float]], int]:
    """Each answered request's seconds by kind of query, and how many the engine refused."""
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    refused = 0
    for number, request in enumerate(requests):
        start = time.perf_counter()
        try:
            engine.search(request)
        except QueryError:
            refused += 1
            continue
        timings[KINDS[number % len(KINDS)]].append(time.perf_counter() - start)
    return timings, refused


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def folder_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def node_rss(cluster: Cluster) -> list[float]:
    return [rss_mb(node.process.pid) for node in cluster.nodes if cluster.running(node)]


class SearchStream(threading.Thread):
    """One resident client searching without pause; each search's start, seconds and error."""

    def __init__(self, engine: Engine, requests: list) -> None:
        super().__init__(daemon=True)
        self.engine, self.requests = engine, requests
        self.stopped = threading.Event()
        self.samples: list[tuple[float, float, str | None]] = []

    def run(self) -> None:
        for request in itertools.cycle(self.requests):
            if self.stopped.is_set():
                return
            start = time.monotonic()
            error = None
            try:
                self.engine.search(request)
            except Exception as failure:  # what a user of the engine would see fail
                error = f"{type(failure).__name__}: {str(failure)[:160]}"
            self.samples.append((start, time.monotonic() - start, error))


def takes_write(node: Node, key: str) -> bool:
    """Whether `node` (forwarding to its leader, if a follower) accepts a write now."""
    request = urllib.request.Request(
        f"{node.url}/collections/{PROBE}/documents?action=upsert",
        data=json.dumps({"id": "probe", "n": int(time.time())}).encode(),
        headers={"X-TYPESENSE-API-KEY": key, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=2.0) as response:
            return response.status in (200, 201)
    except (OSError, urllib.error.HTTPError):
        return False


def failover(cluster: Cluster, engine: Engine, requests: list, key: str) -> dict:
    """Kill the leader mid-stream of searches: the longest search, failures, and the seconds
    until another node is leader and until a write is taken."""
    leader = cluster.nodes[cluster.wait_ready()]
    others = [node for node in cluster.nodes if node is not leader]
    stream = SearchStream(engine, requests)
    stream.start()
    time.sleep(STEADY_SECONDS)
    killed = time.monotonic()
    cluster.kill(leader)
    elected = writable = None
    while time.monotonic() < killed + ELECTION_SECONDS and writable is None:
        if elected is None and LEADER in cluster.states():
            elected = time.monotonic() - killed
        if any(takes_write(node, key) for node in others):
            writable = time.monotonic() - killed
        else:
            time.sleep(0.1)
    time.sleep(AFTER_SECONDS)
    stream.stopped.set()
    stream.join(timeout=60)
    before = [seconds for start, seconds, _ in stream.samples if start + seconds < killed]
    during = [sample for sample in stream.samples if sample[0] + sample[1] >= killed]
    return {
        "killed": leader.url,
        "leader_s": elected,
        "write_s": writable,
        "steady_p50_ms": 1000 * statistics.median(before) if before else float("nan"),
        "searches": len(during),
        "failed": [error for _, _, error in during if error],
        "longest_ms": 1000 * max((seconds for _, seconds, _ in during), default=0.0),
        "node": leader,
    }


def create_probe(cluster: Cluster, key: str) -> None:
    request = urllib.request.Request(
        f"{cluster.nodes[0].url}/collections",
        data=json.dumps({"name": PROBE, "fields": [{"name": "n", "type": "int32"}]}).encode(),
        headers={"X-TYPESENSE-API-KEY": key, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10.0):
        pass


def seconds_or_never(seconds: float | None) -> str:
    return f"{seconds:.1f} s" if seconds is not None else f"none within {ELECTION_SECONDS:.0f} s"


def load() -> str:
    """The machine's load as a figure was taken: it is shared, and other work slows it."""
    return f" [load average {os.getloadavg()[0]:.1f}]"


def say(text: str = "") -> None:
    print(text, flush=True)  # a long run's log shows each figure as soon as it is known


def whole(values: list[float]) -> str:
    return " ".join(f"{value:.0f}" for value in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("--work", type=Path, help="folder for the corpus (kept) and indexes")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="of the 240 queries per engine")
    parser.add_argument("--failovers", type=int, default=3, help="leaders killed in turn")
    arguments = parser.parse_args()
    say(f"command: {shlex.join(['python', *sys.argv])}")
    work = arguments.work or Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_of(work, arguments.articles, arguments.seed)
    run = Path(tempfile.mkdtemp(prefix="run-", dir=work))  # indexes and node data: removed
    key = os.environ.get(API_KEY_VARIABLE) or secrets.token_hex(24)
    os.environ[API_KEY_VARIABLE] = key  # the package's engine reads it from there alone
    requests = mixed_requests()
    count = arguments.articles
    say(f"corpus: {count} articles of scale.py's generator in {corpus}")
    cluster = None
    try:
        cluster = Cluster(run / "typesense", api_key=key)
        cluster.start()
        cluster.wait_ready()
        empty_rss = node_rss(cluster)
        typesense = open_engine("typesense", index_root=Path(INDEX), nodes=cluster.urls)
        with (
            dask_cluster(run / "dask", arguments.workers) as dask,
            DaskCluster(address=dask.address) as workers,
            import_timer() as imports,
        ):
            ts_seconds, ts_added = timed_build(typesense, corpus, extraction=workers.map)
            files = list(iter_corpus(corpus, DEFAULT_MAX_BYTES, {}))[:READING_SAMPLE]
            reading_here = reading_seconds(files, None)
            reading_workers = reading_seconds(files, workers)
        import_seconds = sum(seconds for seconds, _ in imports)
        imported = sum(documents for _, documents in imports)
        say(
            f"typesense build, reading on {arguments.workers} Dask workers:"
            f" {ts_added / ts_seconds:.0f} articles/s ({ts_seconds:.1f} s); bulk imports"
            f" {imported} documents in {import_seconds:.1f} s = {imported / import_seconds:.0f}"
            f" documents/s{load()}"
        )
        sample = len(files)
        say(
            f"reading alone, {sample} articles: here {sample / reading_here:.0f} articles/s,"
            f" on {arguments.workers} Dask workers {sample / reading_workers:.0f} articles/s"
            f" ({sample / reading_workers / arguments.workers:.0f} a worker)"
        )
        live = typesense.store.live_collection()
        documents = (get_json(f"{cluster.nodes[0].url}/collections/{live}", key=key) or {}).get(
            "num_documents", 0
        )
        full_rss = node_rss(cluster)
        grown = statistics.median(full_rss) - statistics.median(empty_rss)
        say(
            f"typesense nodes: {documents} documents; RSS MB empty {whole(empty_rss)},"
            f" built {whole(full_rss)}; median growth {grown:.0f} MB ="
            f" {1000 * grown / max(documents, 1):.2f} MB per 1k documents;"
            f" data folder {statistics.median(folder_mb(n.data) for n in cluster.nodes):.0f} MB"
        )

        create_probe(cluster, key)
        answered = [request for request in requests if query_round(typesense, [request])[1] == 0]
        failovers = []
        for number in range(arguments.failovers):
            result = failover(cluster, typesense, answered, key)
            failovers.append(result)
            say(
                f"failover {number + 1}: killed the leader {result['killed']}; leader again after"
                f" {seconds_or_never(result['leader_s'])}, a write taken after"
                f" {seconds_or_never(result['write_s'])};"
                f" {result['searches']} searches from the kill to {AFTER_SECONDS:.0f} s after,"
                f" {len(result['failed'])} failed, longest {result['longest_ms']:.0f} ms"
                f" (p50 before the kill {result['steady_p50_ms']:.1f} ms)"
            )
            for error in sorted(set(result["failed"]))[:3]:
                say(f"  failed: {error}")
            start = time.monotonic()  # back to three nodes, for the next failover and queries
            cluster.start(result["node"])
            cluster.wait_ready(seconds=CATCH_UP_SECONDS)
            say(f"  the killed node restarted and ready in {time.monotonic() - start:.1f} s")

        # Whoosh's build in a process of its own (scale.py's), as `search index` runs it.
        built = in_child("project-build", str(corpus), str(run / INDEX))
        seconds, added = built["seconds"], built["articles"]
        say(
            f"whoosh build, reading here: {added / seconds:.0f} articles/s ({seconds:.1f} s),"
            f" {built['documents']} documents, peak RSS {built['peak_rss_mb']:.0f} MB{load()}"
        )
        whoosh = open_engine("whoosh", index_root=run / INDEX)
        whoosh.keep_open()

        for engine in (whoosh, typesense):  # connections, caches and page cache warm
            query_round(engine, requests[:12])
        rounds: dict[str, list[tuple[float, float]]] = {"whoosh": [], "typesense": []}
        by_kind: dict[str, dict[str, list[float]]] = {name: {} for name in rounds}
        refused = {"whoosh": 0, "typesense": 0}
        for number in range(arguments.rounds):
            for name, engine in (("whoosh", whoosh), ("typesense", typesense)):
                kinds, refusals = query_round(engine, requests)
                timings = [seconds for each in kinds.values() for seconds in each]
                for kind, each in kinds.items():
                    by_kind[name].setdefault(kind, []).extend(each)
                refused[name] = refusals
                rounds[name].append((statistics.median(timings), percentile_95(sorted(timings))))
                middle, high = rounds[name][-1]
                say(
                    f"round {number + 1} {name}: {len(timings)} answered, {refusals} refused,"
                    f" p50 {1000 * middle:.1f} ms p95 {1000 * high:.1f} ms{load()}"
                )

        say()
        say(f"{count} articles; medians of {arguments.rounds} query rounds, 240 queries each")
        say(f"{'figure':<44}{'whoosh':>12}{'typesense':>12}")
        p50, p95 = (
            [1000 * statistics.median(r[part] for r in rounds[name]) for name in rounds]
            for part in (0, 1)
        )
        rows = [
            ("build: articles/s", added / seconds, ts_added / ts_seconds),
            ("build: seconds", seconds, ts_seconds),
            ("query p50 ms (resident client)", *p50),
            ("query p95 ms (resident client)", *p95),
            *(
                (
                    f"  p50 ms, {kind}",
                    *(1000 * statistics.median(by_kind[name][kind] or [0.0]) for name in rounds),
                )
                for kind in KINDS
            ),
            ("queries refused (of 240)", refused["whoosh"], refused["typesense"]),
        ]
        for label, left, right in rows:
            say(f"{label:<44}{left:>12.1f}{right:>12.1f}")
        say(
            f"per node: reading {sample / reading_workers / arguments.workers:.0f} articles/s a"
            f" Dask worker; Typesense bulk import {imported / import_seconds:.0f} documents/s"
            f" (3 nodes, Raft); {documents / max(ts_added, 1):.1f} documents an article;"
            f" {1000 * grown / max(documents, 1):.2f} MB RSS per 1k documents a node"
        )
        if failovers:
            longest = [result["longest_ms"] for result in failovers]
            failed = [len(result["failed"]) for result in failovers]
            elected = [r["leader_s"] for r in failovers if r["leader_s"] is not None]
            written = [r["write_s"] for r in failovers if r["write_s"] is not None]
            say(
                f"failover ({len(failovers)}): longest search ms median"
                f" {statistics.median(longest):.0f} (each {whole(longest)});"
                f" failed searches {' '.join(map(str, failed))}; new leader s median"
                f" {statistics.median(elected) if elected else float('nan'):.1f}; write taken s"
                f" median {statistics.median(written) if written else float('nan'):.1f}"
            )
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    main()
