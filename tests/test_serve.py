"""`search serve` as a user starts it: the index built at start, pages and JSON over real
HTTP on 127.0.0.1, and a port already taken named in one line."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

from servers import serving

from search.cli import network_warning


def fetch(url: str) -> tuple[int, dict, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8")


def test_serve_builds_the_index_then_answers_pages_and_json(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    with serving(corpus, index) as url:
        status, headers, body = fetch(f"{url}/api/search?q=dredging")
        assert status == 200 and json.loads(body)["total"] == 3
        status, headers, body = fetch(f"{url}/?q=dredging")
        assert status == 200 and "<mark>dredging</mark>" in body
        assert "script-src 'self'" in headers["content-security-policy"]
    assert (index / "CURRENT").is_file()


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
