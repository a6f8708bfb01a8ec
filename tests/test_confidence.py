"""Each quote says how sure the extractor is of its speaker, and users can filter and see it."""

from __future__ import annotations

import json
from pathlib import Path

import extracting
import pytest
from articles import write_articles

# A named speaker beside the quotation, then an unresolved description that only a guess fills.
ARTICLE = """\
Ferry Fares Rise Again

“Fares will rise by a tenth in May,” said Ilse Marrow, the ferry operator's chief executive.

“He talked about this for months,” she said.

Passengers at the pier were unhappy with the news from the board.

“It is the third rise in two years,” the official said.
"""


def test_a_name_beside_the_quotation_is_surer_than_a_pronoun() -> None:
    extraction = extracting.run(ARTICLE)
    named = extracting.quote_with(extraction, "Fares will rise")
    pronoun = extracting.quote_with(extraction, "talked about this")
    assert named.speaker == pronoun.speaker == "Ilse Marrow"
    assert named.confidence is not None and pronoun.confidence is not None
    assert 0 <= pronoun.confidence < named.confidence <= 1


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """This module's article alone, for conftest's `run` to search."""
    return write_articles(tmp_path / "corpus", {"ferry.txt": ARTICLE})


def test_min_confidence_keeps_only_surer_quotes(run) -> None:
    every = [json.loads(line) for line in run("quotes", "--format", "jsonl").stdout.splitlines()]
    sure = [
        json.loads(line)
        for line in run(
            "quotes", "--format", "jsonl", "--min-confidence", "0.9"
        ).stdout.splitlines()
    ]
    assert sure and len(sure) < len(every)
    assert all(row["confidence"] >= 0.9 for row in sure)
    assert {row["quote"] for row in sure} < {row["quote"] for row in every}


def test_min_confidence_outside_zero_to_one_is_a_usage_error(run) -> None:
    result = run("quotes", "--min-confidence", "1.5")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_hits_carry_confidence_and_text_marks_an_uncertain_speaker(run) -> None:
    rows = json.loads(run("fares rise", "--format", "json").stdout)["hits"]
    assert all(isinstance(row["confidence"], float) for row in rows if row["speaker"])
    by_quote = {row["quote"]: row for row in rows}
    assert by_quote["It is the third rise in two years"]["confidence"] < 0.5
    assert by_quote["Fares will rise by a tenth in May"]["confidence"] >= 0.5
    blocks = run("fares rise").stdout.split("\n\n")
    marked = [block for block in blocks if "(speaker uncertain)" in block]
    assert len(marked) == 1 and "third rise" in marked[0]
