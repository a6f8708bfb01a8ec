"""Shared fixtures: small corpora written here, and a runner for the `search` command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from articles import COUNCIL, HARBOUR, write_articles
from click.testing import CliRunner, Result

from search.cli import cli


def write_corpus(folder: Path) -> Path:
    """Two short articles: four quotes by four people, two datelines, narrative paragraphs."""
    return write_articles(folder, {"harbour.txt": HARBOUR, "council.txt": COUNCIL})


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of `write_corpus`'s articles, built once for tests that only read it."""
    from search.engine.whoosh import WhooshEngine

    folder = tmp_path_factory.mktemp("shared")
    WhooshEngine(folder / "index").update(write_corpus(folder / "corpus"))
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
