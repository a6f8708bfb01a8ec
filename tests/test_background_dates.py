"""A date mentioned as background never dates a quotation, and date filters say what they hid."""

from __future__ import annotations

import json
from pathlib import Path

import extracting
import pytest
from articles import write_articles

# No date of its own: the only full date is that of an event years before.
UNDATED = """\
Vigil Held at Marwick School

Families gathered outside Marwick Elementary, where a fire on November 3, 2011 destroyed the gym.

“We come back every year so nobody forgets,” said Petra Voss, whose son was a pupil then.

The school board has since rebuilt the gym, which opened after the fire of March 2, 2013 at the
depot.

“The new gym is fine, but the names belong on a wall,” Voss said.
"""

# The lead says when the story happened; a background date follows in a subordinate clause.
DATED = """\
Marwick Board Votes on Memorial Wall

The Marwick school board voted on May 6, 2024 to build a memorial wall, years after a fire that
destroyed the gym on November 3, 2011.

“The names belong on a wall,” said Petra Voss, a parent.
"""


def test_an_article_without_a_date_leaves_its_quotes_undated() -> None:
    extraction = extracting.run(UNDATED)
    assert extraction.article_date is None
    assert [quote.date for quote in extraction.quotes] == [None, None]


def test_the_lead_dates_the_story_not_the_background_it_recalls() -> None:
    extraction = extracting.run(DATED)
    assert extraction.article_date is not None
    assert extraction.article_date.isoformat() == "2024-05-06"
    assert extracting.quote_with(extraction, "names belong").date == extraction.article_date


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """This module's articles, for conftest's `run` to search."""
    return write_articles(tmp_path / "corpus", {"vigil.txt": UNDATED, "board.txt": DATED})


def test_a_date_filter_says_on_stderr_how_many_undated_hits_it_left_out(run) -> None:
    result = run("names", "wall", "--since", "2020-01-01", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {hit["date"] for hit in payload["hits"]} == {"2024-05-06"}
    assert payload["undated_left_out"] == 1
    assert "1 undated hit left out" in result.stderr


def test_include_undated_keeps_hits_without_a_date(run) -> None:
    result = run("names", "wall", "--until", "2030-01-01", "--include-undated", "--format", "json")
    assert result.exit_code == 0, result.output
    dates = [hit["date"] for hit in json.loads(result.stdout)["hits"]]
    assert None in dates and "2024-05-06" in dates
    assert "left out" not in result.stderr


def test_without_a_date_filter_nothing_is_left_out(run) -> None:
    result = run("names", "wall", "--format", "json")
    assert "undated_left_out" not in json.loads(result.stdout)
    assert "left out" not in result.stderr
