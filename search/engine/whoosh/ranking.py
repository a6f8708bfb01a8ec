"""Scoring every matching document in one pass over Whoosh's posting blocks, term at a time.

Whoosh's matchers advance document by document through layers of Python objects: a two-word
query over the 250,000 paragraphs of `benchmarks/scale.py 20000` took 180 ms that way, before
any filtering, counting or grouping. Reading each posting block whole and adding BM25F scores
into a dictionary gives the same scores several times faster, and leaves every matching
document at hand for exact totals, grouping and filters.

Words, phrases, AND, OR and AND NOT are evaluated here, with the formulas of Whoosh's BM25F,
except that an OR group's word in several fields can be scored as one BM25F term (`_bm25f`),
where Whoosh sums each field's BM25; any other query (prefixes, wildcards, ranges, fuzzy
terms, NOT alone) is scored by Whoosh's own matcher, so every query keeps Whoosh's meaning.
Posting blocks and columns are read through Whoosh 2.7's private attributes: tests compare the
scores with Whoosh's own, and pyproject keeps whoosh-reloaded on 2.7.
"""

from __future__ import annotations

import bisect
import copy
import heapq
import math
import sys
from array import array
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, repeat
from typing import Any

from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.fields import ID
from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Query, Term
from whoosh.util.numeric import byte_to_length

from search.engine.whoosh.index import bookkeeping, keeps_positions
from search.errors import IndexDamaged

Scores = dict[int, float]
CHECK_BATCH = 32  # documents whose adjacency bonuses are checked in one pass
# Past this many documents' values of a column, the whole column is read (`Ranker.value`).
WHOLE_COLUMN_AFTER = 2000
# Whole columns and field lengths as read, by the segments they come from: a segment never
# changes once written (deletions are kept apart), so the searches after the first read them
# from memory. Only the segments of the index last searched are kept (`Ranker.__init__`).
_SEGMENT_VALUES: dict[tuple[tuple[str, ...], str], Sequence[int]] = {}


class StandardIdfBM25F(scoring.BM25F):
    """BM25F with the usual BM25 idf, log(1 + (N - df + 0.5) / (df + 0.5)), over searchable
    documents only.

    Whoosh's own idf, log(N / (df + 1)) + 1, flattens the difference between rare and common
    words; the standard form ranked better on the relevance collections measured here. The
    index also holds a text-less record per corpus file (`index.bookkeeping`): counted in, they
    would raise N and lower every field's average length, by half where articles
    are one paragraph long.
    """

    def searchable_count(self, searcher) -> int:
        parent, records = searcher.get_parent(), bookkeeping()
        return max(1, parent.doc_count() - parent.doc_frequency(records.fieldname, records.text))

    def idf(self, searcher, fieldname: str, text: str) -> float:
        frequency = searcher.get_parent().doc_frequency(fieldname, text)
        return standard_idf(frequency, self.searchable_count(searcher))

    def average_length(self, searcher, fieldname: str, count: int | None = None) -> float:
        """The mean length of `fieldname`; `count` is `searchable_count`, if already known."""
        count = count or self.searchable_count(searcher)
        return searcher.get_parent().field_length(fieldname) / count or 1

    def scorer(self, searcher, fieldname: str, text: str, qf: int = 1):
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf)
        return _BM25FScorer(self, searcher, fieldname, text)


def standard_idf(frequency: int, count: int) -> float:
    """BM25's idf of a word that `frequency` of `count` documents hold."""
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


class _BM25FScorer(scoring.BM25FScorer):
    """Whoosh's BM25F scorer, with the statistics of `StandardIdfBM25F`."""

    def __init__(self, weighting: StandardIdfBM25F, searcher, fieldname: str, text: str):
        self.idf = weighting.idf(searcher, fieldname, text)
        self.avgfl = weighting.average_length(searcher, fieldname)
        self.B, self.K1, self.qf = weighting.B, weighting.K1, 1
        self.setup(searcher, fieldname, text)


class AdjacentPair(Phrase):
    """Two neighbouring query words found together: it adds to a score, never to what matches."""


