"""Reading articles on a Dask cluster (`search index --dask ADDRESS`, `--workers N`): the same
index as reading them here, a worker killed mid-build losing nothing, and bad configuration
as one line and exit code 2.

A scheduler and two workers run as processes of their own on 127.0.0.1 for the whole module.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from articles import COUNCIL, HARBOUR
from click.testing import CliRunner, Result
from servers import START_SECONDS, DaskProcesses, dask_cluster

from search import __version__, distributed
from search.cli import cli
from search.corpus import SourceFile, iter_corpus
from search.engine.whoosh import WhooshEngine
from search.engine.whoosh.index import index_exists
from search.errors import ClusterError
from search.settings import DEFAULT_MAX_BYTES

ROOT = Path(__file__).parent.parent
GENERATED_ARTICLES = 240
UNREACHABLE_SECONDS = 30  # a connect timeout of 2 s, and Python's start


def _scale_module():
    """benchmarks/scale.py, for its generator of news-like articles."""
    spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskProcesses]:
    with dask_cluster(tmp_path_factory.mktemp("dask")) as processes:
        yield processes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, articles in every format (with a bad JSON line and a file that is no
    article) and a few hundred generated articles in sub-folders."""
    folder = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(ROOT / "seeds", folder)
    (folder / "harbour.txt").write_text(HARBOUR, "utf-8")
    (folder / "council.md").write_text("# " + COUNCIL, "utf-8")
    lines = [
        json.dumps({"title": "Bridge Opens", "date": "2022-09-30",
                    "body": "“It is finished,” said Dana Whitcombe.\n\nCars crossed."}),
        "not json at all",
    ]  # fmt: skip
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    (folder / "image.txt").write_bytes(bytes(range(256)) * 4)
    _scale_module().generate(folder / "generated", GENERATED_ARTICLES, seed=7)
    return folder


def invoke(corpus: Path, index: Path, *args: str, env: dict | None = None) -> Result:
    environment = {"SEARCH_CORPUS": str(corpus), "SEARCH_INDEX": str(index), "NO_COLOR": None}
    return CliRunner().invoke(cli, list(args), env={**environment, **(env or {})})


def answers(corpus: Path, index: Path) -> dict[str, object]:
    """What the index answers, through the command line: every quote, every speaker, a
    search with facets."""
    commands = {
        "quotes": ["quotes", "--format", "json"],
        "speakers": ["speakers", "--format", "json"],
        "search": ["budget harbour", "--format", "json", "--facet", "speaker", "--limit", "30"],
    }
    found = {}
    for name, command in commands.items():
        result = invoke(corpus, index, *command)
        assert result.exit_code in (0, 1), result.output  # 1: a search without hits
        found[name] = json.loads(result.stdout)
    return found


def build_report(result: Result) -> list[str]:
    """The summary and warnings of a build, in an order that does not depend on timing."""
    assert result.exit_code == 0, result.output
    return sorted(result.stderr.splitlines())


