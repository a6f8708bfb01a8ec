"""Ranking behaviour: the standard BM25 idf and the bonus for query words found side by side.

Each test writes its own small corpus of one-paragraph articles with no quotations, so only
the ranking under test decides the order.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search.engine.request import SearchRequest
from search.engine.whoosh import WhooshEngine
from search.engine.whoosh.index import build_schema
from search.engine.whoosh.query import parse_query, search
from search.model import SearchResult


def search_articles(tmp_path: Path, articles: dict[str, str], query: str) -> SearchResult:
    """Index `articles` (name → paragraph, each under its own title) and search for `query`."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, paragraph in articles.items():
        (corpus / f"{name}.txt").write_text(f"Report {name}\n\n{paragraph}\n", "utf-8")
    WhooshEngine(tmp_path / "index").update(corpus)
    return search(tmp_path / "index", SearchRequest(query=query, limit=50))


def ranked_sources(tmp_path: Path, articles: dict[str, str], query: str) -> list[str]:
    """The articles' names in the order `query` ranks them."""
    result = search_articles(tmp_path, articles, query)
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


def test_a_word_repeated_in_the_query_counts_as_often(tmp_path: Path):
    """BM25's query-term frequency: `harbour` twice outweighs the rarer `narwhal` once."""
    articles = {
        "busy": f"The harbour was busy. {FILLER}",
        "docks": f"The harbour was quiet. {FILLER}",
        "sighting": f"The narwhal was quiet. {FILLER}",
        **{f"other{number}": f"The market was quiet. {FILLER}" for number in range(3)},
    }
    assert ranked_sources(tmp_path, articles, "harbour narwhal")[0] == "sighting"
    twice = search(tmp_path / "index", SearchRequest(query="harbour narwhal harbour"))
    assert [hit.source for hit in twice.hits][2:] == ["sighting.txt"]  # after both harbours


@pytest.mark.parametrize(
    ("once", "repeated"),
    [
        ("quiet", "quiet quiet"),
        ('"harbour was quiet"', '"harbour was quiet" "harbour was quiet"'),
        ("body:quiet", "body:quiet body:quiet"),
        ("quiet AND harbour", "quiet AND harbour AND quiet AND harbour"),
    ],
)
def test_a_repeated_clause_doubles_its_score(tmp_path: Path, once: str, repeated: str):
    (tmp_path / "corpus").mkdir()
    text = f"Report\n\nThe harbour was quiet. {FILLER}\n"
    (tmp_path / "corpus" / "a.txt").write_text(text, "utf-8")
    WhooshEngine(tmp_path / "index").update(tmp_path / "corpus")
    single, double = (
        search(tmp_path / "index", SearchRequest(query=text)).hits for text in (once, repeated)
    )
    assert [hit.id for hit in single] == [hit.id for hit in double] == ["a.txt#p0"]
    assert double[0].score == pytest.approx(2 * single[0].score, abs=1e-3)


