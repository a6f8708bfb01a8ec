"""`search serve` as a user starts it: the index built at start, pages and JSON over real
HTTP on 127.0.0.1, searches in worker processes, and a port already taken named in one line."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from servers import serving

from search.cli import network_warning
from search.engine.whoosh import WhooshEngine


def fetch(url: str) -> tuple[int, dict, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8")


def test_serve_builds_the_index_then_answers_pages_and_json(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    with serving(corpus, index, "--processes", "1") as served:
        status, headers, body = fetch(f"{served.url}/api/search?q=dredging")
        assert status == 200 and json.loads(body)["total"] == 3
        status, headers, body = fetch(f"{served.url}/?q=dredging")
        assert status == 200 and "<mark>dredging</mark>" in body
        assert "script-src 'self'" in headers["content-security-policy"]
        assert not workers_of(served.pid)
    assert (index / "CURRENT").is_file()


def test_every_worker_answers_from_each_index_an_update_commits(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    with serving(corpus, index, "--processes", "2") as served:
        search = f"{served.url}/api/search?q=keeper&facet=speaker"
        assert json.loads(fetch(search)[2])["total"] == 0  # answered once a worker is up
        workers = workers_of(served.pid)
        assert len(workers) == 2
        (corpus / "keeper.txt").write_text(
            "Keeper Retires\n\nBRENNA, January 9, 2025 — The keeper left the lighthouse.\n\n"
            "“I was the last keeper,” said Edda Voss.\n",
            "utf-8",
        )
        WhooshEngine(index).update(corpus)  # as `search index` in another terminal
        with ThreadPoolExecutor(4) as clients:  # searches at once, shared out among the workers
            answers = [json.loads(body) for _, _, body in clients.map(fetch, [search] * 12)]
        assert {answer["total"] for answer in answers} == {2}
        assert {answer["facets"]["speaker"]["Edda Voss"] for answer in answers} == {1}
        # A worker's errors come back as the server's own: a bad query, an unknown id.
        for path, status in (("/api/search?q=%28%28%28", 400), ("/api/quotes/none%23q1", 404)):
            with pytest.raises(urllib.error.HTTPError) as refused:
                fetch(served.url + path)
            assert refused.value.code == status and "error" in json.loads(refused.value.read())
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def workers_of(pid: int) -> list[int]:
    """The worker processes `search serve` searches in: Python's multiprocessing spawns them."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [
        child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_a_worker_count_out_of_range_is_a_usage_error(run):
    result = run("serve", "--processes", "0")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--processes" in result.stderr


def test_a_port_already_taken_is_one_line(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.exit_code == 2
    last_line = result.stderr.strip().splitlines()[-1]
    assert (
        last_line
        == f"search: error: cannot listen on 127.0.0.1 port {port}: Address already in use"
    )


def test_listening_beyond_this_machine_is_said_out_loud():
    assert network_warning("127.0.0.1") is None and network_warning("localhost") is None
    assert "can now read the corpus" in network_warning("0.0.0.0")