@pytest.fixture(scope="module")
def local(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A build that reads every article here, as without a cluster: what the others must equal."""
    index = tmp_path_factory.mktemp("local") / "index"
    report = build_report(invoke(corpus, index, "index"))
    return {"report": report, "answers": answers(corpus, index)}


def batches_run(cluster: DaskProcesses) -> int:
    """How many batches the live workers have run (a task each)."""
    from distributed import Client

    with Client(cluster.address, set_as_default=False) as client:
        counts = client.run(lambda dask_worker: dask_worker.state.executed_count)
    return sum(counts.values())


def test_a_build_on_the_cluster_gives_the_index_a_local_build_gives(
    cluster, corpus, local, tmp_path
):
    before = batches_run(cluster)
    result = invoke(corpus, tmp_path / "index", "index", "--dask", cluster.address)
    assert build_report(result) == local["report"]
    assert answers(corpus, tmp_path / "index") == local["answers"]
    assert len(local["answers"]["quotes"]) > 2 * GENERATED_ARTICLES
    assert batches_run(cluster) - before >= GENERATED_ARTICLES // distributed.FILES_A_BATCH


def test_searching_builds_the_index_on_the_cluster_named_by_the_environment(
    cluster, corpus, local, tmp_path
):
    before = batches_run(cluster)
    result = invoke(corpus, tmp_path / "index", "budget harbour", "--format", "json",
                    "--facet", "speaker", "--limit", "30", env={"SEARCH_DASK": cluster.address})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == local["answers"]["search"]
    assert batches_run(cluster) > before


def test_an_update_on_the_cluster_gives_the_index_a_local_update_gives(cluster, corpus, tmp_path):
    changed, on_cluster, here = tmp_path / "corpus", tmp_path / "on-cluster", tmp_path / "here"
    shutil.copytree(corpus, changed, ignore=shutil.ignore_patterns("generated"))
    assert invoke(changed, on_cluster, "index", "--quiet").exit_code == 0
    shutil.copytree(on_cluster, here)
    (changed / "harbour.txt").write_text(HARBOUR.replace("thirty years", "forty years"), "utf-8")
    (changed / "council.md").unlink()
    (changed / "new.txt").write_text(COUNCIL.replace("Lucia Ferreira", "Ana Rocha"), "utf-8")
    result = invoke(changed, on_cluster, "index", "--dask", cluster.address)
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated, 1 removed" in result.stderr
    assert build_report(result) == build_report(invoke(changed, here, "index"))
    assert answers(changed, on_cluster) == answers(changed, here)


def source_files(corpus: Path) -> list[SourceFile]:
    """The corpus's article files, as an update finds them."""
    found = iter_corpus(corpus, DEFAULT_MAX_BYTES, {})
    return [file for file in found if isinstance(file, SourceFile)]


def test_each_file_goes_out_with_its_bytes_and_comes_back_once(cluster, corpus):
    """The workers need not see the corpus folder: each file's content travels with it."""
    files = source_files(corpus)
    with distributed.DaskCluster(cluster.address) as dask:
        # A lambda travels by value: the workers cannot import this test module.
        digests = list(dask.map(lambda file, data: (file.source, hashlib.sha256(data).digest()), files, files_a_batch=5))  # fmt: skip
    expected = [
        (file.source, hashlib.sha256(Path(file.path).read_bytes()).digest()) for file in files
    ]
    assert len(digests) == len(expected) > GENERATED_ARTICLES
    assert sorted(digests) == sorted(expected)


def test_a_worker_killed_mid_build_loses_nothing_and_doubles_nothing(
    cluster, corpus, local, tmp_path
):
    """A third worker joins; once the first batch is back, a worker with a batch in hand is
    killed outright. The scheduler runs its batch again on another, and the index holds every
    quote once, as the local build does."""
    from distributed import Client

    cluster.add_worker()
    cluster.wait_for_workers(3)
    killed: list[tuple[int, list]] = []  # the worker's pid, and the batches it had in hand

    def kill_a_busy_worker(client: Client) -> None:
        """Kill a worker while it runs a batch, as the build goes on taking results (only a
        few batches are in flight: a build held still would soon have none running)."""
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = {pids.get(at): keys for at, keys in client.processing().items() if keys}
            if victims := [pid for pid in busy if pid in cluster.worker_pids()]:
                os.kill(victims[0], signal.SIGKILL)
                killed.append((victims[0], busy[victims[0]]))
                return
            time.sleep(0.005)

    with (
        Client(cluster.address, set_as_default=False) as client,
        distributed.DaskCluster(cluster.address) as dask,
    ):

        def extraction(function: Callable, files: list[SourceFile]) -> Iterator:
            results = dask.map(function, files, files_a_batch=4)
            yield next(results)
            killer = threading.Thread(target=kill_a_busy_worker, args=(client,))
            killer.start()
            yield from results
            killer.join(30)

        report = WhooshEngine(tmp_path / "index").update(corpus, extraction=extraction)

    [(victim, batches)] = killed
    assert batches and victim not in cluster.worker_pids()
    assert f"search: {report.summary()}" in local["report"]
    found = answers(corpus, tmp_path / "index")
    ids = [quote["id"] for quote in found["quotes"]]
    assert len(ids) == len(set(ids))
    assert found == local["answers"]


def test_a_batch_that_kills_every_worker_it_meets_is_given_up_after_a_few(corpus):
    """A local cluster's nanny brings each killed worker back, and the scheduler gives the
    batch to it again, until the batch has killed more workers than Dask allows."""
    files = source_files(corpus)
    tries = distributed.WORKER_DEATHS_ALLOWED + 1
    stopped = f"^a batch of articles stopped {tries} Dask workers"
    with distributed.DaskCluster(workers=1) as dask, pytest.raises(ClusterError, match=stopped):
        list(dask.map(lambda file, data: os.kill(os.getpid(), signal.SIGKILL), files[:1]))


def test_local_workers_build_the_same_index_and_stop_with_the_build(corpus, local, tmp_path):
    """As a user runs it: `search index --workers 2` in a session of its own, which holds no
    process once the command has ended."""
    command = [sys.executable, "-m", "search", "index", "--workers", "2", "--corpus", str(corpus)]
    build = subprocess.Popen(
        [*command, "--index", str(tmp_path / "index")],
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        _, stderr = build.communicate(timeout=START_SECONDS)
    finally:
        left = session_processes(build.pid)
        for process in left:
            process.kill()
    assert build.returncode == 0, stderr
    assert sorted(stderr.splitlines()) == local["report"]
    assert answers(corpus, tmp_path / "index") == local["answers"]
    assert not left, f"the local cluster's processes outlived the build: {left}"


def session_processes(session: int) -> list[psutil.Process]:
    """The processes left in a session, waiting a little for those on their way out."""
    deadline = time.monotonic() + 10
    while True:
        left = []
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error, OSError):
                if os.getsid(process.pid) == session and process.status() != psutil.STATUS_ZOMBIE:
                    left.append(process)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_a_worker_of_another_version_is_refused(cluster, corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "__version__", "0.0.0-other")
    result = invoke(corpus, tmp_path / "index", "index", "--dask", cluster.address)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"search: error: a Dask worker runs quote-search {__version__}, this is"
        " 0.0.0-other: install the same version on every worker"
    ]
    assert not index_exists(tmp_path / "index")


