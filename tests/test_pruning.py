"""Ranking without scoring every match gives the page that scoring every match gives, and hits
are counted exactly up to a bound, then as a lower bound.

Each corpus is generated from a seed: articles with a dateline, narrative, quotations (some
carried by several articles, to group), words drawn from a small vocabulary so that scores
tie often. Windows of a few documents and a low count bound make every path run: skipped
windows, optional clauses, lower-bound totals and the copies of a page's quotations.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.engine.request import SearchRequest
from search.engine.whoosh import WhooshEngine, pruning, query
from search.engine.whoosh.query import search

WORDS = "harbour vote budget energy grid rail line storm flood tax reform court ruling".split()
FILLER = "the of and to in that for on with as".split()
NAMES = ["Anna Berg", "Ivo Brandt", "Lena Costa", "Marek Dahl"]
QUOTES = [
    "The harbour vote will decide the budget",
    "Energy grid repairs cannot wait for the storm",
    "Tax reform is the only way to fund the rail line",
]
QUERIES = [
    "harbour",
    "energy grid",
    "harbour vote budget",
    '"tax reform"',
    '"rail line" storm flood',
    "court ruling tax reform energy grid harbour vote budget storm flood rail",
    "title:harbour vote",
    # A long query, words repeated: clauses boosted by their count, the ones with the smallest
    # bounds optional, many adjacency pairs.
    " ".join(random.Random(1).choices([*WORDS, "ruling court"], k=40)),
]


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = [
        rng.choice(WORDS) if rng.random() < 0.35 else rng.choice(FILLER)
        for _ in range(rng.randint(low, high))
    ]
    return " ".join(words).capitalize() + "."


def write_corpus(folder: Path, seed: int, articles: int) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(articles):
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 500))
        lines = [sentence(rng, 2, 4)[:-1].title(), ""]
        if rng.random() < 0.8:  # some articles are undated
            lines += [f"PORTMERE, {day:%B} {day.day}, {day.year} — {sentence(rng, 4, 9)}", ""]
        for _ in range(rng.randint(1, 3)):
            lines += [sentence(rng, 3, 12), ""]
            said = rng.choice(QUOTES) if rng.random() < 0.4 else sentence(rng, 4, 8)[:-1]
            lines += [f"“{said},” said {rng.choice(NAMES)}, the mayor.", ""]
        (folder / f"a{number:03}.txt").write_text("\n".join(lines), "utf-8")


@pytest.fixture(scope="module", params=[3, 11])
def index(request, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"pruning{request.param}")
    write_corpus(folder / "corpus", request.param, 60)
    WhooshEngine(folder / "index").update(folder / "corpus")
    return folder / "index"


@pytest.fixture(autouse=True)
def prune_every_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """These corpora are far too small for pruning to pay: prune them all the same."""
    monkeypatch.setattr(pruning, "PRUNE_FROM", 0)


def pages(index: Path, request: SearchRequest, monkeypatch: pytest.MonkeyPatch) -> list:
    """The result with pruning and with every match scored, as comparable tuples."""
    found = []
    for exhaustive in (False, True):
        monkeypatch.setattr(pruning, "EXHAUSTIVE", exhaustive)
        result = search(index, request)
        hits = [(hit.id, hit.score, hit.copies, hit.sources, hit.date) for hit in result.hits]
        found.append((hits, result.total, result.total_relation, result.undated_left_out))
    return found


@pytest.mark.parametrize("window", [8, 4096])
@pytest.mark.parametrize("text", QUERIES)
def test_the_page_is_the_one_scoring_every_match_gives(
    index: Path, text: str, window: int, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(pruning, "WINDOW", window)
    requests = [
        SearchRequest(text, limit=limit, page=page, group=group)
        for limit in (1, 3, 10)
        for page in (1, 2)
        for group in (True, False)
    ]
    requests += [
        SearchRequest(text, speakers=("Brandt",), limit=5),
        SearchRequest(text, since=dt.date(2023, 3, 1), until=dt.date(2023, 12, 31), limit=5),
        SearchRequest(text, since=dt.date(2023, 3, 1), include_undated=True, limit=5),
    ]
    shown = 0
    for request in requests:
        pruned, exhaustive = pages(index, request, monkeypatch)
        assert pruned == exhaustive, request
        shown += len(pruned[0])
    assert shown  # the query finds something to compare


@pytest.mark.parametrize("text", QUERIES)
def test_a_low_count_bound_changes_the_total_alone(
    index: Path, text: str, monkeypatch: pytest.MonkeyPatch
):
    """Counting stops at the bound: the total is then a lower bound, and the page, copies and
    sources included, is still the one every match scored gives."""
    request = SearchRequest(text, limit=3)
    unbounded = search(index, request)
    monkeypatch.setattr(query, "TRACK_TOTAL_HITS", 4)
    monkeypatch.setattr(pruning, "WINDOW", 8)
    pruned, exhaustive = pages(index, request, monkeypatch)
    assert (
        pruned[0]
        == exhaustive[0]
        == [(hit.id, hit.score, hit.copies, hit.sources, hit.date) for hit in unbounded.hits]
    )
    if unbounded.total > 4:
        assert pruned[1:3] == (4, "gte")
    else:
        assert pruned[1:3] == (unbounded.total, "eq")


def test_scores_are_the_rankers_own(index: Path, monkeypatch: pytest.MonkeyPatch):
    """The pruned ranking scores a document as `search.engine.whoosh.ranking.Ranker` does (bonuses too),
    which the facets' path still uses: a page asked with facets ranks alike."""
    for text in QUERIES:
        plain = search(index, SearchRequest(text, limit=20))
        faceted = search(index, SearchRequest(text, limit=20, facets=("year",)))
        assert [hit.score for hit in plain.hits] == pytest.approx(
            [hit.score for hit in faceted.hits], abs=2e-4
        ), text
        assert plain.total == faceted.total and plain.total_relation == "eq", text


def test_a_lower_bound_reads_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 5, 30)
    monkeypatch.setattr(query, "TRACK_TOTAL_HITS", 3)
    runner = CliRunner()
    environment = {"SEARCH_INDEX": str(tmp_path / "index"), "SEARCH_CORPUS": str(corpus)}
    runner.invoke(cli, ["index"], env=environment, catch_exceptions=False)
    shown = runner.invoke(cli, ["harbour", "--limit", "2"], env=environment)
    assert shown.stdout.rstrip().splitlines()[-1] == "showing hits 1–2 of 3 or more"
    payload = json.loads(
        runner.invoke(cli, ["harbour", "--format", "json"], env=environment).stdout
    )
    # Counted at least as far as the page reaches.
    assert (payload["total"], payload["total_relation"]) == (10, "gte")
    assert len(payload["hits"]) == 10
