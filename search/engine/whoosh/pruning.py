"""The best groups of a query of words and phrases, without scoring every match.

A flat OR of words and phrases, the shape the parser gives most searches, scores a document as
the sum of its clauses' scores, and the block headers of Whoosh's posting lists bound every
clause: no document of a block holds a term more often than the block's highest frequency, nor
in fewer words than its shortest length. Documents are taken a window of document numbers at a
time, in order:

- a window whose clause bounds together stay below the threshold (the score of the k-th best
  group so far) is not read at all (block-max);
- within a window, the clauses with the smallest bounds, whose bounds together stay below the
  threshold, cannot lift a document onto the page on their own: only documents holding one of
  the other clauses are candidates, and those clauses are looked up only for the candidates
  whose exact score so far, with the bounds left, could still reach the threshold (MaxScore):
  one clause at a time, largest bound first, each replacing its bound by what the candidate
  gets, so that a candidate leaves as soon as its bound falls below the threshold;
- only the few candidates left are scored exactly, from the clauses and pairs they hold, and
  word positions are read only for those that could still raise the threshold.

A document is skipped only when even its bound stays strictly below the threshold, so it could
neither outscore nor tie a group on the page: the page is the one exhaustive scoring gives, tie
order included. `EXHAUSTIVE` scores every match, for tests and the benchmark to compare.

Hits are counted as Elasticsearch's `track_total_hits` counts them: exactly up to a bound,
beyond which the total is a lower bound and the remaining documents are read only as far as
ranking needs them.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate

from whoosh.query import Or, Phrase, Term

from search.engine.whoosh.ranking import AdjacentPair, Bonus, Ranker, Scores, _deleted_in

EXHAUSTIVE = False  # score every match: what the pruned ranking must equal
# Postings a query's terms hold, together, from which a search is pruned (`worth_pruning`).
PRUNE_FROM = 40_000
WINDOW = 16384  # document numbers taken together
# Up to this many clauses, every clause is read in a window, so that a document's bound counts
# only the clauses it holds; beyond, only the essential clauses are (MaxScore).
EVERY_CLAUSE_READ = 8
# Bounds are computed in another order than scores: a little headroom keeps rounding from
# making a bound fall below the score it bounds.
HEADROOM = 1e-9


class Postings:
    """One term's posting list in one segment: block headers read once, blocks decoded once."""

    def __init__(self, reader, field_name: str, text: str, shortest_norm: Callable[[int], float]):
        matcher = reader.postings(field_name, text)
        self._matcher = matcher = getattr(matcher, "child", matcher)  # deletions are ours to drop
        self.maxids: list[int] = []
        self.bounds: list[float] = []  # the highest frequency over the length normalisation
        # Where each block's data lies, as its header says: not read again to decode it.
        self._extents: list[tuple[int, int, int, int]] = []
        while matcher.is_active():
            self.maxids.append(matcher._maxid)
            self.bounds.append(matcher._maxweight / shortest_norm(matcher._minlength))
            self._extents.append(
                (
                    matcher._dataoffset,
                    matcher._nextoffset,
                    matcher._compression,
                    matcher._blocklength,
                )
            )
            matcher._next_block()
        self._blocks: dict[int, tuple[Sequence[int], Sequence[float], Sequence]] = {}

    def block(self, index: int) -> tuple[Sequence[int], Sequence[float], Sequence]:
        """Document numbers, frequencies and encoded values of one block."""
        if index not in self._blocks:
            matcher = self._matcher
            (
                matcher._dataoffset,
                matcher._nextoffset,
                matcher._compression,
                matcher._blocklength,
            ) = self._extents[index]
            matcher._data = matcher._values = None
            matcher._read_data()
            ids, weights = matcher._data[:2]
            ids = tuple(accumulate(ids))
            if weights is None or isinstance(weights, float):
                weights = [weights or 1.0] * len(ids)
            matcher._read_values()
            self._blocks[index] = (ids, weights, matcher._values)
        return self._blocks[index]

    def overlapping(self, low: int, high: int) -> range:
        """The blocks that may hold documents numbered from `low` up to `high`, excluded."""
        first = bisect.bisect_left(self.maxids, low)
        last = bisect.bisect_left(self.maxids, high - 1, first)
        return range(first, min(last + 1, len(self.maxids)))

    def bound(self, low: int, high: int) -> float:
        return max((self.bounds[i] for i in self.overlapping(low, high)), default=0.0)

    def find(self, number: int) -> tuple[int, int] | None:
        """(block, place) of a document holding the term, or None."""
        index = bisect.bisect_left(self.maxids, number)
        if index == len(self.maxids):
            return None
        ids = self.block(index)[0]
        place = bisect.bisect_left(ids, number)
        return (index, place) if place < len(ids) and ids[place] == number else None

    def frequency(self, located: tuple[int, int]) -> float:
        return self.block(located[0])[1][located[1]]

    def value(self, located: tuple[int, int]):
        return self.block(located[0])[2][located[1]]


