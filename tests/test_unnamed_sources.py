"""A source the article does not name is listed as such: no person's name, the article's words."""

from __future__ import annotations

import json
from pathlib import Path

import extracting
import pytest
from articles import write_articles

ARTICLE = """\
Ferry Operator Raises Fares

Ilse Marrow, the operator's chief executive, announced the rise on Monday.

“Fares will rise by a tenth in May,” Marrow said.

“The board was split on the rise,” a company spokesman said.
"""


def test_an_unnamed_source_has_no_speaker_and_keeps_its_description() -> None:
    quote = extracting.quote_with(extracting.run(ARTICLE), "board was split")
    assert quote.speaker is None
    assert quote.described_as == "a company spokesman"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """This module's article alone, for conftest's `run` to search."""
    return write_articles(tmp_path / "corpus", {"ferry.txt": ARTICLE})


def test_unnamed_quotes_are_listed_searchable_and_counted_apart(run) -> None:
    rows = [json.loads(line) for line in run("quotes", "--format", "jsonl").stdout.splitlines()]
    unnamed = [row for row in rows if row["speaker"] is None]
    assert [row["described_as"] for row in unnamed] == ["a company spokesman"]
    result = json.loads(run("board split", "--facet", "speaker", "--format", "json").stdout)
    assert result["hits"][0]["speaker"] is None
    assert result["hits"][0]["described_as"] == "a company spokesman"
    assert result["facets"]["speaker"].get("(unnamed)") == 1
    assert "(unnamed) a company spokesman" in run("board split").stdout
    speakers = json.loads(run("speakers", "--format", "json").stdout)
    assert [entry["name"] for entry in speakers] == ["Ilse Marrow"]


def test_an_indefinite_description_with_a_capitalised_modifier_names_nobody() -> None:
    extraction = extracting.run(
        "Budget Talks Stall\n\nSenator Alvar Quist left the chamber early on Friday.\n\n"
        "“They have no plan at all,” said one Liberal source on the committee."
    )
    quote = extracting.quote_with(extraction, "no plan at all")
    assert quote.speaker is None
    assert quote.described_as is not None and quote.described_as.startswith("one Liberal source")


def test_a_crowd_or_people_at_large_are_nobody_named() -> None:
    extraction = extracting.run(
        "Mill Closes\n\nMayor Ines Kroll spoke to reporters at the gate on Monday.\n\n"
        "Protesters chanted: “Keep the mill open.”\n\n"
        "The crowd shouted “Who pays now?” as the gates shut.\n\n"
        "“The river takes what it wants,” Harrovians say."
    )
    quotes = [
        extracting.quote_with(extraction, fragment)
        for fragment in ("mill open", "Who pays", "river takes")
    ]
    assert [quote.speaker for quote in quotes] == [None, None, None]
    assert [quote.described_as for quote in quotes] == ["Protesters", "the crowd", "Harrovians"]


def test_a_participle_s_object_and_a_passive_verb_are_not_the_speaker() -> None:
    extraction = extracting.run(
        "Count Ends\n\nIvo Marsh declared victory before the race was formally called.\n\n"
        "“I know it is late, so I will keep this short.”\n\n"
        "Marsh ended his speech by asking the crowd to bring “one more neighbour” to the polls."
    )
    assert extracting.speakers(extraction) == ["Ivo Marsh", "Ivo Marsh"]


def test_a_capitalised_word_before_a_noun_for_people_names_nobody() -> None:
    extraction = extracting.run(
        "Vigil\n\nMayor Ivo Brandt spoke at the vigil on Monday.\n\n"
        "Small groups of marchers crossed the bridge, chanting “Bring them home.”\n\n"
        "“He should resign,” Brandt supporters said after the vote."
    )
    quotes = [extracting.quote_with(extraction, f) for f in ("Bring them", "should resign")]
    assert [quote.speaker for quote in quotes] == [None, None]
    assert [quote.described_as for quote in quotes] == [
        "Small groups of marchers",
        "Brandt supporters",
    ]


def test_a_document_from_people_the_article_does_not_name_names_nobody() -> None:
    extraction = extracting.run(
        "Schools\n\nMayor Ivo Brandt defended the plan on Monday.\n\n"
        "In late September, a group of parents sent a letter to the school board.\n\n"
        "“Our support for the plan is based on our own experience,” the letter reads.\n\n"
        "In August, several neighbourhood groups granted Mr. Brandt an extension, saying his "
        "“budget was smaller than expected.”"
    )
    letter = extracting.quote_with(extraction, "Our support")
    assert (letter.speaker, letter.described_as) == (None, "the letter")
    extension = extracting.quote_with(extraction, "budget was smaller")
    assert extension.speaker is None