@dataclass(frozen=True)
class Bonus:
    """An adjacency bonus not yet checked: what it would add to each document holding both words.

    Checking word positions costs far more than scoring, so only documents that could reach
    the page are checked.
    """

    pair: AdjacentPair
    boost: float  # of the OR group holding the pair
    potential: Scores
    # Which of some documents hold the words side by side, when the ranker did not read the
    # words' postings itself (`search.engine.whoosh.pruning`).
    adjacent: Callable[[list[int]], Iterable[int]] | None = None


class Ranker:
    """Evaluates queries against one open searcher, caching what several clauses share."""

    def __init__(self, searcher, weighting, combined_fields: Collection[str] = ()) -> None:
        """`combined_fields`: the fields over which one word of an OR group is scored as one
        BM25F term (`_bm25f`); a word in any other field is scored apart, as Whoosh does."""
        self.searcher = searcher
        self.weighting = weighting
        self.combined_fields = frozenset(combined_fields)
        # (segment searcher, number of its first document in the whole index)
        self.segments = searcher.subsearchers or [(searcher, 0)]
        self._segment_ids = tuple(_segment_id(segment.reader()) for segment, _ in self.segments)
        current = set(self._segment_ids)
        for key in list(_SEGMENT_VALUES):
            if not current.issuperset(key[0]):
                _SEGMENT_VALUES.pop(key, None)
        self._term_scores: dict[tuple[str, str], Scores] = {}
        self._term_frequencies: dict[tuple[str, str], Scores] = {}
        # Each scored term's posting blocks as read: (offset, document numbers, encoded values),
        # from which phrases take word positions without reading the postings again.
        self._postings: dict[tuple[str, str], list] = {}
        self._columns: dict[str, Sequence[int]] = {}
        self._length_norms: dict[str, list[float]] = {}
        self._searchable_count: int | None = None
        self._segment_lengths: dict[tuple[int, str], Sequence[int]] = {}
        self._offsets = [offset for _, offset in self.segments]
        self._column_readers: dict[tuple[int, str], Any] = {}
        self._values_asked: dict[str, int] = {}
        self._doc_frequencies: dict[tuple[str, str], int] = {}

    def rank(self, query: Query) -> tuple[Scores, list[Bonus]]:
        """Every match with its score, leaving a top-level OR's adjacency bonuses to `best`."""
        if type(query) is not Or:
            return self.scores(query), []
        pairs = [child for child in query.subqueries if isinstance(child, AdjacentPair)]
        words = copy.copy(query)
        words.subqueries = [c for c in query.subqueries if not isinstance(c, AdjacentPair)]
        bonuses = [Bonus(pair, query.boost, self._phrase(pair, check=False)) for pair in pairs]
        return self.scores(words), bonuses

    def best(
        self,
        scores: Scores,
        bonuses: list[Bonus],
        group_of: Callable[[int], Hashable],
        count: int,
        tie_order: Callable[[int], Any],
    ) -> list[tuple[Hashable, float]]:
        """The `count` best groups of documents with their best copy's score, bonuses included.

        Documents are taken in order of the most they could score; ones whose bonuses are not
        yet checked are checked and put back with their real score. A document taken with its
        real score outranks everything left. Documents of equal score are taken in
        `tie_order`: document numbers would order them differently from one build to the next.
        """
        possible: Scores = {}
        for bonus in bonuses:
            for number, extra in bonus.potential.items():
                if number in scores:
                    possible[number] = possible.get(number, scores[number]) + bonus.boost * extra
        # Two queues, best first: documents whose score is known, and documents that could
        # still gain a bonus, by the most they could score.
        known = [(-score, number) for number, score in scores.items() if number not in possible]
        unchecked = [(-score, number) for number, score in possible.items()]
        heapq.heapify(known)
        heapq.heapify(unchecked)
        order: dict[Hashable, float] = {}
        while (known or unchecked) and len(order) < count:
            # A document that could reach the best known score is checked first: it may tie.
            if unchecked and (not known or unchecked[0][0] <= known[0][0]):
                # Check the most promising documents together: one pass over the postings
                # for many documents costs little more than for one.
                batch = [
                    heapq.heappop(unchecked)[1] for _ in range(min(CHECK_BATCH, len(unchecked)))
                ]
                for number, score in self._with_bonuses(scores, bonuses, batch).items():
                    heapq.heappush(known, (-score, number))
                continue
            negated = known[0][0]
            tied = []
            while known and known[0][0] == negated:
                tied.append(heapq.heappop(known)[1])
            for number in sorted(tied, key=tie_order):
                order.setdefault(group_of(number), -negated)
                if len(order) == count:
                    break
        return list(order.items())

    def _with_bonuses(self, scores: Scores, bonuses: list[Bonus], numbers: list[int]) -> Scores:
        """The real scores of `numbers`: each bonus counts where its words stand side by side."""
        real = {number: scores[number] for number in numbers}
        for bonus in bonuses:
            pair = bonus.pair
            candidates = [number for number in numbers if number in bonus.potential]
            if bonus.adjacent is not None:
                found = bonus.adjacent(candidates)
            else:
                found = self._in_sequence(pair.fieldname, pair.words, pair.slop, candidates)
            for number in found:
                real[number] += bonus.boost * bonus.potential[number]
        return real

    def scores(self, query: Query) -> Scores:
        """Every document `query` matches, with its score: the sum over matching clauses."""
        if query is NullQuery:
            return {}
        if isinstance(query, Term | Phrase) and self._scorable(query.fieldname):
            if type(query) is Term:
                return _scaled(self._term(query.fieldname, query.text), query.boost)
            if isinstance(query, Phrase):
                return self._phrase(query)
        if type(query) in (Or, And, AndNot):
            children, parts = query.subqueries, []
            if type(query) is Or:
                words, children = self._words(children)
                parts = [self._bm25f(terms) for terms in words]
            parts += [self.scores(child) for child in children]
            if type(query) is Or:
                combined = _union(parts)
            elif type(query) is And:
                combined = _intersection(parts)
            else:
                combined = {number: s for number, s in parts[0].items() if number not in parts[1]}
            return _scaled(combined, query.boost)
        if isinstance(query, Every) and not query.fieldname:
            return dict.fromkeys(self.all_documents(), query.boost)
        return self._whoosh_scores(query)

    def matching(self, query: Query) -> set[int]:
        """The documents `query` matches, unscored, from the postings `scores` reads (and
        caches): which documents match through some fields, without ranking them again."""
        if query is NullQuery or isinstance(query, AdjacentPair):
            return set()  # a pair only adds to the score of documents its words match
        if type(query) is Term and self._scorable(query.fieldname):
            return set(self._frequencies(query.fieldname, query.text))
        if type(query) is Term and isinstance(self.searcher.schema[query.fieldname], ID):
            return self.term_documents(query.fieldname, query.text)  # a key, as a speaker's
        if type(query) in (Or, And, AndNot):
            parts = [self.matching(child) for child in query.subqueries]
            if type(query) is Or:
                return set().union(*parts)
            if type(query) is And:
                return set.intersection(*parts) if parts else set()
            return parts[0] - parts[1]
        return set(self.scores(query))

    def _words(self, children: list[Query]) -> tuple[list[list[Term]], list[Query]]:
        """An OR group's words in `combined_fields`, each as its terms there, and the rest."""
        words: dict[str, list[Term]] = {}
        rest = []
        for child in children:
            if type(child) is Term and child.fieldname in self.combined_fields:
                words.setdefault(child.text, []).append(child)
            else:
                rest.append(child)
        return list(words.values()), rest

    def _bm25f(self, terms: list[Term]) -> Scores:
        """BM25F of one word over several fields: each field's frequency over its own length
        normalisation, weighted and summed, then saturated once.

        Summing each field's BM25 instead let a word found in both a quotation and its
        paragraph, or in a title and a body, count nearly as two words. The largest boost is
        the word's own weight (how often the query gives it, a user's boost); the fields'
        boosts weigh them relative to it. The idf is `_word_idf`'s.
        """
        if len(terms) == 1:
            return _scaled(self._term(terms[0].fieldname, terms[0].text), terms[0].boost)
        boost = max(term.boost for term in terms)
        combined: Scores = {}
        for term in terms:
            weight = term.boost / boost
            for number, frequency in self._frequencies(term.fieldname, term.text).items():
                combined[number] = combined.get(number, 0.0) + weight * frequency
        k1 = self.weighting.K1
        scale = boost * self._word_idf(terms) * (k1 + 1)
        return {
            number: scale * frequency / (frequency + k1) for number, frequency in combined.items()
        }

    def _word_idf(self, terms: list[Term]) -> float:
        """The idf of one word over several fields, from the most documents any one field
        holds it in, as Lucene's BM25F (`CombinedFieldQuery`) takes it.

        The documents holding it in any field would need every posting read to count: a
        ranking that skips documents (`search.engine.whoosh.pruning`) could not afford it.
        """
        holding = max(self.doc_frequency(term.fieldname, term.text) for term in terms)
        return standard_idf(holding, self._count())

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents hold a term: looked up once a search, as a long query's words
        are counted for its bounds, its idf and whether it is worth pruning."""
        key = (field, text)
        if key not in self._doc_frequencies:
            self._doc_frequencies[key] = self.searcher.doc_frequency(field, text)
        return self._doc_frequencies[key]

    def _scorable(self, field: str) -> bool:
        """Whether `field` keeps term frequencies, lengths and positions, as text fields do."""
        schema = self.searcher.schema
        return keeps_positions(schema, field) and schema[field].scorable

    def all_documents(self) -> Iterator[int]:
        for searcher, offset in self.segments:
            for number in searcher.reader().all_doc_ids():
                yield number + offset

    def term_documents(self, field: str, text: str) -> set[int]:
        """The documents holding one term, unscored: for masks such as the per-file records."""
        found: set[int] = set()
        for searcher, offset in self.segments:
            reader = searcher.reader()
            if (field, text) in reader:
                for ids, _, _ in _blocks(reader, field, text):
                    found.update(number + offset for number in ids)
        return found - self._deleted()

    def column(self, field: str) -> Sequence[int]:
        """The values of a numeric column for every document of the index, by document number."""
        if field not in self._columns and (kept := _SEGMENT_VALUES.get((self._segment_ids, field))):
            self._columns[field] = kept
        if field not in self._columns:
            parts, typecode = [], self.searcher.schema[field].column_type._typecode
            for segment, _ in self.segments:
                reader = segment.reader()
                column = reader.column_reader(field, translate=False)
                parts.append(_column_values(column, reader, typecode))
            joined = parts[0]
            for part in parts[1:]:
                joined += part  # arrays of one type join without a Python loop
            self._columns[field] = _SEGMENT_VALUES[self._segment_ids, field] = joined
        return self._columns[field]

    def value(self, field: str, number: int) -> int:
        """One document's value of a numeric column: read alone, until so many are asked for
        that reading the whole column (`column`) costs less."""
        if field in self._columns or (self._segment_ids, field) in _SEGMENT_VALUES:
            return self.column(field)[number]
        asked = self._values_asked[field] = self._values_asked.get(field, 0) + 1
        if asked > WHOLE_COLUMN_AFTER:
            return self.column(field)[number]
        index = bisect.bisect_right(self._offsets, number) - 1
        segment, offset = self.segments[index]
        if (index, field) not in self._column_readers:
            reader = segment.reader().column_reader(field, translate=False)
            self._column_readers[index, field] = reader
        return self._column_readers[index, field][number - offset]

    def _term(self, field: str, text: str) -> Scores:
        """BM25F scores of one term in one field, unboosted: Whoosh's formula, in bulk."""
        key = (field, text)
        if key not in self._term_scores:
            k1, scale = self.weighting.K1, self._term_scale(field, text)
            self._term_scores[key] = {
                number: scale * frequency / (frequency + k1)
                for number, frequency in self._frequencies(field, text).items()
            }
        return self._term_scores[key]

    def _term_scale(self, field: str, text: str) -> float:
        """What a term's saturated frequency is multiplied by: its idf, times k1 + 1."""
        holding = self.doc_frequency(field, text)
        k1 = self.weighting.K1
        return standard_idf(holding, self._count()) * (k1 + 1) if holding else 0.0

    def _frequencies(self, field: str, text: str) -> Scores:
        """Each document's frequency of one term over the length normalisation of `field`:
        what BM25 saturates."""
        key = (field, text)
        if key in self._term_frequencies:
            return self._term_frequencies[key]
        found: Scores = {}
        blocks: list[tuple[int, Sequence[int], Sequence[bytes]]] = []
        norms = self._norms(field)
        for segment, offset in self.segments:
            reader = segment.reader()
            if (field, text) not in reader:
                continue
            lengths = self._lengths(reader, offset, field)
            deleted = _deleted_in(reader)
            for ids, weights, values in _blocks(reader, field, text):
                blocks.append((offset, ids, values))
                found.update(
                    {
                        number + offset: tf / norms[lengths[number]]
                        for number, tf in zip(ids, weights, strict=True)
                    }
                )
            for number in deleted:
                found.pop(number + offset, None)
        self._term_frequencies[key] = found
        self._postings[key] = blocks
        return found

    def _lengths(self, reader, offset: int, field: str) -> Sequence[int]:
        """`_field_lengths` of the segment starting at `offset`, read once for all terms."""
        key = (offset, field)
        if key not in self._segment_lengths:
            kept = ((_segment_id(reader),), f"_{field}_len")
            if (lengths := _SEGMENT_VALUES.get(kept)) is None:
                lengths = _SEGMENT_VALUES[kept] = _field_lengths(reader, field)
            self._segment_lengths[key] = lengths
        return self._segment_lengths[key]

    def _count(self) -> int:
        """`searchable_count`, the same for every term: read once."""
        if self._searchable_count is None:
            self._searchable_count = self.weighting.searchable_count(self.searcher)
        return self._searchable_count

    def _norms(self, field: str) -> list[float]:
        """BM25's length normalisation for every encoded length of `field`."""
        if field not in self._length_norms:
            b = self.weighting.B
            average = self.weighting.average_length(self.searcher, field, self._count())
            self._length_norms[field] = [
                (1 - b) + b * byte_to_length(code) / average for code in range(256)
            ]
        return self._length_norms[field]

    def _phrase(self, query: Phrase, check: bool = True) -> Scores:
        """Documents holding the words in order, each within `slop` of the one before.

        Scored as Whoosh scores a phrase: the sum of its words' scores, times the boost.
        Unchecked, every document holding all the words counts.
        """
        field, k1 = query.fieldname, self.weighting.K1
        words = [self._frequencies(field, word) for word in query.words]
        if not words or not all(words):
            return {}
        common = set(min(words, key=len)).intersection(*words)
        if check:
            common = self._in_sequence(field, query.words, query.slop, common)
        # `_term`'s scores, for the documents holding every word only.
        scales = [self._term_scale(field, word) for word in query.words]
        return {
            number: query.boost
            * sum(
                scale * frequency / (frequency + k1)
                for scale, frequency in zip(scales, (word[number] for word in words), strict=True)
            )
            for number in common
        }

    def _in_sequence(
        self, field: str, words: list[str], slop: int, candidates: Iterable[int]
    ) -> list[int]:
        """Which `candidates` hold `words` in order with at most `slop` positions between.

        The words' postings must have been read (`_frequencies`), which keeps them.
        """
        numbers = sorted(candidates)
        positions = [self._positions(field, word, numbers) for word in words]
        found = []
        for number in numbers:
            ends = set(positions[0].get(number, ()))
            for places in positions[1:]:
                ends = {p for p in places.get(number, ()) if any(0 < p - e <= slop for e in ends)}
                if not ends:
                    break
            if ends:
                found.append(number)
        return found

    def _positions(self, field: str, word: str, numbers: list[int]) -> dict[int, Sequence[int]]:
        """The positions of a scored term in each of `numbers` (ascending) that holds it."""
        decode = self.searcher.schema[field].format.decoder("positions")
        found = {}
        for offset, ids, values in self._postings.get((field, word), ()):
            low = bisect.bisect_left(numbers, offset + ids[0])
            for number in numbers[low : bisect.bisect_right(numbers, offset + ids[-1], low)]:
                index = bisect.bisect_left(ids, number - offset)
                if index < len(ids) and ids[index] == number - offset:
                    found[number] = decode(values[index])
        return found

    def _whoosh_scores(self, query: Query) -> Scores:
        """Whoosh's own matcher, for the query types not evaluated here."""
        found: Scores = {}
        for searcher, offset in self.segments:
            matcher = query.matcher(searcher, searcher.context(needs_current=True))
            while matcher.is_active():
                found[matcher.id() + offset] = matcher.score()
                matcher.next()
        return found

    def _deleted(self) -> set[int]:
        return {
            number + offset
            for searcher, offset in self.segments
            for number in _deleted_in(searcher.reader())
        }


