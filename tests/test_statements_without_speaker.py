"""A quotation whose speaker the article does not give is still a quotation: listed, found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import write_articles

ARTICLE = """\
Strike Reaches Its Third Week

The picket line outside the Corlan depot grew again on Thursday.

“Not one more shift without a contract.”
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """This module's article alone, for conftest's `run` to search."""
    return write_articles(tmp_path / "corpus", {"strike.txt": ARTICLE})


def test_a_statement_without_a_speaker_is_listed_and_found(run) -> None:
    rows = [json.loads(line) for line in run("quotes", "--format", "jsonl").stdout.splitlines()]
    assert [(row["quote"], row["speaker"]) for row in rows] == [
        ("Not one more shift without a contract.", None)
    ]
    hits = json.loads(run("contract shift", "--format", "json").stdout)["hits"]
    assert hits[0]["kind"] == "quote"
    assert hits[0]["speaker"] is None
