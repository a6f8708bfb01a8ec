"""Shared fixtures: small corpora written here, and a runner for the `search` command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from search.cli import cli

HARBOUR = """\
Harbour Authority Plans Night Dredging

PORTMERE, March 14, 2024 — The harbour authority will begin dredging the main channel at night.

“The channel is silting faster than any model predicted,” said Maria Okafor, the harbour director. “Night dredging is the only way to keep the ferries running.”

Fishermen fear the noise will drive away the herring shoals near the breakwater.

“We were never consulted about the dredging,” said Tomas Lu, who has worked a trawler for thirty years.
"""

COUNCIL = """\
Council Approves Lighthouse Repairs

BRENNA, June 2, 2023 — The council voted for repairs to the old lighthouse.

“The lighthouse is part of who we are,” said Lucia Ferreira, the mayor.

“We will watch every euro of the repair budget,” said José Peña, the council treasurer.

Work will start in the autumn.
"""


def write_corpus(folder: Path) -> Path:
    """Two short articles: four quotes by four people, two datelines, narrative paragraphs."""
    folder.mkdir(parents=True)
    (folder / "harbour.txt").write_text(HARBOUR, "utf-8")
    (folder / "council.txt").write_text(COUNCIL, "utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of `write_corpus`'s articles, built once for tests that only read it."""
    from search.indexer import update_index

    folder = tmp_path_factory.mktemp("shared")
    update_index(write_corpus(folder / "corpus"), folder / "index")
    return folder / "index"


@pytest.fixture
def run(corpus: Path, tmp_path: Path) -> Callable[..., Result]:
    """Invoke `search` with this test's corpus and index folders."""
    runner = CliRunner()
    index = tmp_path / "index"

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        environment = {"SEARCH_CORPUS": str(corpus), "SEARCH_INDEX": str(index), "NO_COLOR": None}
        environment.update(env or {})
        return runner.invoke(cli, list(args), env=environment)

    return invoke