# --- bad configuration: one line, exit code 2, the index as it was -------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_2_in_bounded_time(corpus, tmp_path):
    """As a user runs it: its own process, Dask's connect timeout shortened as Dask allows."""
    address = f"tcp://127.0.0.1:{free_port()}"
    environment = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    command = [sys.executable, "-m", "search", "index", "--corpus", str(corpus)]
    start = time.monotonic()
    finished = subprocess.run(
        [*command, "--index", str(tmp_path / "index"), "--dask", address],
        capture_output=True, text=True, env=environment, timeout=UNREACHABLE_SECONDS,
    )  # fmt: skip
    assert time.monotonic() - start < UNREACHABLE_SECONDS
    assert finished.returncode == 2
    assert finished.stderr.splitlines() == [
        f"search: error: cannot reach the Dask scheduler at {address}"
        f" (Timed out trying to connect to {address} after 2 s)"
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dask", "scheduler"], "'scheduler' is not a Dask scheduler's address"),
        (["--dask", "http://127.0.0.1:8786"], "unknown address scheme 'http'"),
        (["--workers", "0"], "Invalid value for '--workers': 0 is not in the range x>=1"),
        (["--workers", "2", "--dask", "tcp://127.0.0.1:8786"], "--dask and --workers do not go together"),
        (["--dask", "tcp://127.0.0.1:8786", "index", "--workers", "2"], "--dask and --workers do not go together"),
    ],
)  # fmt: skip
def test_bad_configuration_is_one_line_and_exit_2(corpus, tmp_path, options, message):
    args = options if "index" in options else ["index", *options]
    result = invoke(corpus, tmp_path / "index", *args)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert not index_exists(tmp_path / "index")


def test_without_dask_installed_it_says_how_to_install_it(corpus, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    result = invoke(corpus, tmp_path / "index", "index", "--workers", "2")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "Dask is not installed" in result.stderr
    assert "pip install 'quote-search[cluster]'" in result.stderr


def test_a_failed_update_on_the_cluster_keeps_what_was_indexed(corpus, tmp_path, monkeypatch):
    changed = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", changed)
    (changed / "harbour.txt").write_text(HARBOUR, "utf-8")
    index = tmp_path / "index"
    assert invoke(changed, index, "index", "--quiet").exit_code == 0
    before = answers(changed, index)
    (changed / "council.txt").write_text(COUNCIL, "utf-8")
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "distributed", None)
        result = invoke(changed, index, "index", "--workers", "1")
    assert result.exit_code == 2
    assert answers(changed, index) == before


def test_a_scheduler_without_workers_is_one_line_and_exit_2(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "NO_WORKER_SECONDS", 1.0)
    with dask_cluster(tmp_path / "dask", workers=0) as lonely:
        result = invoke(corpus, tmp_path / "index", "index", "--dask", lonely.address)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"search: error: no worker joined the Dask scheduler at {lonely.address} in 1 s"
    ]
    assert not index_exists(tmp_path / "index")


def test_a_scheduler_lost_mid_build_stops_it_and_leaves_the_index_as_it_was(corpus, tmp_path):
    index = tmp_path / "index"
    assert invoke(ROOT / "seeds", index, "index", "--quiet").exit_code == 0
    before = answers(ROOT / "seeds", index)
    with (
        dask_cluster(tmp_path / "dask", workers=1) as doomed,
        distributed.DaskCluster(doomed.address) as dask,
    ):

        def extraction(function: Callable, files: list[SourceFile]) -> Iterator:
            results = dask.map(function, files, files_a_batch=4)
            yield next(results)
            os.kill(doomed.scheduler.pid, signal.SIGKILL)
            yield from results

        with pytest.raises(ClusterError, match=r"^lost the Dask scheduler at .* mid-update"):
            WhooshEngine(index).update(corpus, rebuild=True, extraction=extraction)
    assert answers(ROOT / "seeds", index) == before


def test_an_up_to_date_index_never_reaches_for_the_cluster(tmp_path):
    """SEARCH_DASK set for every command costs nothing when there is nothing to read: no
    wait for Dask's connect timeout (30 s) on an address nobody answers."""
    seeds, index = ROOT / "seeds", tmp_path / "index"
    assert invoke(seeds, index, "index", "--quiet").exit_code == 0
    unreachable = {"SEARCH_DASK": f"tcp://127.0.0.1:{free_port()}"}
    start = time.monotonic()
    assert invoke(seeds, index, "NATO", "--limit", "1", env=unreachable).exit_code == 0
    result = invoke(seeds, index, "index", env=unreachable)
    assert result.exit_code == 0, result.output
    assert "index is up to date" in result.stderr
    assert time.monotonic() - start < 20