@dataclass
class _Term:
    """One term of a segment, with what scoring it needs."""

    postings: Postings
    lengths: Sequence[int]
    norms: list[float]

    def normalised(self, number: int) -> float | None:
        """The document's frequency of the term over its length normalisation, if it holds it."""
        located = self.postings.find(number)
        if located is None:
            return None
        return self.postings.frequency(located) / self.norms[self.lengths[number]]

    def bound(self, low: int, high: int) -> float:
        return self.postings.bound(low, high)


@dataclass
class _Clause:
    """A word over its fields (`kind` "word"), or a phrase in one field ("phrase").

    A word is one BM25F term (`Ranker._bm25f`): its fields' normalised frequencies, weighted by
    `weights`, summed, then saturated and scaled by `scale`. A phrase is the sum of its words'
    own BM25 (`scales`), times `scale`, where its words stand in sequence.
    """

    kind: str
    fields: list[str]
    texts: list[str]
    owns: list[bool]  # whether a document matches through its own text by each term
    weights: list[float]
    scale: float
    scales: list[float] = field(default_factory=list)
    slop: int = 1
    terms: list[_Term | None] = field(default_factory=list)  # in the current segment


@dataclass
class _Pair:
    """An adjacency bonus: two words' BM25 in one field, where they stand side by side."""

    query: AdjacentPair
    words: tuple[int, int]  # the clauses of its two words
    places: tuple[int, int]  # each word's term in the pair's field, within its clause
    scales: tuple[float, float]
    terms: tuple[_Term | None, _Term | None] = (None, None)


def prunable(ranker: Ranker, query) -> bool:
    """Whether `query` is an OR (or a lone term or phrase) of words and phrases in scorable
    fields: the shape whose clause bounds this module knows."""
    children = query.subqueries if type(query) is Or else [query]
    return bool(children) and all(
        type(child) in (Term, Phrase, AdjacentPair) and ranker._scorable(child.fieldname)
        for child in children
    )


def worth_pruning(ranker: Ranker, query) -> bool:
    """Whether the query's posting lists are long enough for pruning to pay: below
    `PRUNE_FROM` postings, scoring every match in one pass (`Ranker`) costs less than the
    bounds, windows and bounded count."""
    postings = sum(ranker.doc_frequency(name, text) for name, text in query.iter_all_terms())
    return postings >= PRUNE_FROM


def _saturated(scale: float, frequency: float, k1: float) -> float:
    return scale * frequency / (frequency + k1)


def _combined(clause: _Clause, tables: list[dict[int, float]]) -> dict[int, float]:
    """A word's normalised frequencies in its fields, weighted and summed: what BM25F
    saturates (`Ranker._bm25f`). A word in one field has its own weight, 1."""
    if len(tables) == 1:
        return tables[0]
    combined: dict[int, float] = {}
    get = combined.get
    for weight, table in zip(clause.weights, tables, strict=True):
        for number, frequency in table.items():
            combined[number] = get(number, 0.0) + weight * frequency
    return combined


