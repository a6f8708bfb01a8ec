"""Scoring every matching document term at a time, over whole posting lists, with numpy.

Whoosh's matchers advance document by document through layers of Python objects, and even a
Python loop over postings costs about a microsecond each: a query over the million paragraphs
of `benchmarks/scale.py 80000` reads tens of thousands. Here each term's posting list is read
as arrays (`search.engine.whoosh.postings`) and scored with array operations, which leaves every
matching document at hand for exact totals, grouping and filters (`Matches`); only the few
documents that could reach the page are looked at one by one (`Ranker.best`).

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
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.fields import ID
from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Query, Term
from whoosh.util.numeric import byte_to_length

from search.engine.whoosh.blocks import PostingList, read_postings
from search.engine.whoosh.index import bookkeeping, keeps_positions
from search.errors import IndexDamaged

Scores = dict[int, float]  # a few documents' scores, by number
CHECK_BATCH = 32  # documents whose adjacency bonuses are checked in one pass
# Sums taken in another order may differ in their last bits: a bound is widened this much.
ROUNDING = 1e-9
# Scores are summed in an array over every document once the parts hold more than one
# document in this many (`_Sums`).
DENSE_FROM = 8
# Several posting lists are looked up among the same documents by marking those once when the
# lists hold more than this many postings a document; fewer, each list on its own
# (`_Sums.located_each`).
LOOKUP_STEPS = 16
BAR_HALVINGS = 4  # `_best_places`
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
class Matches:
    """Documents (numbers in the whole index, ascending, each once) with a score each."""

    ids: np.ndarray  # int64
    scores: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.ids)

    def scaled(self, boost: float) -> Matches:
        return self if boost == 1 else Matches(self.ids, boost * self.scores)

    def where(self, keep: np.ndarray) -> Matches:
        """The documents a boolean mask over `ids` keeps."""
        return Matches(self.ids[keep], self.scores[keep])

    def among(self, numbers: np.ndarray) -> Matches:
        """The documents that are also in `numbers` (ascending)."""
        return self.where(isin(self.ids, numbers))


NO_MATCHES = Matches(np.empty(0, dtype=np.int64), np.empty(0))


@dataclass(frozen=True)
class Bonus:
    """An adjacency bonus not yet checked: what it adds where its words stand side by side.

    Checking word positions costs far more than scoring, so only documents that could reach
    the page are checked (`Ranker.best`).
    """

    pair: AdjacentPair
    boost: float  # of the OR group holding the pair


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
        self._term_scores: dict[tuple[str, str], Matches] = {}
        self._term_frequencies: dict[tuple[str, str], Matches] = {}
        # Each scored term's posting lists as read: phrases take word positions from them
        # without reading the postings again.
        self._postings: dict[tuple[str, str], _Read] = {}
        self._columns: dict[str, Sequence[int]] = {}
        self._length_norms: dict[str, np.ndarray] = {}
        self._searchable_count: int | None = None
        self._segment_lengths: dict[tuple[int, str], np.ndarray] = {}
        self._offsets = [offset for _, offset in self.segments]
        self._column_readers: dict[tuple[int, str], Any] = {}
        self._values_asked: dict[str, int] = {}
        self._doc_frequencies: dict[tuple[str, str], int] = {}
        self._deleted_numbers: np.ndarray | None = None
        self._size = searcher.reader().doc_count_all()  # document numbers run below it
        self._sums = _Sums(self._size)

    def rank(self, query: Query) -> tuple[Matches, list[Bonus]]:
        """Every match with its score, leaving a top-level OR's adjacency bonuses to `best`."""
        if type(query) is not Or:
            return self.scores(query), []
        pairs = [child for child in query.subqueries if isinstance(child, AdjacentPair)]
        words = copy.copy(query)
        words.subqueries = [c for c in query.subqueries if not isinstance(c, AdjacentPair)]
        return self.scores(words), [Bonus(pair, query.boost) for pair in pairs]

    def best(
        self,
        matches: Matches,
        bonuses: list[Bonus],
        group_of: Callable[[int], Hashable],
        count: int,
        tie_order: Callable[[int], Any],
    ) -> list[tuple[Hashable, float]]:
        """The `count` best groups of documents with their best copy's score, bonuses included.

        Only documents that could reach, bonuses included, the `count`-th best group's score
        without bonuses can be on the page (`_floor`). Those are taken in order of the most
        they could score; ones whose bonuses are not yet checked are checked and put back with
        their real score. A document taken with its real score outranks everything left.
        Documents of equal score are taken in `tie_order`: document numbers would order them
        differently from one build to the next.
        """
        floor = _floor(matches.scores, matches.ids, group_of, count)
        if bonuses:
            # A bound first, from each word's score alone, then what the bonuses could add
            # where both words of a pair are held, for the documents the bound leaves in.
            bound = matches.scores + self._sums.at(self._bonus_words(bonuses), matches.ids)
            near = np.flatnonzero(_widened(bound) >= floor)
            gains = self._bonus_gains(bonuses, matches.ids[near])
            possible = matches.scores[near]  # a copy: the bonuses are added to it in their order
            for places, gain in gains:
                possible[places] += gain
            kept = _widened(possible) >= floor
            chosen, possible = near[kept], possible[kept]
        else:
            chosen = np.flatnonzero(_widened(matches.scores) >= floor)
            possible, gains = matches.scores[chosen], []
        numbers = matches.ids[chosen].tolist()
        scores = dict(zip(numbers, matches.scores[chosen].tolist(), strict=True))
        could = dict(zip(numbers, possible.tolist(), strict=True))
        extras = []  # what each bonus would add to the documents that hold both its words
        for places, gain in gains:
            kept_here = kept[places]
            holding = matches.ids[near[places[kept_here]]].tolist()
            extras.append(dict(zip(holding, gain[kept_here].tolist(), strict=True)))
        # Two queues, best first: documents whose score is known, and documents that could
        # still gain a bonus, by the most they could score.
        known = [(-scores[n], n) for n in numbers if could[n] == scores[n]]
        unchecked = [(-could[n], n) for n in numbers if could[n] != scores[n]]
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
                for number, score in self._with_bonuses(scores, bonuses, extras, batch).items():
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

    def _with_bonuses(
        self, scores: Scores, bonuses: list[Bonus], extras: list[Scores], numbers: list[int]
    ) -> Scores:
        """The real scores of `numbers`: each bonus counts where its words stand side by side.

        Each word's positions are read once for every bonus that asks for them: a long query's
        words are each in two pairs, or more.
        """
        real = {number: scores[number] for number in numbers}
        asked: dict[tuple[str, str], set[int]] = {}
        for bonus, extra in zip(bonuses, extras, strict=True):
            for word in bonus.pair.words:
                asked.setdefault((bonus.pair.fieldname, word), set()).update(
                    number for number in numbers if number in extra
                )
        positions = {key: self._positions(*key, sorted(held)) for key, held in asked.items()}
        for bonus, extra in zip(bonuses, extras, strict=True):
            pair = bonus.pair
            candidates = [number for number in numbers if number in extra]
            places = [positions[pair.fieldname, word] for word in pair.words]
            for number in _in_order(places, pair.slop, candidates):
                real[number] += extra[number]
        return real

    def _bonus_words(self, bonuses: list[Bonus]) -> list[Matches]:
        """Each word of the bonuses' pairs, scored in its pair's field times the weight of the
        bonuses holding it: summed, the most a document could gain, were every word's
        neighbour beside it. A bound from the words' own postings, with none compared."""
        weights: dict[tuple[str, str], float] = {}
        for bonus in bonuses:
            for word in bonus.pair.words:
                key = (bonus.pair.fieldname, word)
                weights[key] = weights.get(key, 0.0) + bonus.boost * bonus.pair.boost
        return [self._term(field, word).scaled(weight) for (field, word), weight in weights.items()]

    def _bonus_gains(
        self, bonuses: list[Bonus], numbers: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each bonus, which of `numbers` (ascending) hold all its words, as places in
        `numbers`, and what it would add to each: its words' scores in its field, as a phrase
        is scored, times its boosts."""
        keys = list(dict.fromkeys((b.pair.fieldname, w) for b in bonuses for w in b.pair.words))
        terms = [self._term(field, word) for field, word in keys]
        held = {
            key: (places, found.scores[in_found])
            for key, found, (in_found, places) in zip(
                keys,
                terms,
                self._sums.located_each([found.ids for found in terms], numbers),
                strict=True,
            )
        }
        within = _Sums(len(numbers))  # for intersections of places in `numbers`
        gains = []
        for bonus in bonuses:
            field = bonus.pair.fieldname
            places = within.common([held[field, word][0] for word in bonus.pair.words])
            total = np.zeros(len(places))
            for word in bonus.pair.words:
                word_places, word_scores = held[field, word]
                total += word_scores[within.isin(word_places, places)]
            gains.append((places, bonus.boost * (bonus.pair.boost * total)))
        return gains

    def scores(self, query: Query) -> Matches:
        """Every document `query` matches, with its score: the sum over matching clauses."""
        if query is NullQuery:
            return NO_MATCHES
        if isinstance(query, Term | Phrase) and self._scorable(query.fieldname):
            if type(query) is Term:
                return self._term(query.fieldname, query.text).scaled(query.boost)
            if isinstance(query, Phrase):
                return self._phrase(query)
        if type(query) in (Or, And, AndNot):
            children, parts = query.subqueries, []
            if type(query) is Or:
                words, children = self._words(children)
                parts = [self._bm25f(terms) for terms in words]
            parts += [self.scores(child) for child in children]
            if type(query) is Or:
                combined = self._sums.union(parts)
            elif type(query) is And:
                combined = self._sums.intersection(parts)
            else:
                combined = parts[0].where(~isin(parts[0].ids, parts[1].ids))
            return combined.scaled(query.boost)
        if isinstance(query, Every) and not query.fieldname:
            numbers = self.all_documents()
            return Matches(numbers, np.full(len(numbers), float(query.boost)))
        return self._whoosh_scores(query)

    def matching(self, query: Query) -> np.ndarray:
        """The documents `query` matches (ascending), unscored, from the postings `scores`
        reads (and caches): which documents match through some fields, without ranking them
        again."""
        if query is NullQuery or isinstance(query, AdjacentPair):
            return NO_MATCHES.ids  # a pair only adds to the score of documents its words match
        if type(query) is Term and self._scorable(query.fieldname):
            return self._frequencies(query.fieldname, query.text).ids
        if type(query) is Term and isinstance(self.searcher.schema[query.fieldname], ID):
            return self.term_documents(query.fieldname, query.text)  # a key, as a speaker's
        if type(query) in (Or, And, AndNot):
            parts = [self.matching(child) for child in query.subqueries]
            if type(query) is Or:
                return self._sums.either(parts)
            if type(query) is And:
                return self._sums.common(parts)
            return parts[0][~isin(parts[0], parts[1])]
        return self.scores(query).ids

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

    def _bm25f(self, terms: list[Term]) -> Matches:
        """BM25F of one word over several fields: each field's frequency over its own length
        normalisation, weighted and summed, then saturated once.

        Summing each field's BM25 instead let a word found in both a quotation and its
        paragraph, or in a title and a body, count nearly as two words. The largest boost is
        the word's own weight (how often the query gives it, a user's boost); the fields'
        boosts weigh them relative to it. The idf is `_word_idf`'s.
        """
        if len(terms) == 1:
            return self._term(terms[0].fieldname, terms[0].text).scaled(terms[0].boost)
        boost = max(term.boost for term in terms)
        combined = self._sums.sum(
            [
                self._frequencies(term.fieldname, term.text).scaled(term.boost / boost)
                for term in terms
            ]
        )
        k1 = self.weighting.K1
        scale = boost * self._word_idf(terms) * (k1 + 1)
        frequency = combined.scores
        return Matches(combined.ids, scale * frequency / (frequency + k1))

    def _word_idf(self, terms: list[Term]) -> float:
        """The idf of one word over several fields, from the most documents any one field
        holds it in, as Lucene's BM25F (`CombinedFieldQuery`) takes it: the documents holding
        it in any field would need every posting read to count."""
        holding = max(self.doc_frequency(term.fieldname, term.text) for term in terms)
        return standard_idf(holding, self._count())

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents hold a term: looked up once a search."""
        key = (field, text)
        if key not in self._doc_frequencies:
            self._doc_frequencies[key] = self.searcher.doc_frequency(field, text)
        return self._doc_frequencies[key]

    def _scorable(self, field: str) -> bool:
        """Whether `field` keeps term frequencies, lengths and positions, as text fields do."""
        schema = self.searcher.schema
        return keeps_positions(schema, field) and schema[field].scorable

    def all_documents(self) -> np.ndarray:
        """Every document of the index that is not deleted, ascending."""
        numbers = np.arange(self._size, dtype=np.int64)
        return np.delete(numbers, self._deleted_among(numbers))

    def term_documents(self, field: str, text: str) -> np.ndarray:
        """The documents holding one term (ascending), unscored: for masks such as the
        per-file records."""
        found = []
        for searcher, offset in self.segments:
            if (postings := read_postings(searcher.reader(), field, text)) is not None:
                found.append(postings.ids + offset)
        numbers = np.concatenate(found) if found else NO_MATCHES.ids
        return np.delete(numbers, self._deleted_among(numbers))

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

    def numbers(self, field: str) -> np.ndarray:
        """`column` as a numpy array (sharing its memory), for whole-array filters."""
        values = self.column(field)
        return np.frombuffer(values, dtype=values.typecode) if values else np.empty(0, int)

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

    def _term(self, field: str, text: str) -> Matches:
        """BM25F scores of one term in one field, unboosted: Whoosh's formula, in bulk."""
        key = (field, text)
        if key not in self._term_scores:
            found = self._frequencies(field, text)
            self._term_scores[key] = Matches(found.ids, self._saturated(field, text, found.scores))
        return self._term_scores[key]

    def _saturated(self, field: str, text: str, frequency: np.ndarray) -> np.ndarray:
        """A term's BM25F scores from its frequencies over length normalisation (`_frequencies`)."""
        k1 = self.weighting.K1
        return self._term_scale(field, text) * frequency / (frequency + k1)

    def _term_scale(self, field: str, text: str) -> float:
        """What a term's saturated frequency is multiplied by: its idf, times k1 + 1."""
        holding = self.doc_frequency(field, text)
        k1 = self.weighting.K1
        return standard_idf(holding, self._count()) * (k1 + 1) if holding else 0.0

    def _frequencies(self, field: str, text: str) -> Matches:
        """Each document's frequency of one term over the length normalisation of `field`:
        what BM25 saturates."""
        key = (field, text)
        if key in self._term_frequencies:
            return self._term_frequencies[key]
        read, holding = [], 0
        for segment, offset in self.segments:
            reader = segment.reader()
            if (postings := read_postings(reader, field, text)) is not None:
                read.append((reader, offset, postings))
                holding += postings.doc_frequency
        sizes = np.array([len(postings.ids) for *_, postings in read], dtype=np.int64)
        firsts = np.cumsum(sizes) - sizes
        # Each segment's part written in place: no pass to join them.
        ids, scores = np.empty(sizes.sum(), dtype=np.int64), np.empty(sizes.sum())
        norms = self._norms(field)
        for (reader, offset, postings), first in zip(read, firsts.tolist(), strict=True):
            part = slice(first, first + len(postings.ids))
            np.add(postings.ids, offset, out=ids[part])
            lengths = self._lengths(reader, offset, field)
            # Into the scores' own memory: no temporary array as long as the postings.
            np.take(norms, lengths[postings.ids], out=scores[part])
            np.divide(postings.frequencies(), scores[part], out=scores[part])
        self._doc_frequencies[key] = holding  # as `doc_frequency` would look it up again
        self._postings[key] = _Read(ids, firsts, [postings for *_, postings in read])
        found = Matches(ids, scores)
        if len(deleted := self._deleted_among(ids)):
            found = Matches(np.delete(ids, deleted), np.delete(scores, deleted))
        self._term_frequencies[key] = found
        return found

    def _lengths(self, reader, offset: int, field: str) -> np.ndarray:
        """`_field_lengths` of the segment starting at `offset`, read once for all terms."""
        key = (offset, field)
        if key not in self._segment_lengths:
            kept = ((_segment_id(reader),), f"_{field}_len")
            if (lengths := _SEGMENT_VALUES.get(kept)) is None:
                lengths = _SEGMENT_VALUES[kept] = _field_lengths(reader, field)
            self._segment_lengths[key] = np.asarray(lengths, dtype=np.uint8)
        return self._segment_lengths[key]

    def _count(self) -> int:
        """`searchable_count`, the same for every term: read once."""
        if self._searchable_count is None:
            self._searchable_count = self.weighting.searchable_count(self.searcher)
        return self._searchable_count

    def _norms(self, field: str) -> np.ndarray:
        """BM25's length normalisation for every encoded length of `field`."""
        if field not in self._length_norms:
            b = self.weighting.B
            average = self.weighting.average_length(self.searcher, field, self._count())
            self._length_norms[field] = np.array(
                [(1 - b) + b * byte_to_length(code) / average for code in range(256)]
            )
        return self._length_norms[field]

    def _phrase(self, query: Phrase) -> Matches:
        """Documents holding the words in order, each within `slop` of the one before.

        Scored as Whoosh scores a phrase: the sum of its words' scores, times the boost.
        """
        field = query.fieldname
        words = [self._frequencies(field, word) for word in query.words]
        if not words or not all(len(word) for word in words):
            return NO_MATCHES
        common = self._sums.common([word.ids for word in words])
        found = self._in_sequence(field, query.words, query.slop, common.tolist())
        common = np.array(found, dtype=np.int64)
        # `_term`'s scores for the documents holding every word only: scoring each word's whole
        # list (`_term`) cost a phrase query 0.2 ms more at 80,000 articles.
        total = np.zeros(len(common))
        for word, text in zip(words, query.words, strict=True):
            frequency = word.scores[np.searchsorted(word.ids, common)]
            total += self._saturated(field, text, frequency)
        return Matches(common, query.boost * total)

    def _in_sequence(
        self, field: str, words: list[str], slop: int, candidates: Iterable[int]
    ) -> list[int]:
        """Which `candidates` hold `words` in order with at most `slop` positions between.

        The words' postings must have been read (`_frequencies`), which keeps them.
        """
        numbers = sorted(candidates)
        return _in_order([self._positions(field, word, numbers) for word in words], slop, numbers)

    def _positions(self, field: str, word: str, numbers: list[int]) -> dict[int, Sequence[int]]:
        """The positions of a scored term in each of `numbers` (ascending) that holds it."""
        decode = self.searcher.schema[field].format.decoder("positions")
        read = self._postings.get((field, word))
        if read is None:
            return {}
        wanted = np.array(numbers, dtype=np.int64)
        places, held = _located(read.ids, wanted)
        lists_held = np.searchsorted(read.firsts, places, "right") - 1
        found = {}
        for which, postings in enumerate(read.lists):
            mine = lists_held == which
            if not mine.any():
                continue
            values = postings.values(places[mine] - read.firsts[which])
            for number, value in zip(wanted[held[mine]].tolist(), values, strict=True):
                found[number] = decode(value)
        return found

    def _whoosh_scores(self, query: Query) -> Matches:
        """Whoosh's own matcher, for the query types not evaluated here."""
        ids, scores = [], []
        for searcher, offset in self.segments:
            matcher = query.matcher(searcher, searcher.context(needs_current=True))
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                scores.append(matcher.score())
                matcher.next()
        return Matches(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))

    def isin(self, numbers: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """A mask of which documents of `numbers` are in `wanted` (ascending)."""
        return self._sums.isin(numbers, wanted)

    def _deleted_among(self, numbers: np.ndarray) -> np.ndarray:
        """Where the deleted documents stand in `numbers` (ascending): each deleted document
        looked up among them, rather than each of a posting list's many among the deleted."""
        return _located(numbers, self._deleted())[0]

    def _deleted(self) -> np.ndarray:
        """The deleted documents of the index, ascending."""
        if self._deleted_numbers is None:
            self._deleted_numbers = np.array(
                sorted(
                    number + offset
                    for searcher, offset in self.segments
                    for number in _deleted_in(searcher.reader())
                ),
                dtype=np.int64,
            )
        return self._deleted_numbers


def _in_order(
    positions: list[dict[int, Sequence[int]]], slop: int, numbers: Iterable[int]
) -> list[int]:
    """Which of `numbers` hold, by each word's `positions`, the words in order with at most
    `slop` positions from each to the next."""
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


@dataclass(frozen=True)
class _Read:
    """One term's posting lists as read, over every segment, for word positions."""

    ids: np.ndarray  # every posting's document number in the whole index, deletions included
    firsts: np.ndarray  # where each list's postings start in `ids`
    lists: list[PostingList]


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """A mask of where each run of equal values starts in `ordered`."""
    starts = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (numpy's `unique` hashes, which took 20 times longer)."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def isin(numbers: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """A mask of which of `numbers` are in `wanted` (ascending): numpy's `isin` sorts or hashes
    both, or makes a table as long as the largest value."""
    if not len(wanted) or not len(numbers):
        return np.zeros(len(numbers), dtype=bool)
    places = np.searchsorted(wanted, numbers)
    places[places == len(wanted)] = 0
    return wanted[places] == numbers


def _located(numbers: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where those of `wanted` that `numbers` holds stand in `numbers`, and in `wanted` (both
    ascending): for a few documents looked up among many."""
    if not len(numbers):
        return NO_MATCHES.ids, NO_MATCHES.ids
    places = np.searchsorted(numbers, wanted)
    places[places == len(numbers)] = 0
    held = numbers[places] == wanted
    return places[held], np.flatnonzero(held)


class _Sums:
    """Arrays over every document number, for sums and intersections over many documents:
    allocated once a search (touching fresh memory costs more than the sums), and left all
    zero after each use."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._totals: np.ndarray | None = None
        self._held: np.ndarray | None = None

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._totals is None or self._held is None:
            self._totals, self._held = np.zeros(self.size), np.zeros(self.size, dtype=bool)
        return self._totals, self._held

    def sum(self, parts: list[Matches]) -> Matches:
        """Each document's scores summed over the parts holding it, in the parts' order:
        parts holding many documents between them are added in the arrays, fewer ones
        sorted together."""
        parts = [part for part in parts if len(part)]
        if len(parts) <= 1:
            return parts[0] if parts else NO_MATCHES
        if sum(map(len, parts)) * DENSE_FROM > self.size:
            totals, held = self._arrays()
            for part in parts:
                totals[part.ids] += part.scores
                held[part.ids] = True
            numbers = np.flatnonzero(held)
            found = Matches(numbers, totals[numbers])
            totals[numbers], held[numbers] = 0.0, False
            return found
        ids = np.concatenate([part.ids for part in parts])
        order = np.argsort(ids, kind="stable")  # a document's scores stay in the parts' order
        ids = ids[order]
        starts = np.flatnonzero(run_starts(ids))
        scores = np.concatenate([part.scores for part in parts])[order]
        return Matches(ids[starts], np.add.reduceat(scores, starts))

    def at(self, parts: list[Matches], numbers: np.ndarray) -> np.ndarray:
        """The scores of `numbers` summed over `parts`, in the parts' order (0 where none
        holds one)."""
        totals, _ = self._arrays()
        for part in parts:
            totals[part.ids] += part.scores
        found = totals[numbers]
        for part in parts:
            totals[part.ids] = 0.0
        return found

    def union(self, parts: list[Matches]) -> Matches:
        """Summed scores of documents found by any part, the largest part's score first."""
        return self.sum(sorted(parts, key=len, reverse=True))

    def intersection(self, parts: list[Matches]) -> Matches:
        common = self.common([part.ids for part in parts])
        return self.sum([part.among(common) for part in parts])

    def common(self, parts: list[np.ndarray]) -> np.ndarray:
        """The documents in every one of `parts` (each ascending)."""
        if not parts:
            return NO_MATCHES.ids
        found = parts[0]
        for part in parts[1:]:
            found = part[self.isin(part, found)]
        return found

    def isin(self, numbers: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """A mask of which of `numbers` are in `wanted` (ascending): many marked in the
        arrays, a few looked up."""
        if (len(numbers) + len(wanted)) * DENSE_FROM <= self.size:
            return isin(numbers, wanted)
        _, held = self._arrays()
        held[wanted] = True
        found = held[numbers]
        held[wanted] = False
        return found

    def located_each(
        self, lists: list[np.ndarray], wanted: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each of `lists`, where those of `wanted` it holds stand in it and in `wanted`
        (all ascending): `wanted` marked once for them all when they hold many postings."""
        if sum(map(len, lists)) <= len(wanted) * LOOKUP_STEPS:
            masks = [self.isin(numbers, wanted) for numbers in lists]
        else:
            _, held = self._arrays()
            held[wanted] = True
            masks = [held[numbers] for numbers in lists]
            held[wanted] = False
        found = []
        for numbers, mask in zip(lists, masks, strict=True):
            in_numbers = np.flatnonzero(mask)
            found.append((in_numbers, np.searchsorted(wanted, numbers[in_numbers])))
        return found

    def either(self, parts: list[np.ndarray]) -> np.ndarray:
        """The documents in any of `parts`, ascending."""
        if sum(map(len, parts)) * DENSE_FROM <= self.size:
            return distinct(np.concatenate(parts)) if parts else NO_MATCHES.ids
        _, held = self._arrays()
        for part in parts:
            held[part] = True
        found = np.flatnonzero(held)
        held[found] = False
        return found


def _floor(
    scores: np.ndarray, ids: np.ndarray, group_of: Callable[[int], Hashable], count: int
) -> float:
    """A score that a document must reach, bonuses included, to be on a page of `count`
    groups: the `count`-th best group's score without bonuses (no floor with fewer groups).

    That score is looked for among the best documents by score, as few as give `count` groups;
    any lower score would do (only more documents would be looked at), none higher.
    """
    taken = 4 * count
    while taken < len(scores):
        best = _best_places(scores, taken)
        best = best[np.argsort(-scores[best], kind="stable")]
        firsts: dict[Hashable, float] = {}
        for number, score in zip(ids[best].tolist(), scores[best].tolist(), strict=True):
            firsts.setdefault(group_of(number), score)
        if len(firsts) >= count:
            return sorted(firsts.values())[-count]
        taken *= 4
    return -math.inf


def _best_places(scores: np.ndarray, count: int) -> np.ndarray:
    """Where the `count` best of `scores` stand (in no order). A partition of hundreds of
    thousands of scores takes milliseconds: it runs over those above a bar that halves until
    it lets `count` through, which a pass or two finds, else over them all."""
    bar = float(scores.max())
    for _ in range(BAR_HALVINGS):
        bar /= 2
        above = np.flatnonzero(scores >= bar)
        if len(above) >= count:
            return above[np.argpartition(-scores[above], count - 1)[:count]]
    return np.argpartition(-scores, count - 1)[:count]


def _widened(scores: np.ndarray) -> np.ndarray:
    """Scores raised by what summing them in another order could change (`ROUNDING`)."""
    return scores + ROUNDING * np.abs(scores)


def _segment_id(reader) -> str:
    """Which segment a reader reads: a random name Whoosh gives each segment it writes. Only
    the reader of an empty index has none (and no values to keep)."""
    segment = reader.segment()
    return segment.segid if segment is not None else ""


def _deleted_in(reader) -> frozenset[int]:
    return getattr(reader, "deleted_docs_set", None) or frozenset()


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
