"""Text written one paragraph a line, with no blank lines between, reads as paragraphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import write_articles

ARTICLE = (
    "Quarry Expansion Approved\n"
    "The county board voted on Tuesday to let the Harlow quarry grow by a third, over the "
    "objections of residents who packed the meeting room for more than four hours.\n"
    "“We will hear the blasting in our kitchens every single morning,” said Wenna Ostrov, "
    "who lives on the ridge road above the pit and has fought the plan since spring.\n"
    "The quarry’s owner, Tamsin Brocke, said the dust would be kept down with water "
    "sprays and that blasting would stop at four every afternoon, as the permit requires.\n"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """This module's article alone, for conftest's `run` to search."""
    return write_articles(tmp_path / "corpus", {"quarry.txt": ARTICLE})


def test_each_long_line_is_a_paragraph_with_its_own_hits(run) -> None:
    quotes = [json.loads(line) for line in run("quotes", "--format", "jsonl").stdout.splitlines()]
    assert [(quote["speaker"], quote["quote"][:20]) for quote in quotes] == [
        ("Wenna Ostrov", "We will hear the bla")
    ]
    hit = json.loads(run("water sprays", "--format", "json").stdout)["hits"][0]
    assert hit["kind"] == "passage"
    assert hit["snippet"].startswith("The quarry’s owner")
    assert "blasting in our kitchens" not in hit["snippet"]
