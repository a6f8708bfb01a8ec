"""How much of a query's postings dynamic pruning could ever skip, on an index `scale.py` built.

    python benchmarks/pruning.py INDEX [--queries N]

MaxScore, WAND and block-max WAND skip a document, or a range of documents, only where the most
the query's words could add up to there stays below the score a hit needs to reach the page.
This measures the most they could skip, with bounds tighter than any index keeps: each word's
largest real score over the whole index, over each range of documents, and in each document.

For the 60-word and 3-word queries of `scale.py`, it prints (medians over the queries): the
postings of the query's words (a word in a document, its fields together); the score of the
page's 10th hit, as `search` ranks it (adjacency bonuses and grouping included), which is what a
document must reach to be on the page; and what the words' largest scores add up to. Then the
share of postings MaxScore could leave unscored (the words, least first, whose largest scores
add up to less than the 10th hit's score); and the share of postings in the documents, or
ranges of consecutive documents, whose bound reaches that score: first from the words' scores,
then with what the adjacency bonuses could add. A document's bound is the sum of the largest
scores of the words it holds; a range's, the sum of each word's largest score within it. Those
postings are the least any exact pruning must still read and score.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scale import long_and_short_queries
from whoosh.query import Or, Query

from search.engine.request import SearchRequest
from search.engine.whoosh.query import FIELD_WEIGHTS, parse_query, read_index, search
from search.engine.whoosh.ranking import Matches, Ranker, StandardIdfBM25F
from search.errors import IndexProblem

PAGE = 10
RANGES = (1, 4, 16, 64, 256, 4096)  # documents a range


@dataclass(frozen=True)
class Parts:
    """A query's scores, part by part: each word over its fields, and each word of an
    adjacency bonus in the bonus's field, times the bonuses' weight."""

    words: list[Matches]
    bonus_words: list[Matches]


def scored_parts(ranker: Ranker, query: Query) -> Parts:
    """Each word of a parsed OR query scored on its own, as `Ranker.rank` scores it inside the
    query, and the words of its adjacency bonuses as the bound in `Ranker.best` takes them: the
    ranker's own grouping of words (`_words`) and bonus weights (`_bonus_words`)."""
    _, bonuses = ranker.rank(query)
    words, _ = ranker._words(query.subqueries if isinstance(query, Or) else [query])
    scored = [ranker.scores(Or(terms)) for terms in words]
    bonus_words = ranker._bonus_words(bonuses)
    return Parts([w for w in scored if len(w)], [w for w in bonus_words if len(w)])


def kept_postings(
    parts: list[Matches],
    counted: list[Matches],
    size: int,
    bar: float,
    widths: tuple[int, ...] = RANGES,
) -> dict[int, float]:
    """For each range size of `widths`, the share of the postings of `counted` that lie in
    ranges whose bound (each of `parts`' largest score in the range, summed) reaches `bar`."""
    postings = sum(len(part) for part in counted)
    kept = {}
    for width in widths:
        bounds = np.zeros(size // width + 1)
        for part in parts:
            ranges = part.ids // width
            starts = np.flatnonzero(np.r_[True, ranges[1:] != ranges[:-1]])
            bounds[ranges[starts]] += np.maximum.reduceat(part.scores, starts)
        reaching = bounds >= bar
        held = sum(int(reaching[part.ids // width].sum()) for part in counted)
        kept[width] = held / postings
    return kept


def at_most(parts: list[Matches]) -> list[Matches]:
    """Each part with its largest score for every document it holds."""
    return [Matches(part.ids, np.full(len(part), part.scores.max())) for part in parts]


def measure(ranker: Ranker, index: Path, text: str, size: int) -> dict:
    """The figures of one query."""
    parts = scored_parts(ranker, parse_query(text, ranker.searcher.schema).scored)
    hits = search(index, SearchRequest(text, limit=PAGE)).hits
    tenth = hits[-1].score if len(hits) == PAGE else 0.0  # with fewer, every match is a hit
    maxima = np.array([part.scores.max() for part in parts.words])
    sizes = np.array([len(part) for part in parts.words])
    order = np.argsort(maxima)
    unscored = int(np.searchsorted(np.cumsum(maxima[order]), tenth))
    as_bounds, bonus_bounds = at_most(parts.words), at_most(parts.bonus_words)
    return {
        "postings": int(sizes.sum()),
        "10th hit": tenth,
        "sum of maxima": float(maxima.sum()),
        "maxscore unscored": float(sizes[order[:unscored]].sum() / sizes.sum()),
        "words": kept_postings(parts.words, parts.words, size, tenth),
        "document bounds": kept_postings(as_bounds, parts.words, size, tenth, (1,))[1],
        "with bonuses": kept_postings(parts.words + parts.bonus_words, parts.words, size, tenth),
        "document bounds with bonuses": kept_postings(
            as_bounds + bonus_bounds, parts.words, size, tenth, (1,)
        )[1],
    }


def report(name: str, figures: list[dict]) -> None:
    def median(key: str, width: int | None = None) -> float:
        return statistics.median(f[key] if width is None else f[key][width] for f in figures)

    print(f"{name} ({len(figures)} queries, medians)")
    print(f"  postings (a word in a document, fields together)  {median('postings'):,.0f}")
    print(f"  10th hit's score / words' maxima summed  {median('10th hit'):.1f} / ", end="")
    print(f"{median('sum of maxima'):.1f}")
    print(f"  MaxScore: postings it could leave unscored  {median('maxscore unscored'):.3f}")
    print("  share of postings still to score, by documents a range (bound: largest scores)")
    print(f"    {'range':>6}  {'words':>7}  {'+bonuses':>8}")
    for width in RANGES:
        print(
            f"    {width:>6}  {median('words', width):>7.3f}  {median('with bonuses', width):>8.3f}"
        )
    print("  a document's bound from its words' largest scores over the whole index:")
    alone, with_bonuses = median("document bounds"), median("document bounds with bonuses")
    print(f"    {alone:.3f}, bonuses included {with_bonuses:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--queries", type=int, default=20, help="of each length (default 20)")
    args = parser.parse_args()
    long, short = long_and_short_queries(args.queries)

    def run(searcher) -> None:
        ranker = Ranker(searcher, StandardIdfBM25F(), combined_fields=FIELD_WEIGHTS)
        size = searcher.reader().doc_count_all()
        for name, queries in (("60-word queries", long), ("3-word queries", short)):
            report(name, [measure(ranker, args.index, text, size) for text in queries])

    try:
        read_index(args.index, run, weighting=StandardIdfBM25F())
    except IndexProblem as error:
        raise SystemExit(f"pruning.py: {error}") from None


if __name__ == "__main__":
    main()
