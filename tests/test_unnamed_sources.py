"""A source the article does not name is listed as such: no person's name, the article's words."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from extracting import quote_with, run

from search.cli import cli

ARTICLE = """\
Ferry Operator Raises Fares

Ilse Marrow, the operator's chief executive, announced the rise on Monday.

“Fares will rise by a tenth in May,” Marrow said.

“The board was split on the rise,” a company spokesman said.
"""


def test_an_unnamed_source_has_no_speaker_and_keeps_its_description() -> None:
    quote = quote_with(run(ARTICLE), "board was split")
    assert quote.speaker is None
    assert quote.described_as == "a company spokesman"


def _invoke(tmp_path: Path, *args: str):
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "ferry.txt").write_text(ARTICLE, "utf-8")
    environment = {"SEARCH_CORPUS": str(corpus), "SEARCH_INDEX": str(tmp_path / "index")}
    return CliRunner().invoke(cli, list(args), env={**environment, "NO_COLOR": None})


def test_unnamed_quotes_are_listed_searchable_and_counted_apart(tmp_path: Path) -> None:
    rows = [
        json.loads(line)
        for line in _invoke(tmp_path, "quotes", "--format", "jsonl").stdout.splitlines()
    ]
    unnamed = [row for row in rows if row["speaker"] is None]
    assert [row["described_as"] for row in unnamed] == ["a company spokesman"]
    result = json.loads(
        _invoke(tmp_path, "board split", "--facet", "speaker", "--format", "json").stdout
    )
    assert result["hits"][0]["speaker"] is None
    assert result["hits"][0]["described_as"] == "a company spokesman"
    assert result["facets"]["speaker"].get("(unnamed)") == 1
    assert "(unnamed) a company spokesman" in _invoke(tmp_path, "board split").stdout
    speakers = json.loads(_invoke(tmp_path, "speakers", "--format", "json").stdout)
    assert [entry["name"] for entry in speakers] == ["Ilse Marrow"]


def test_an_indefinite_description_with_a_capitalised_modifier_names_nobody() -> None:
    extraction = run(
        "Budget Talks Stall\n\nSenator Alvar Quist left the chamber early on Friday.\n\n"
        "“They have no plan at all,” said one Liberal source on the committee."
    )
    quote = quote_with(extraction, "no plan at all")
    assert quote.speaker is None
    assert quote.described_as is not None and quote.described_as.startswith("one Liberal source")
