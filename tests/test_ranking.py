"""Ranking behaviour: the standard BM25 idf and the bonus for query words found side by side.

Each test writes its own small corpus of one-paragraph articles with no quotations, so only
the ranking under test decides the order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from search.index import build_schema
from search.indexer import update_index
from search.query import SearchRequest, parse_query, search


def ranked_sources(tmp_path: Path, articles: dict[str, str], query: str) -> list[str]:
    """Index `articles` (name → paragraph, each under its own title) and rank them for `query`."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, paragraph in articles.items():
        (corpus / f"{name}.txt").write_text(f"Report {name}\n\n{paragraph}\n", "utf-8")
    update_index(corpus, tmp_path / "index")
    result = search(tmp_path / "index", SearchRequest(query=query, limit=50))
    return [hit.source.removesuffix(".txt") for hit in result.hits]


FILLER = "The meeting went on late into the evening while the delegates waited outside."


def test_words_side_by_side_outrank_the_same_words_apart(tmp_path: Path):
    ranked = ranked_sources(
        tmp_path,
        {
            "apart": f"The south wing stood empty. {FILLER} Trade with africa grew.",
            "together": f"Trade with south africa grew. {FILLER} The wing stood empty.",
        },
        "south africa",
    )
    assert ranked == ["together", "apart"]


def test_stop_words_between_query_words_still_count_as_side_by_side(tmp_path: Path):
    ranked = ranked_sources(
        tmp_path,
        {
            "apart": f"The number grew. {FILLER} The troops left.",
            "together": f"The number of troops grew. {FILLER} Everyone left.",
        },
        "number of troops",
    )
    assert ranked == ["together", "apart"]


def test_a_rare_word_outweighs_a_common_one(tmp_path: Path):
    common = {f"common{number}": f"The harbour was busy. {FILLER}" for number in range(8)}
    ranked = ranked_sources(
        tmp_path,
        {
            **common,
            "rare": f"A narwhal was sighted. {FILLER}",
            "both": f"A narwhal was sighted in the harbour. {FILLER}",
        },
        "harbour narwhal",
    )
    assert ranked[:2] == ["both", "rare"]


@pytest.mark.parametrize(
    "text",
    ['"south africa" trade', "south AND africa", "south africa NOT trade", "sou* africa"],
)
def test_user_syntax_is_kept_beside_the_bonus(text: str):
    parsed = parse_query(text, build_schema())
    assert "africa" in str(parsed)
    assert ("NOT" in str(parsed)) == ("NOT" in text)


def test_only_plain_neighbouring_words_get_the_bonus():
    parsed = str(parse_query("nato expansion title:vote", build_schema()))
    assert 'body:"nato expans"' in parsed
    assert '"expans vote"' not in parsed
