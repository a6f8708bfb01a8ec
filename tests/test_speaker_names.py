"""A --speaker given with a misspelt surname, or with a middle name or initial the articles
leave out (or the other way round), still reaches the person."""

from __future__ import annotations

from pathlib import Path

import pytest
from articles import write_articles

from search.identities import Identities

QUARRY = """\
Quarry Expansion Put to a Vote

HOLMSBY, April 2, 2025 — The quarry's owners asked the parish to let them dig further west.

“The hillside is not ours to sell,” said Edvard Kalnins, the parish chairman.

“Every job here depends on the quarry,” said Marta Ilse Rudaka, who runs the canteen.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "corpus", {"quarry.txt": QUARRY})


def test_a_misspelt_surname_alone_suggests_the_person(run):
    result = run("quarry", "--speaker", "Kalnyns")
    assert result.exit_code == 1
    assert "no speaker matches 'Kalnyns'; closest: Edvard Kalnins" in result.stdout


def test_a_name_like_no_one_gets_no_suggestion(run):
    assert "closest: no similar name" in run("quarry", "--speaker", "Zbigniew").stdout


@pytest.mark.parametrize("name", ["Edvard J. Kalnins", "Edvard Janis Kalnins"])
def test_a_middle_initial_or_name_the_articles_leave_out_still_matches(run, name: str):
    result = run("hillside", "--speaker", name)
    assert result.exit_code == 0, result.output
    assert "Edvard Kalnins" in result.stdout


def test_a_middle_name_left_out_of_the_query_still_matches(run):
    result = run("canteen OR quarry", "--speaker", "Marta Rudaka")
    assert result.exit_code == 0
    assert "Marta Ilse Rudaka" in result.stdout


def test_quotes_with_an_unknown_speaker_gets_the_same_suggestions(run):
    result = run("quotes", "--speaker", "Kalnyns", "--format", "jsonl")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no speaker matches 'Kalnyns'; closest: Edvard Kalnins" in result.stderr


def test_closest_compares_names_part_for_part():
    identities = Identities({"sergei volkanov": 3, "lu shaye": 2, "volkova": 1})
    assert identities.closest("volkanof") == ["sergei volkanov"]
    assert identities.closest("sergei volkanof") == ["sergei volkanov"]
    assert identities.closest("shaye lu") == ["lu shaye"]
    assert identities.closest("zbigniew") == []
