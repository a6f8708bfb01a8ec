"""Prefixes and wildcards match the words as written, whatever Porter2 makes of their stems,
and never expand without bound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import write_articles

from search.engine.request import MAX_EXPANSIONS

MIGRATION = """\
Valley Towns Court Newcomers

ORLANDEL, May 3, 2025 — Immigration to the valley doubled after the mill reopened.

“Every immigrant family brings a trade we had lost,” said Petra Hollin, the town clerk.

Turnout at the elections was the highest in a decade.
"""

VOTE = """\
Clerk Keeps Her Seat

ORLANDEL, May 9, 2025 — Petra Hollin was elected again without a rival.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "corpus", {"migration.txt": MIGRATION, "vote.txt": VOTE})


def _marked(run, query: str) -> list[str]:
    """The highlighted words of every hit of `query`."""
    result = run(query, "--format", "json")
    assert result.exit_code == 0, result.output
    return [
        hit["snippet"][start:end]
        for hit in json.loads(result.stdout)["hits"]
        for start, end in hit["highlights"]
    ]


@pytest.mark.parametrize("query", ["immigr*", "immigra*", "immigrat*", "IMMIGRATI*"])
def test_a_prefix_longer_than_the_stem_finds_the_word(run, query: str):
    assert "Immigration" in _marked(run, query)


def test_a_prefix_finds_every_word_written_with_it(run):
    assert sorted(_marked(run, "immigra*")) == ["Immigration", "immigrant"]


def test_a_prefix_finds_the_written_words_and_their_other_forms(run):
    # Porter2 stems elections to elect: the words written with the prefix are searched as
    # stems, as any word of a query is, so `elected` is found too.
    assert sorted(_marked(run, "electi*")) == ["elected", "elections"]


def test_a_wildcard_inside_a_word_matches_the_written_words(run):
    assert sorted(_marked(run, "imm*tion")) == ["Immigration", "immigrant"]
    assert run("imm*xion").exit_code == 1


def test_a_prefix_matching_no_written_word_finds_nothing(run):
    result = run("immigrx*")
    assert result.exit_code == 1


def test_a_prefix_on_a_field_is_matched_as_written_too(run):
    assert _marked(run, "quote:immigra*") == ["immigrant"]


def test_a_wildcard_standing_for_too_many_words_is_cut_and_says_so(run, corpus: Path):
    many = " ".join(f"zeta{number:03}" for number in range(MAX_EXPANSIONS + 20))
    (corpus / "many.txt").write_text(f"A List\n\n{many}\n", "utf-8")
    result = run("zeta*")
    assert result.exit_code == 0
    assert f"zeta* stands for more than {MAX_EXPANSIONS} words" in result.stderr
    assert "zeta*" not in run("immigra*").stderr


def test_a_prefix_after_not_excludes_the_words_it_stands_for(run):
    result = run("clerk NOT immigra*", "--format", "json")
    assert result.exit_code == 0
    assert {hit["source"] for hit in json.loads(result.stdout)["hits"]} == {"vote.txt"}


def test_stop_words_take_no_place_among_the_words_a_pattern_stands_for(run, corpus: Path):
    # `th*` stands for `the`, `this`, `that`, … and `thistle`: only `thistle` is ever searched.
    stop_words = "the this that these those there then than they them their"
    many = " ".join(f"th{number:03}x" for number in range(MAX_EXPANSIONS - 5))
    (corpus / "many.txt").write_text(f"A List\n\n{stop_words} {many} thistle\n", "utf-8")
    result = run("th*")
    assert result.exit_code == 0
    assert "stands for more than" not in result.stderr