def test_a_word_in_title_and_paragraph_counts_once_beside_two_words(tmp_path: Path):
    """BM25F: a word's frequencies in title and body are summed before they saturate, so the
    word found in both does not outweigh the paragraph holding both query words."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = {
        "titled": ("Harbour Report", f"The harbour was quiet. {FILLER}"),
        "both": ("Evening Report", f"The budget of the harbour was quiet. {FILLER}"),
        **{f"budget{n}": ("Evening Report", f"The budget was quiet. {FILLER}") for n in range(2)},
        **{f"market{n}": ("Evening Report", f"The market was quiet. {FILLER}") for n in range(6)},
    }
    for name, (title, paragraph) in articles.items():
        (corpus / f"{name}.txt").write_text(f"{title}\n\n{paragraph}\n", "utf-8")
    WhooshEngine(tmp_path / "index").update(corpus)
    result = search(tmp_path / "index", SearchRequest(query="harbour budget"))
    assert [hit.source for hit in result.hits][:2] == ["both.txt", "titled.txt"]


def test_a_quoted_phrase_may_hold_stop_words(tmp_path: Path):
    ranked = ranked_sources(
        tmp_path,
        {
            "quoted": f"He said it in the hope that the war is far away. {FILLER}",
            "scattered": f"There was hope. {FILLER} The war is far away.",
        },
        '"hope that the war is far away"',
    )
    assert ranked == ["quoted"]


@pytest.mark.parametrize("query", ["U.S. troops", "u s troops", '"U. S." troops'])
def test_an_abbreviation_matches_however_it_is_punctuated(tmp_path: Path, query: str):
    ranked = ranked_sources(
        tmp_path,
        {
            "dotted": f"U.S. troops left the port. {FILLER}",
            "spaced": f"U. S. troops left the port. {FILLER}",
            "other": f"U.N. troops left. {FILLER}",  # shorter: it would win on "troops" alone
        },
        query,
    )
    assert sorted(ranked[:2]) == ["dotted", "spaced"]
    assert ranked[2:] == ["other"]


def test_a_possessive_finds_the_name_alone_and_ranks_the_possessive_first(tmp_path: Path):
    ranked = ranked_sources(
        tmp_path,
        {
            "alone": f"Kennedy spoke about a plan. {FILLER}",
            "possessive": f"Kennedy's plan was read out. {FILLER}",
        },
        "Kennedy's plan",
    )
    assert ranked == ["possessive", "alone"]


def test_a_word_written_with_inner_punctuation_is_highlighted_whole(tmp_path: Path):
    articles = {"a": f"U.S. troops and NATO-led crews left. {FILLER}"}
    hit = search_articles(tmp_path, articles, "U.S. troops NATO-led").hits[0]
    marked = [hit.snippet[start:end] for start, end in hit.highlights]
    assert marked == ["U.S", "troops", "NATO-led"]


def test_news_and_new_are_different_words(tmp_path: Path):
    ranked = ranked_sources(
        tmp_path,
        {"news": f"The news reached the town. {FILLER}", "new": f"A new bridge opened. {FILLER}"},
        "news",
    )
    assert ranked == ["news"]


def test_question_words_in_a_query_match_nothing(tmp_path: Path):
    ranked = ranked_sources(
        tmp_path,
        {
            "treaty": f"The treaty was signed. {FILLER}",
            "questions": f"Which way, and what for? Which one? {FILLER}",
        },
        "which treaty was signed and what for",
    )
    assert ranked == ["treaty"]


@pytest.mark.parametrize(
    "text",
    ['"south africa" trade', "south AND africa", "south africa NOT trade", "sou* africa"],
)
def test_user_syntax_is_kept_beside_the_bonus(text: str):
    parsed = parse_query(text, build_schema()).scored
    assert "africa" in str(parsed)
    assert ("NOT" in str(parsed)) == ("NOT" in text)


def test_only_plain_neighbouring_words_get_the_bonus():
    parsed = str(parse_query("nato expansion title:vote", build_schema()).scored)
    assert 'body:"nato expans"' in parsed
    assert '"expans vote"' not in parsed


def test_scores_are_whoosh_own_across_segments_and_deletions(tmp_path: Path):
    """The term-at-a-time ranker gives Whoosh's own BM25F scores and order, page for page.

    The index has several segments and deleted documents (files changed after the first
    build), where reading posting blocks directly could go wrong.
    """
    from search.engine.whoosh.index import open_index
    from search.engine.whoosh.query import apply_exclusions
    from search.engine.whoosh.ranking import Ranker, StandardIdfBM25F

    rng = random.Random(5)
    words = "alpha beta gamma delta harbour vote budget energy grid rail the of and".split()
    corpus = tmp_path / "corpus"
    corpus.mkdir()

    def write(number: int) -> None:
        paragraphs = [
            " ".join(rng.choices(words, k=rng.randint(4, 40))).capitalize() + "."
            for _ in range(rng.randint(1, 3))
        ]
        title = " ".join(rng.choices(words, k=3)).title()
        (corpus / f"a{number}.txt").write_text(title + "\n\n" + "\n\n".join(paragraphs), "utf-8")

    for number in range(60):
        write(number)
    WhooshEngine(tmp_path / "index").update(corpus)
    for number in range(0, 60, 7):
        write(number)
    WhooshEngine(tmp_path / "index").update(corpus)

    weighting = StandardIdfBM25F()
    with open_index(tmp_path / "index").searcher(weighting=weighting) as searcher:
        assert searcher.subsearchers and searcher.reader().has_deletions()
        for text in (
            "alpha beta",
            '"energy grid" vote',
            "alpha AND beta",
            "harbour budget NOT rail",
            "gam* delta",
            "title:vote alpha",
            "the alpha of the beta",
        ):
            parsed = apply_exclusions(parse_query(text, build_schema()).scored)
            expected = [(hit.docnum, hit.score) for hit in searcher.search(parsed, limit=25)]
            ranker = Ranker(searcher, weighting)
            matches, bonuses = ranker.rank(parsed)
            found = ranker.best(matches, bonuses, lambda number: number, 25, lambda number: number)
            assert [number for number, _ in found] == [number for number, _ in expected], text
            assert [score for _, score in found] == pytest.approx([s for _, s in expected]), text
            assert set(matches.ids.tolist()) == set(searcher.docs_for_query(parsed)), text


def test_the_parts_of_an_abbreviation_never_highlight_a_possessive_alone(tmp_path: Path):
    articles = {"a": f"U.S. troops crossed Vardenia’s border at the general’s order. {FILLER}"}
    hit = search_articles(tmp_path, articles, "U.S. troops").hits[0]
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["U.S", "troops"]


TIED = "Quayside lanterns glowed over the water."
# Datelines of one length, so that the paragraphs holding them score alike; "Harbour 15" is no
# date, which leaves the article undated.
DATELINES = {
    "ash": "PORTMERE, March 14, 2024 — ",
    "birch": "PORTMERE, Harbour 15, Quay — ",
    "cedar": "PORTMERE, March 15, 2024 — ",
    "elm": "PORTMERE, Harbour 15, Quay — ",
    "fir": "PORTMERE, March 15, 2024 — ",
}


def write_tied_articles(corpus: Path, names: list[str]) -> None:
    """Articles whose second and third paragraphs score alike for `lanterns`, among fillers."""
    corpus.mkdir(exist_ok=True)
    for number in range(40):  # enough documents for both writer processes of a rebuild
        paragraphs = [f"Delegates waited outside room {number} {part}." for part in range(3)]
        text = "Filler\n\n" + "\n\n".join(paragraphs)
        (corpus / f"filler{number}.txt").write_text(text, "utf-8")
    for name in names:
        (corpus / f"{name}.txt").write_text(
            f"Harbour Evening\n\n{DATELINES[name]}{TIED}\n\n"
            "The lanterns of the quayside glowed.\n\nThe lanterns of the quayside glowed.\n",
            "utf-8",
        )


@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
def test_equal_scores_and_dates_are_listed_alike_by_every_build(tmp_path: Path, sort: str):
    """Hits that tie are ordered by date (newest first for relevance, undated last), then by
    article and reading order: never by document numbers, which differ between builds."""
    names = list(DATELINES)
    fresh, grown = tmp_path / "fresh", tmp_path / "grown"
    write_tied_articles(fresh, names)
    WhooshEngine(tmp_path / "fresh-index").update(fresh)
    write_tied_articles(grown, names[3:])  # the same corpus, written in two updates
    WhooshEngine(tmp_path / "grown-index").update(grown)
    write_tied_articles(grown, names)
    WhooshEngine(tmp_path / "grown-index").update(grown)

    request = SearchRequest(query="lanterns", limit=50, sort=sort)
    orders = [
        [hit.id for hit in search(tmp_path / index, request).hits]
        for index in ("fresh-index", "grown-index")
    ]
    WhooshEngine(tmp_path / "fresh-index").update(fresh, rebuild=True)
    orders.append([hit.id for hit in search(tmp_path / "fresh-index", request).hits])
    assert orders[0] == orders[1] == orders[2]

    tied = search(tmp_path / "fresh-index", request).hits  # by date, every article's date
    if sort == "relevance":
        tied = tuple(hit for hit in tied if hit.score == tied[0].score)
        assert len(tied) == 2 * len(names)
        dates = [hit.date.toordinal() if hit.date else 0 for hit in tied]
        assert dates == sorted(dates, reverse=True) and dates[-1] == 0
    else:
        dated = [hit.date for hit in tied if hit.date]
        assert dated == sorted(dated, reverse=sort == "-date")
        assert all(hit.date is None for hit in tied[len(dated) :])
    for name in names:  # an article's paragraphs in reading order
        ids = [hit.id for hit in tied if hit.id.startswith(f"{name}.txt#")]
        assert ids == sorted(ids)


def write_article(corpus: Path, name: str, title: str, paragraphs: list[str]) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / f"{name}.txt").write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8")


def hit_ids(index: Path, query: str) -> list[str]:
    return sorted(hit.id for hit in search(index, SearchRequest(query=query, limit=50)).hits)


def test_a_title_the_user_names_matches_every_paragraph_a_spread_word_only_the_lead(
    tmp_path: Path,
):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_article(corpus, "plans", "Dredging Plans Approved", [FILLER, FILLER, FILLER])
    write_article(corpus, "inland", "Inland Report", [f"The dredging of the canal. {FILLER}"])
    WhooshEngine(index).update(corpus)

    assert hit_ids(index, "title:dredging") == ["plans.txt#p0", "plans.txt#p1", "plans.txt#p2"]
    assert hit_ids(index, "dredging") == ["inland.txt#p0", "plans.txt#p0"]
    assert hit_ids(index, "title:dredging OR canal") == [
        "inland.txt#p0",
        "plans.txt#p0",
        "plans.txt#p1",
        "plans.txt#p2",
    ]


def test_an_article_found_by_its_title_alone_is_found_once_by_its_lead_after_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """However updates place an article's documents (changed files deleted and added anew,
    touched files' records written again), its title finds it once, by its first paragraph,
    and not at all when one of its paragraphs holds the words; and every result stays."""
    import search.corpus

    monkeypatch.setattr(search.corpus, "RECENT_NS", 0)  # touched files' records are new
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    for number in range(6):
        write_article(corpus, f"filler{number}", f"Filler {number}", [FILLER] * 2)
    write_article(corpus, "beacon", "Lighthouse Keepers Retire", [FILLER, "The pay rose."])
    write_article(corpus, "coast", "Coast Report", [FILLER, "A lighthouse was sold."])
    write_article(corpus, "toll", "Keepers Strike", ["The pay fell.", "Pay talks failed."])
    WhooshEngine(index).update(corpus)
    expected = {
        "lighthouse": ["beacon.txt#p0", "coast.txt#p1"],
        "lighthouse rose": ["beacon.txt#p1", "coast.txt#p1"],
        "lighthouse NOT sold": ["beacon.txt#p0"],
        "keepers": ["beacon.txt#p0", "toll.txt#p0"],
        "keepers talks": ["beacon.txt#p0", "toll.txt#p1"],
    }
    assert {query: hit_ids(index, query) for query in expected} == expected
    # Documents without the words match through the NOT, the article's per-file record too.
    for query in ("keepers OR (NOT pay AND NOT rose)", "(NOT sold AND NOT fell) OR lighthouse"):
        expected[query] = hit_ids(index, query)

    write_article(corpus, "beacon", "Lighthouse Keepers Retire", [FILLER, "The pay rose again."])
    write_article(corpus, "filler2", "Filler 2 Revised", [FILLER] * 2)
    WhooshEngine(index).update(corpus)
    for name in ("coast", "filler4", "toll", "beacon"):  # the same text: only their records
        path = corpus / f"{name}.txt"
        path.write_text(path.read_text("utf-8"), "utf-8")
        assert WhooshEngine(index).update(corpus).updated == 0
    assert {query: hit_ids(index, query) for query in expected} == expected


def test_a_per_file_record_never_stands_for_its_articles_own_text(tmp_path: Path):
    """An article's paragraphs all fail `NOT pay` and its title holds "keepers": its lead is
    found by the title. Its per-file record, which holds no text, matches the NOT, but must
    not count as a paragraph of the article matching through its own text."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_article(corpus, "toll", "Keepers Strike", ["The pay fell.", "Pay talks failed."])
    write_article(corpus, "wages", "Wages Report", ["The pay rose.", "A pay rise was agreed."])
    WhooshEngine(index).update(corpus)
    assert hit_ids(index, "keepers OR (NOT pay AND NOT rose)") == ["toll.txt#p0"]