def _scaled(scores: Scores, boost: float) -> Scores:
    return scores if boost == 1 else {number: boost * s for number, s in scores.items()}


def _union(parts: list[Scores]) -> Scores:
    """Summed scores of documents found by any part: the largest part is copied, not rebuilt."""
    parts = sorted(parts, key=len, reverse=True)
    if not parts:
        return {}
    combined = dict(parts[0])
    get = combined.get
    for part in parts[1:]:
        for number, score in part.items():
            combined[number] = get(number, 0.0) + score
    return combined


def _intersection(parts: list[Scores]) -> Scores:
    if not parts:
        return {}
    common = set(min(parts, key=len)).intersection(*parts)
    return {number: sum(part[number] for part in parts) for number in common}


def _segment_id(reader) -> str:
    """Which segment a reader reads: a random name Whoosh gives each segment it writes. Only
    the reader of an empty index has none (and no values to keep)."""
    segment = reader.segment()
    return segment.segid if segment is not None else ""


def _deleted_in(reader) -> frozenset[int]:
    return getattr(reader, "deleted_docs_set", None) or frozenset()


def _blocks(reader, field: str, text: str) -> Iterator[tuple[Sequence, Sequence, Sequence]]:
    """Document numbers, term frequencies and encoded values of one posting list, by block.

    Deleted documents are included: callers drop them.
    """
    matcher = reader.postings(field, text)
    matcher = getattr(matcher, "child", matcher)  # unwrap the filter that hides deletions
    while matcher.is_active():
        matcher._read_data()
        ids, weights = matcher._data[:2]  # ids as gaps unless bytes; weights maybe shared
        ids = ids if matcher._byteids else tuple(accumulate(ids))
        if weights is None or isinstance(weights, float):
            weights = repeat(weights or 1.0, len(ids))
        matcher._read_values()
        yield ids, weights, matcher._values
        matcher._next_block()


def _field_lengths(reader, field: str) -> Sequence[int]:
    """The encoded length (one byte, as Whoosh stores it) of `field` in every document.

    A segment holding a term of the field always has them: when they are missing, a
    concurrent update has just removed the segment's files, and the search starts again.
    """
    column = reader._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    if column is None:
        raise IndexDamaged(
            f"the index is damaged (the lengths of {field!r} in a segment are missing): "
            "run `search index --rebuild`"
        )
    return _column_values(column, reader, LENGTHS_COLUMN._typecode)


def _column_values(column, reader, typecode: str) -> array:
    """Every value of a fixed-width numeric column in one read, padded to the segment's size.

    Whoosh writes such a column only up to the last document with a non-default value, in
    network byte order.
    """
    count = reader.doc_count_all()
    if not hasattr(column, "_dbfile"):  # no document of the segment has a value
        return array(typecode, [column._default]) * count
    values = array(column._typecode)
    values.frombytes(column._dbfile.get(column._basepos, column._count * column._fixedlen))
    default = column._default
    if values.itemsize > 1 and sys.byteorder == "little":
        values.byteswap()
    values.extend([default] * (count - len(values)))
    return values
