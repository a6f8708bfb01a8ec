"""Each quote says how sure the extractor is of its speaker, and users can filter and see it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from extracting import quote_with, run

from search.cli import cli

# A named speaker beside the quotation, then an unresolved description that only a guess fills.
ARTICLE = """\
Ferry Fares Rise Again

“Fares will rise by a tenth in May,” said Ilse Marrow, the ferry operator's chief executive.

“He talked about this for months,” she said.

Passengers at the pier were unhappy with the news from the board.

“It is the third rise in two years,” the official said.
"""


def test_a_name_beside_the_quotation_is_surer_than_a_pronoun() -> None:
    extraction = run(ARTICLE)
    named = quote_with(extraction, "Fares will rise")
    pronoun = quote_with(extraction, "talked about this")
    assert named.speaker == pronoun.speaker == "Ilse Marrow"
    assert named.confidence is not None and pronoun.confidence is not None
    assert 0 <= pronoun.confidence < named.confidence <= 1


def _invoke(tmp_path: Path, *args: str):
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "ferry.txt").write_text(ARTICLE, "utf-8")
    environment = {"SEARCH_CORPUS": str(corpus), "SEARCH_INDEX": str(tmp_path / "index")}
    return CliRunner().invoke(cli, list(args), env={**environment, "NO_COLOR": None})


def test_min_confidence_keeps_only_surer_quotes(tmp_path: Path) -> None:
    every = [
        json.loads(line)
        for line in _invoke(tmp_path, "quotes", "--format", "jsonl").stdout.splitlines()
    ]
    sure = [
        json.loads(line)
        for line in _invoke(
            tmp_path, "quotes", "--format", "jsonl", "--min-confidence", "0.9"
        ).stdout.splitlines()
    ]
    assert sure and len(sure) < len(every)
    assert all(row["confidence"] >= 0.9 for row in sure)
    assert {row["quote"] for row in sure} < {row["quote"] for row in every}


def test_min_confidence_outside_zero_to_one_is_a_usage_error(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "quotes", "--min-confidence", "1.5")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_hits_carry_confidence_and_text_marks_an_uncertain_speaker(tmp_path: Path) -> None:
    rows = json.loads(_invoke(tmp_path, "fares", "--format", "json").stdout)["hits"]
    assert all(isinstance(row["confidence"], float) for row in rows if row["speaker"])
    by_quote = {row["quote"]: row for row in rows}
    assert by_quote["It is the third rise in two years"]["confidence"] < 0.5
    assert by_quote["Fares will rise by a tenth in May"]["confidence"] >= 0.5
    blocks = _invoke(tmp_path, "fares").stdout.split("\n\n")
    marked = [block for block in blocks if "(speaker uncertain)" in block]
    assert len(marked) == 1 and "third rise" in marked[0]
