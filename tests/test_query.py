"""The query path through the package's functions: odd input, snippets, ranking details."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engine.hits import make_snippet
from search.engine.request import MAX_QUERY_CHARS, MAX_QUERY_WORDS, SearchRequest
from search.engine.whoosh.query import QueryError, search


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_gives_hits_or_a_query_error(shared_index: Path, text: str):
    try:
        result = search(shared_index, SearchRequest(text))
    except QueryError as error:
        assert "\n" not in str(error)
    else:
        assert result.total >= len(result.hits)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(['"', "(", ")", "[", "]", "AND", "OR", "NOT", "*", "?", ":",
                                 "date:", "speaker:", "{", "}", "^", "~", "lighthouse", "'",
                                 "<", ">", "source:", "light*", "*", "date:[2023"]),
                max_size=12))  # fmt: skip
def test_query_syntax_fragments_never_crash(shared_index: Path, pieces: list[str]):
    with contextlib.suppress(QueryError):
        search(shared_index, SearchRequest(" ".join(pieces)))


@pytest.mark.parametrize(
    "text",
    [
        '"lighthouse',
        "(lighthouse",
        "lighthouse)",
        "[lighthouse",
        "foo:lighthouse",
        "light\x00house\x07",
    ],
)
def test_unbalanced_marks_unknown_fields_and_control_characters_still_search(shared_index, text):
    assert search(shared_index, SearchRequest(text)).total >= 0


def test_a_field_kept_for_the_index_own_use_is_a_query_error(shared_index: Path):
    with pytest.raises(QueryError, match="quote_exact: is not a field you can search"):
        search(shared_index, SearchRequest('quote_exact:"harbour master"'))


def test_the_longest_query_allowed_is_answered(shared_index: Path):
    words = ["lighthouse", "harbour", "dredging", "repairs"] * (MAX_QUERY_WORDS // 4)
    started = time.perf_counter()
    result = search(shared_index, SearchRequest(" ".join(words)))
    assert result.total >= 1
    assert time.perf_counter() - started < 5  # well under a second here; slack for slow CI


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        (" ".join(["ha"] * (MAX_QUERY_WORDS + 1)), f"has {MAX_QUERY_WORDS + 1} words"),
        ("lighthouse" * (MAX_QUERY_CHARS // 10 + 1), "characters long"),
    ],
)
def test_a_query_past_the_limits_is_refused_in_one_line(shared_index: Path, query, complaint):
    with pytest.raises(QueryError, match=f"{complaint}: a search takes at most") as refused:
        search(shared_index, SearchRequest(query))
    assert "\n" not in str(refused.value)
    assert len(str(refused.value)) < 120


def test_snippet_keeps_the_window_with_the_most_matches():
    text = "alpha " * 50 + "needle and needle again " + "omega " * 50
    start = text.index("needle")
    second = text.index("needle", start + 1)
    spans = [(start, start + 6), (second, second + 6)]
    snippet, highlights = make_snippet(text, spans, 80)
    assert len(snippet) <= 82
    assert snippet.startswith("…") and snippet.endswith("…")
    assert [snippet[s:e] for s, e in highlights] == ["needle", "needle"]


def test_short_text_is_its_own_snippet():
    assert make_snippet("short text", [(0, 5)], 80) == ("short text", ((0, 5),))
