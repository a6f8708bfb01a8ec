"""`search verify`: exact and near-exact wording across the corpus, and how each copy differs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import COUNCIL_REPRINT

from search.render import marked_wording
from search.wording import allowed_changes, compare

SENTENCE = "The channel is silting faster than any model predicted"


@pytest.mark.parametrize(
    ("given", "marked"),
    [
        (SENTENCE, SENTENCE),
        (
            "the channel is silting very fast than any model predicted",
            "The channel is silting [-very fast-]{+faster+} than any model predicted",
        ),
        (
            "the channel is silting faster than any computer model predicted",
            "The channel is silting faster than any [-computer-] model predicted",
        ),
        (
            "the channel is silting faster than any model predicted today",
            "The channel is silting faster than any model predicted [-today-]",
        ),
        (
            "channel is silting much faster than any model",
            "channel is silting [-much-] faster than any model",
        ),
    ],
)
def test_differences_are_marked_where_they_stand(given, marked):
    found = compare(given, f"“{SENTENCE},” she said on Monday.")
    assert found is not None
    assert marked_wording(found, color=False) == marked


def test_case_accents_and_apostrophes_do_not_count_as_differences():
    found = compare("NATO'S BORDERS AT RUSSIAS THRESHOLD", "Nato’s borders at Russias threshold.")
    assert found is not None and found.exact


def test_too_many_changes_is_no_match():
    assert compare("the river is flooding faster than any forecast said", SENTENCE) is None


def test_short_wordings_must_match_exactly():
    assert allowed_changes(3) == 0
    assert compare("deploy nuclear missiles", "they will deploy missiles") is None
    assert compare("deploy missiles", "they will deploy missiles").exact


def test_verify_finds_every_copy_earliest_first(run, corpus: Path):
    (corpus / "reprint.txt").write_text(COUNCIL_REPRINT, "utf-8")
    result = run("verify", "the lighthouse is part of who we are", "--format", "json")
    assert result.exit_code == 0
    found = json.loads(result.stdout)["occurrences"]
    assert [(item["source"], item["date"], item["exact"]) for item in found] == [
        ("reprint.txt", "2023-06-01", True),
        ("council.txt", "2023-06-02", True),
    ]
    assert {item["speaker"] for item in found} == {"Lucia Ferreira"}


def test_verify_marks_a_near_exact_copy(run):
    result = run("verify", "The channel is silting quicker than any model predicted")
    assert result.exit_code == 0
    assert "[-quicker-]{+faster+}" in result.stdout
    assert "1 difference" in result.stdout
    assert "Maria Okafor" in result.stdout


def test_verify_exits_one_when_nothing_is_close(run):
    result = run("verify", "an entirely different sentence about zeppelins")
    assert result.exit_code == 1
    assert result.stdout.strip() == "not found"


def test_verify_reads_query_syntax_as_plain_words(run):
    assert run("verify", "NOT (a* AND", "--format", "json").exit_code == 1