class PrunedRanking:
    """One query's clauses, bounds, threshold and counts, segment after segment."""

    def __init__(
        self,
        ranker: Ranker,
        query,
        own: Collection,
        allowed: Callable[[int], bool] | None,
        group_of: Callable[[int], Hashable],
        k: int,
        count_bound: int,
    ) -> None:
        self.ranker, self.allowed = ranker, allowed
        self.group_of, self.k, self.count_bound = group_of, k, count_bound
        self.k1 = k1 = ranker.weighting.K1
        children = query.subqueries if type(query) is Or else [query]
        self.boost = query.boost if type(query) is Or else 1.0
        searcher, term_scale = ranker.searcher, ranker._term_scale
        words: dict[str, list[Term]] = {}
        self.clauses: list[_Clause] = []
        for child in children:
            if type(child) is Term and child.fieldname in ranker.combined_fields:
                words.setdefault(child.text, []).append(child)
            elif type(child) is Term:
                words.setdefault(f"\0{len(words)}", []).append(child)  # a field apart
        by_text: dict[str, int] = {}
        for terms in words.values():
            boost = max(term.boost for term in terms)
            if len(terms) == 1:
                scale = terms[0].boost * term_scale(terms[0].fieldname, terms[0].text)
            else:
                scale = boost * ranker._word_idf(terms) * (k1 + 1)
            if terms[0].fieldname in ranker.combined_fields:
                by_text[terms[0].text] = len(self.clauses)
            self.clauses.append(
                _Clause(
                    "word",
                    [term.fieldname for term in terms],
                    [term.text for term in terms],
                    [term in own for term in terms],
                    [term.boost / boost for term in terms],
                    scale,
                )
            )
        self.pairs: list[_Pair] = []
        for child in children:
            if type(child) is Phrase:
                self.clauses.append(
                    _Clause(
                        "phrase",
                        [child.fieldname] * len(child.words),
                        list(child.words),
                        [child in own] * len(child.words),
                        [],
                        child.boost,
                        [term_scale(child.fieldname, word) for word in child.words],
                        child.slop,
                    )
                )
            elif type(child) is AdjacentPair:
                first, second = child.words
                if first in by_text and second in by_text:
                    words = (by_text[first], by_text[second])
                    places = tuple(
                        self.clauses[clause].fields.index(child.fieldname) for clause in words
                    )
                    self.pairs.append(
                        _Pair(
                            child,
                            words,
                            places,
                            (
                                term_scale(child.fieldname, first),
                                term_scale(child.fieldname, second),
                            ),
                        )
                    )
        # Each clause's places in pairs: (pair, 0) as its first word, (pair, 1) as its second.
        self._sides: list[list[tuple[int, int]]] = [[] for _ in self.clauses]
        for number, pair in enumerate(self.pairs):
            for side, clause in enumerate(pair.words):
                self._sides[clause].append((number, side))
        schema = searcher.schema
        self._decode = {
            name: schema[name].format.decoder("positions")
            for clause in self.clauses
            for name in clause.fields
        }
        self._opened: dict[int, tuple] = {}
        self._starts = [offset for _, offset in ranker.segments]
        self.own_all: set[int] = set()  # matching through their own text, before filters
        self.title_only: set[int] = set()  # matching through the title alone
        # Title-only matches, to check at the end: score and bonuses by pair.
        self.pending: dict[int, tuple[float, dict[int, float]]] = {}
        self.threshold = -math.inf
        self._top: list[float] = []  # the k best groups' first scores
        self._seen_groups: set[Hashable] = set()
        self.scores: Scores = {}
        self.potentials: list[Scores] = [{} for _ in self.pairs]
        self.counted: set[int] = set()
        self.rejected: set[int] = set()  # counted matches the filters kept out
        self.bonuses: list[Bonus] = []
        self.groups = 0
        self.exact = True
        self.counted_groups: set[Hashable] = set()
        self.counting = True
        self._leads: dict[int, int | None] = {}  # by article

    # --- per segment ------------------------------------------------------------------

    def _enter(self, index: int) -> None:
        """Point the clauses at their posting lists in one segment, opened once."""
        if index not in self._opened:
            self._opened[index] = self._open(*self.ranker.segments[index])
        self.segment, (self.offset, self.size, self.deleted, terms, pairs) = (
            index,
            self._opened[index],
        )
        for clause, found in zip(self.clauses, terms, strict=True):
            clause.terms = found
        for pair, found in zip(self.pairs, pairs, strict=True):
            pair.terms = found

    def _open(self, segment, offset: int) -> tuple:
        ranker, b = self.ranker, self.ranker.weighting.B
        reader = segment.reader()
        cache: dict[tuple[str, str], _Term | None] = {}

        def term(name: str, text: str) -> _Term | None:
            if (name, text) not in cache:
                found = None
                if (name, text) in reader:
                    average = ranker.weighting.average_length(
                        ranker.searcher, name, ranker._count()
                    )
                    postings = Postings(
                        reader, name, text, lambda length: (1 - b) + b * length / average
                    )
                    lengths = ranker._lengths(reader, offset, name)
                    found = _Term(postings, lengths, ranker._norms(name))
                cache[name, text] = found
            return cache[name, text]

        terms = [
            [term(n, t) for n, t in zip(clause.fields, clause.texts, strict=True)]
            for clause in self.clauses
        ]
        pairs = [
            (term(pair.query.fieldname, pair.query.words[0]),
             term(pair.query.fieldname, pair.query.words[1]))
            for pair in self.pairs
        ]  # fmt: skip
        return offset, reader.doc_count_all(), _deleted_in(reader), terms, pairs

    def _bound(self, clause: _Clause, low: int, high: int) -> float:
        """The most any document from `low` to `high` may get from `clause`."""
        k1 = self.k1
        if clause.kind == "word":
            if len(clause.terms) == 1:
                term = clause.terms[0]
                return _saturated(clause.scale, term.bound(low, high), k1) if term else 0.0
            combined = sum(
                weight * term.bound(low, high)
                for weight, term in zip(clause.weights, clause.terms, strict=True)
                if term
            )
            return _saturated(clause.scale, combined, k1)
        if not all(clause.terms):
            return 0.0
        return clause.scale * sum(
            _saturated(scale, term.bound(low, high), k1)
            for scale, term in zip(clause.scales, clause.terms, strict=True)
        )

    def _in_sequence(self, clause: _Clause, number: int) -> bool:
        """Whether a phrase's words stand in order (within its slop) in its field."""
        return self._placed_within(clause.terms, clause.fields[0], clause.slop, number)

    def _contribution(self, clause: _Clause, number: int) -> tuple[float, bool, bool]:
        """What `clause` adds to a document's score, unboosted; whether the clause matches it,
        and whether through an own field."""
        found = [term.normalised(number) if term else None for term in clause.terms]
        return self._clause_value(clause, found, number)

    def _clause_value(
        self, clause: _Clause, found: list[float | None], number: int
    ) -> tuple[float, bool, bool]:
        """`_contribution`, from each term's normalised frequency in the document (None where
        it does not hold the term)."""
        k1 = self.k1
        if clause.kind == "phrase":
            if None in found or not self._in_sequence(clause, number):
                return 0.0, False, False
            total = 0.0
            for scale, frequency in zip(clause.scales, found, strict=True):
                total += _saturated(scale, frequency, k1)
            return clause.scale * total, True, clause.owns[0]
        if len(found) == 1:
            frequency = found[0]
            if frequency is None:
                return 0.0, False, False
            return _saturated(clause.scale, frequency, k1), True, clause.owns[0]
        combined = 0.0
        matched = own = False
        for owned, weight, frequency in zip(clause.owns, clause.weights, found, strict=True):
            if frequency is not None:
                combined += weight * frequency
                matched = True
                own = own or owned
        if not matched:
            return 0.0, False, False
        return _saturated(clause.scale, combined, k1), True, own

    # --- the walk ---------------------------------------------------------------------------

    def run(self, exhaustive: bool) -> None:
        """Walk the segments window by window; `scores`, `bonuses`, `counted` (the accepted
        documents counted), `groups` (their number) and `exact` hold what was found."""
        for index in range(len(self.ranker.segments)):
            self._enter(index)
            for low in range(0, self.size, WINDOW):
                high = min(self.size, low + WINDOW)
                if self.counting:
                    self._count(low, high)
                self._rank(low, high, exhaustive)
        self.exact = exact = self.counting
        for whole, (score, potentials) in self.pending.items():
            possible = score + sum(self.boost * p for p in potentials.values())
            if (exhaustive or possible >= self.threshold) and self._lead(whole) == whole:
                self._keep(whole, score, potentials)
        if exact:
            for lead in self._exact_leads():
                if self.allowed is None or self.allowed(lead):
                    self.counted.add(lead)
                    self.counted_groups.add(self.group_of(lead))
                else:
                    self.rejected.add(lead)
        self.groups = len(self.counted_groups) if exact else self.count_bound
        self.bonuses = [
            Bonus(pair.query, self.boost, potential, partial(self._adjacent_documents, pair))
            for pair, potential in zip(self.pairs, self.potentials, strict=True)
        ]

    def _count(self, low: int, high: int) -> None:
        """Count the accepted documents from `low` to `high` that match through their own
        text, until the count reaches its bound; keep the title-only matches for `run`."""
        own: set[int] = set()
        matched: set[int] = set()
        for clause in self.clauses:
            held = [self._ids(term, low, high) for term in clause.terms]
            if clause.kind == "phrase":
                documents = set(held[0]).intersection(*held[1:]) if all(held) else set()
                documents = {n for n in documents if self._in_sequence(clause, n)}
                if clause.owns[0]:
                    own |= documents
                matched |= documents
                continue
            for owned, ids in zip(clause.owns, held, strict=True):
                matched.update(ids)
                if owned:
                    own.update(ids)
        own -= self.deleted
        offset, allowed = self.offset, self.allowed
        own_all = [number + offset for number in own] if offset else list(own)
        self.own_all.update(own_all)
        self.title_only.update(number + offset for number in matched - own - self.deleted)
        if allowed is not None:
            passing = [number for number in own_all if allowed(number)]
            self.rejected.update(set(own_all).difference(passing))
            own_all = passing
        self.counted.update(own_all)
        self.counted_groups.update(map(self.group_of, own_all))
        if len(self.counted_groups) > self.count_bound:
            self.counting = False  # more than the bound: the total is "the bound or more"

    @staticmethod
    def _ids(term: _Term | None, low: int, high: int) -> Sequence[int]:
        """The documents from `low` to `high` holding a term, deletions included."""
        if term is None:
            return ()
        postings = term.postings
        found: list[int] = []
        for block in postings.overlapping(low, high):
            numbers = postings.block(block)[0]
            start = bisect.bisect_left(numbers, low)
            found.extend(numbers[start : bisect.bisect_left(numbers, high, start)])
        return found

    def _exact_leads(self) -> set[int]:
        """Every article's first matching document, for articles matching through their title
        alone (`query._through_own_text`), when every match has been counted."""
        articles, places = self.ranker.column("article_key"), self.ranker.column("reading_order")
        answered = {articles[number] for number in self.own_all}
        leads: dict[int, int] = {}
        for number in self.title_only:
            if (article := articles[number]) not in answered:
                leads[article] = min(number, leads.get(article, number), key=places.__getitem__)
        return set(leads.values())

    def _locate(self, whole: int) -> int:
        """Point the clauses at the segment holding `whole`; its number there."""
        index = bisect.bisect_right(self._starts, whole) - 1
        self._enter(index)
        return whole - self.offset

    def _matches(self, whole: int) -> tuple[bool, bool]:
        """Whether a document matches the query, and through its own text."""
        number = self._locate(whole)
        if number in self.deleted:
            return False, False
        matched = own = False
        for clause in self.clauses:
            _, hit, through_own = self._contribution(clause, number)
            matched, own = matched or hit, own or through_own
        return matched, own

    def _lead(self, whole: int) -> int | None:
        """The document an article matching through its title alone is found by: its first
        matching document in reading order; None if the article matches through its text."""
        articles = self.ranker.column("article_key")
        article = articles[whole]
        if article not in self._leads:
            # The file's documents, of this article only: a JSON Lines file holds many.
            name = self.ranker.searcher.stored_fields(whole)["file"]
            places = self.ranker.column("reading_order")
            first = None
            for number in sorted(self.ranker.term_documents("file", name)):
                if articles[number] != article:
                    continue
                matched, own = self._matches(number)
                if own:
                    first = None
                    break
                if matched and (first is None or places[number] < places[first]):
                    first = number
            self._leads[article] = first
        return self._leads[article]

    def accepted(self, whole: int) -> bool:
        """Whether a document is one of the query's hits (for the copies of a page's hits)."""
        if self.allowed is not None and not self.allowed(whole):
            return False
        matched, own = self._matches(whole)
        return own or (matched and self._lead(whole) == whole)

    def _rank(self, low: int, high: int, exhaustive: bool) -> None:
        """Score the documents from `low` to `high` that could reach the page."""
        threshold = -math.inf if exhaustive else self.threshold
        k1, boost = self.k1, self.boost
        # A pair's bonus is its two words' BM25 in its field: each word's share goes with the
        # word's own bound, so a document's bound counts only bonuses of words it holds.
        bounds = []
        for clause, sides in zip(self.clauses, self._sides, strict=True):
            bound = boost * self._bound(clause, low, high)
            for number, side in sides:
                pair = self.pairs[number]
                if (term := pair.terms[side]) is not None:
                    share = _saturated(pair.scales[side], term.bound(low, high), k1)
                    bound += boost * pair.query.boost * share
            bounds.append(bound)
        if sum(bounds) < threshold:
            return  # nothing here could reach the page
        # The clauses that cannot lift a document onto the page alone, smallest bounds first.
        optional: list[int] = []
        if len(self.clauses) > EVERY_CLAUSE_READ:
            ceiling = 0.0
            for index in sorted(range(len(self.clauses)), key=bounds.__getitem__):
                if ceiling + bounds[index] >= threshold:
                    break
                optional.append(index)
                ceiling += bounds[index]
        tables: dict[int, list[dict[int, float]]] = {}
        ceilings: dict[int, float] = {}  # each candidate's bound from the clauses it holds
        get = ceilings.get
        for index, clause in enumerate(self.clauses):
            if index in optional:
                continue
            tables[index] = found = self._tables(clause, low, high)
            if clause.kind == "phrase":
                for number, value in self._values(clause, found).items():
                    ceilings[number] = get(number, 0.0) + value
                continue
            scale = boost * clause.scale  # `_values`, saturated as it is added
            for number, x in _combined(clause, found).items():
                ceilings[number] = get(number, 0.0) + scale * x / (x + k1)
        # The pairs' bonuses, as if their words stood side by side, for documents holding both
        # words in the field. A pair beside an optional word adds only to documents holding
        # that word: its whole bound goes with the optional word's (`_gains`).
        reductions = {index: bounds[index] for index in optional}
        for pair in self.pairs:
            weight = boost * pair.query.boost
            (first, second), (one, other) = pair.words, pair.scales
            if first in reductions or second in reductions:
                if (first in reductions) != (second in reductions):
                    side = 0 if second in reductions else 1
                    if (term := pair.terms[side]) is not None:
                        share = _saturated(pair.scales[side], term.bound(low, high), k1)
                        reductions[pair.words[1 - side]] += weight * share
                continue
            before, after = tables[first][pair.places[0]], tables[second][pair.places[1]]
            for number in before.keys() & after.keys():
                ceilings[number] += weight * (
                    _saturated(one, before[number], k1) + _saturated(other, after[number], k1)
                )
        # Each candidate's bound, the optional clauses' bounds replaced by what the document
        # gets from them one clause at a time, largest bounds first: a candidate is dropped as
        # soon as its bound falls below the threshold.
        widened = sum(reductions.values())
        limits = {
            number: ceiling + widened
            for number, ceiling in ceilings.items()
            if ceiling + widened >= threshold
        }
        for index in reversed(optional):
            if index not in tables:
                tables[index] = self._tables(self.clauses[index], low, high)
            floor, reduction = self.threshold, reductions[index]
            limits = {number: limit for number, limit in limits.items() if limit >= floor}
            gains = self._gains(index, tables, reductions, limits)
            limits = {
                number: limit + gains.get(number, 0.0) - reduction
                for number, limit in limits.items()
            }
        deleted, offset, allowed = self.deleted, self.offset, self.allowed
        # The most promising first: the threshold rises soonest, and prunes the rest.
        for number in sorted(limits, key=limits.__getitem__, reverse=True):
            if limits[number] < self.threshold and not exhaustive:
                continue  # the threshold rose since, or the optional clauses fell short
            whole = number + offset
            if number in deleted or (allowed is not None and not allowed(whole)):
                continue
            # Every clause's table is read now: the clauses the document holds.
            clauses = [
                index
                for index, found in sorted(tables.items())
                if any(number in table for table in found)
            ]
            self._score(number, whole, tables, clauses, exhaustive)

    def _gains(
        self, index: int, tables: dict, optional: Collection[int], candidates: Collection[int]
    ) -> dict[int, float]:
        """The most an optional clause gives each candidate holding it (a phrase counted
        wherever its words stand), with its pairs: beside another optional word, its own
        share; beside an essential word, the whole bonus where both words are in the field."""
        boost, k1 = self.boost, self.k1
        values = self._values(self.clauses[index], tables[index])
        gains = {number: values[number] for number in candidates if number in values}
        for pair_number, side in self._sides[index]:
            pair = self.pairs[pair_number]
            weight = boost * pair.query.boost
            partner, mine = pair.words[1 - side], tables[index][pair.places[side]]
            if partner in optional:
                scale = pair.scales[side]
                for number in gains.keys() & mine.keys():
                    gains[number] += weight * _saturated(scale, mine[number], k1)
            else:
                theirs = tables[partner][pair.places[1 - side]]
                own, other = pair.scales[side], pair.scales[1 - side]
                for number in gains.keys() & mine.keys() & theirs.keys():
                    gains[number] += weight * (
                        _saturated(own, mine[number], k1) + _saturated(other, theirs[number], k1)
                    )
        return gains

    def _values(self, clause: _Clause, tables: list[dict[int, float]]) -> dict[int, float]:
        """Each document's score from the clause, with the query's boost; a phrase's words
        anywhere."""
        k1, scale = self.k1, self.boost * clause.scale
        if clause.kind == "phrase":
            holding = set(tables[0]).intersection(*tables[1:]) if tables else set()
            return {
                number: scale
                * sum(
                    _saturated(own, table[number], k1)
                    for own, table in zip(clause.scales, tables, strict=True)
                )
                for number in holding
            }
        return {number: scale * x / (x + k1) for number, x in _combined(clause, tables).items()}

    def _tables(self, clause: _Clause, low: int, high: int) -> list[dict[int, float]]:
        """For each of the clause's terms, the documents from `low` to `high` holding it, with
        their frequency over the length normalisation: read once for the window."""
        found = []
        for term in clause.terms:
            table: dict[int, float] = {}
            if term is not None:
                postings, lengths, norms = term.postings, term.lengths, term.norms
                for block in postings.overlapping(low, high):
                    ids, weights, _ = postings.block(block)
                    start = bisect.bisect_left(ids, low)
                    end = bisect.bisect_left(ids, high, start)
                    table.update(
                        {
                            number: frequency / norms[lengths[number]]
                            for number, frequency in zip(
                                ids[start:end], weights[start:end], strict=True
                            )
                        }
                    )
            found.append(table)
        return found

    def _score(
        self, number: int, whole: int, tables: dict, clauses: list[int], exhaustive: bool
    ) -> None:
        """Score a document from the window's tables of the clauses it holds."""
        total, matched, own = 0.0, False, False
        for index in clauses:
            found = [table.get(number) for table in tables[index]]
            value, hit, through_own = self._clause_value(self.clauses[index], found, number)
            if hit:
                total += value
                matched = True
                own = own or through_own
        if not matched:
            return
        score = self.boost * total
        potentials: dict[int, float] = {}  # by pair
        holding = set(clauses)
        for index in clauses:
            for pair_number, side in self._sides[index]:
                pair = self.pairs[pair_number]
                if side == 0 and pair.words[1] in holding:
                    potential = self._pair_potential(pair, tables, number)
                    if potential is not None:
                        potentials[pair_number] = potential
        possible = score + sum(self.boost * p for p in potentials.values())
        if possible < self.threshold and not exhaustive:
            return
        if not own:
            self.pending[whole] = (score, potentials)
            return
        self._keep(whole, score, potentials)

    def _pair_potential(self, pair: _Pair, tables: dict, number: int) -> float | None:
        """What a pair adds if its words stand side by side (`Ranker.rank`'s `Bonus`)."""
        first = tables[pair.words[0]][pair.places[0]].get(number)
        second = tables[pair.words[1]][pair.places[1]].get(number)
        if first is None or second is None:
            return None
        k1 = self.k1
        return pair.query.boost * (
            _saturated(pair.scales[0], first, k1) + _saturated(pair.scales[1], second, k1)
        )

    def _keep(self, whole: int, score: float, potentials: dict[int, float]) -> None:
        self.scores[whole] = score
        for pair_number, potential in potentials.items():
            self.potentials[pair_number][whole] = potential
        group = self.group_of(whole)
        if group in self._seen_groups:
            return  # counted once, at its first score: the threshold stays a lower bound
        possible = score + sum(self.boost * p for p in potentials.values())
        if len(self._top) == self.k and possible <= self._top[0]:
            return  # cannot raise the threshold: its bonuses need not be checked
        # The real score, its bonuses checked: a threshold of real scores prunes the most.
        if possible > score:
            number = self._locate(whole)
            score += sum(
                self.boost * potential
                for pair_number, potential in potentials.items()
                if self._adjacent(self.pairs[pair_number], number)
            )
        self._seen_groups.add(group)
        if len(self._top) < self.k:
            heapq.heappush(self._top, score)
        elif score > self._top[0]:
            heapq.heapreplace(self._top, score)
        if len(self._top) == self.k:
            self.threshold = self._top[0] - HEADROOM * abs(self._top[0])

    def _adjacent_documents(self, pair: _Pair, numbers: list[int]) -> list[int]:
        """Which of `numbers` (of the whole index) hold the pair's words side by side."""
        return [whole for whole in numbers if self._adjacent(pair, self._locate(whole))]

    def _adjacent(self, pair: _Pair, number: int) -> bool:
        """Whether a pair's words stand side by side (within its slop) in its field."""
        return self._placed_within(pair.terms, pair.query.fieldname, pair.query.slop, number)

    def _placed_within(
        self, terms: Sequence[_Term | None], fieldname: str, slop: int, number: int
    ) -> bool:
        """Whether document `number` holds every one of `terms` (None: a word no segment holds),
        each within `slop` places after the one before it."""
        decode = self._decode[fieldname]
        ends: set[int] | None = None
        for term in terms:
            located = term.postings.find(number) if term else None
            if located is None:
                return False
            places = decode(term.postings.value(located))
            if ends is None:
                ends = set(places)
            else:
                ends = {p for p in places if any(0 < p - e <= slop for e in ends)}
            if not ends:
                return False
        return True
