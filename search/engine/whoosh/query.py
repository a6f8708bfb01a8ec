"""Querying the Whoosh index: parsing, filtering, ranking, and engine-free hits with highlights.

Ranking is BM25F (a word's frequencies in its fields summed before they saturate) with the
standard BM25 idf, OR grouping (see the project notes on Whoosh's AND-by-default parser), so a
document holding more of the query's words ranks higher, and a bonus for query words found next
to each other; a word the query repeats counts as often as it is given (BM25's query-term
frequency). Every document carries its paragraph in `body` (a quotation document without the
paragraph's other quotations); a quotation document adds its own words in `quote` as a bonus,
so a quotation outranks a narrative paragraph that matches equally well. A document matches
through those fields; its article's title only adds to the score (`OWN_TEXT_FIELDS`).
`search.engine.whoosh.ranking` scores every match in one pass, which also gives exact totals
and groups.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import heapq
import re
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
from whoosh.qparser import (
    GtLtPlugin,
    MultifieldPlugin,
    OrGroup,
    PhrasePlugin,
    Plugin,
    QueryParser,
    syntax,
)
from whoosh.qparser.syntax import attach
from whoosh.qparser.taggers import RegexTagger
from whoosh.query import (
    And,
    AndNot,
    CompoundQuery,
    Every,
    Not,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    Wildcard,
)

from search.engine.hits import SNIPPET_SOURCES, hit_of, record_of, summarise_speakers
from search.engine.keys import TEXT_STOP_WORDS, UNNAMED_KEY, fold, name_key
from search.engine.request import (
    FEW_HITS,
    MAX_EXPANSIONS,
    QUERYABLE_FIELDS,
    SearchRequest,
    check,
    check_speakers,
    clean_query,
    day_range,
    speaker_forms,
    unknown_speakers,
)
from search.engine.whoosh.index import (
    BOOKKEEPING_FIELDS,
    FILE_KIND,
    STEMMED_FIELDS,
    IndexDamaged,
    bookkeeping,
    build_schema,
    exact_analyzer,
    keeps_positions,
    raised_by_whoosh,
    searching,
    text_analyzer,
)
from search.engine.whoosh.ranking import (
    AdjacentPair,
    Bonus,
    Matches,
    Ranker,
    StandardIdfBM25F,
    distinct,
    isin,
    run_starts,
)
from search.errors import QueryError, folder, shown
from search.identities import Identities
from search.model import Hit, Record, SearchResult, SpeakerSummary

FIELD_WEIGHTS = {"quote": 0.5, "body": 1.0, "title": 1.0}
# The fields a document matches through: a word of the title only adds to the score of a
# paragraph that matches through its own text, or every paragraph of the article would be a hit.
OWN_TEXT_FIELDS = ("quote", "body")
# Two query words found side by side (as in the query, stop words allowed between) add this
# share of their own scores: enough to reorder near-ties, too little to outweigh a third word.
ADJACENCY_BONUS = 0.25
RETRIES = 5
# A hit's copies are found by a scan of every match this many times, then through the matches
# sorted by quotation (`_Groups._copies`).
SCANNED_LOOKUPS = 32
_INNER_PUNCTUATION = re.compile(r"[^\w\s]")  # between the parts of one written word


T = TypeVar("T")
NO_DATE = 0  # what the date column holds for a document without a date
_NEVER = 99999999  # later than any date number, for the earliest of dates and NO_DATE

SYNTAX_WORDS = frozenset({"AND", "OR", "NOT", "TO"})
_WORD = re.compile(r"(?<![\w:])[^\W\d_]{3,}(?![\w:*])")
_WORDS = re.compile(r"\w")  # what every searchable word holds: punctuation and emoji alone do not


def search(index_root: Path, request: SearchRequest) -> SearchResult:
    """A page of ranked hits for `request`, the total, facet counts and suggestions."""
    check(request)
    text = clean_query(request.query)
    days = day_range(request)
    if not text and not request.speakers and days is None:
        raise QueryError("empty query: give words to search for, or a --speaker or date filter")
    if text:
        scored, matched = parse_query(text, build_schema())
        parsed, own_text = apply_exclusions(scored), apply_exclusions(matched)
    else:
        parsed = own_text = Every()
    if parsed is NullQuery:
        if not request.speakers and days is None:
            what = "only very common words" if _WORDS.search(text) else "no words to search for"
            raise QueryError(f"nothing to search for in {shown(request.query)}: it holds {what}")
        parsed = own_text = Every()
    weighting = StandardIdfBM25F()

    def run(searcher) -> SearchResult:
        ranker = Ranker(searcher, weighting, combined_fields=FIELD_WEIGHTS)
        query, cut_patterns = _expand_patterns(parsed, searcher.reader())
        own = query if own_text is parsed else _expand_patterns(own_text, searcher.reader())[0]
        needed = request.speakers or "speaker" in request.facets
        identities = speaker_identities(searcher) if needed else Identities({})
        speakers = speaker_filter(request.speakers, identities)
        keys = ranker.column("quote_key") if request.group else None
        corpus_order = _corpus_order(ranker)
        first = (request.page - 1) * request.limit
        count = first + request.limit
        matches, bonuses, undated = _matching_documents(
            ranker, query, own, speakers, days, request.include_undated
        )
        groups = _Groups(keys, matches.ids, corpus_order)
        total = len(groups)
        if request.sort == "relevance":
            order = ranker.best(
                matches,
                bonuses,
                lambda number: _group_key(keys, number),
                count,
                _equal_scores_order(ranker),
            )
        else:
            order = _dated_groups(
                ranker.column("date"), groups, request.sort == "-date", corpus_order
            )
        terms = _highlight_terms(query)
        hits = tuple(
            _hit(searcher, groups[key], score, terms, request.snippet_chars)
            for key, score in order[first : first + request.limit]
        )
        few = total < FEW_HITS
        return SearchResult(
            query=request.query,
            total=total,
            hits=hits,
            first=first + 1,
            facets=_facets(searcher, ranker, groups, request.facets, identities),
            suggestion=_suggest_query(searcher, text) if few and text else None,
            speaker_suggestions=(
                _suggest_speakers(searcher, request.speakers, identities) if few else {}
            ),
            undated_left_out=len(_Groups(keys, undated, corpus_order)),
            cut_patterns=cut_patterns,
        )

    return read_index(index_root, run, weighting=weighting)


def _matching_documents(
    ranker: Ranker,
    parsed: Query,
    own_text: Query,
    speakers: Query | None,
    days: tuple[int, int] | None,
    include_undated: bool,
) -> tuple[Matches, list[Bonus], np.ndarray]:
    """Every document that matches through its own text (`own_text`) and passes the filters,
    scored by `parsed`, title included; bonuses still to check; and the undated documents the
    date range kept out, so the user can be told how many. Filtered as whole arrays: a common
    word matches tens of thousands of documents."""
    if isinstance(parsed, Every) and speakers is not None:
        numbers = ranker.matching(speakers)
        matches, bonuses = Matches(numbers, np.ones(len(numbers))), []
    else:
        matches, bonuses = ranker.rank(parsed)
        if _may_match_bookkeeping(parsed):
            # First: a per-file record matching through a NOT would stand for its article's
            # own text, and keep the article's lead, found by its title, out.
            matches = matches.where(~isin(matches.ids, ranker.term_documents("kind", FILE_KIND)))
        if own_text is not parsed:
            matches = _through_own_text(ranker, matches, ranker.matching(own_text))
        if speakers is not None:
            matches = matches.among(ranker.matching(speakers))
    undated = matches.ids[:0]
    if days is not None:
        (start, end), dates = days, ranker.numbers("date")[matches.ids]
        missing = dates == NO_DATE
        undated = matches.ids[missing]
        within = (start <= dates) & (dates <= end)
        matches = matches.where(within | missing if include_undated else within)
        if include_undated:
            undated = undated[:0]
    return matches, bonuses, undated


def _through_own_text(ranker: Ranker, matches: Matches, matched: np.ndarray) -> Matches:
    """The documents that match through their own text (`matched`), with their full scores.

    An article whose title alone holds the words is found all the same, by its first document
    (the lead): never by every paragraph it has, which would crowd out the paragraphs that hold
    the words themselves.

    Articles are found as runs of matches with one article key side by side in document
    order, and looked up by key only where a run holds no match through own text: a writer
    adds an article's documents together, so an article is nearly always one run, and
    sorting the keys of every match took a long query 8 ms at 80,000 articles. A run holds
    one article whatever the order, so the result does not depend on it.
    """
    own = ranker.isin(matches.ids, matched)
    if own.all():
        return matches
    articles = ranker.numbers("article_key")[matches.ids]
    firsts = np.flatnonzero(run_starts(articles))  # where each run starts in `matches`
    run_owned = np.logical_or.reduceat(own, firsts)
    others = np.flatnonzero(~own)  # places in `matches`
    others = others[~run_owned[np.searchsorted(firsts, others, "right") - 1]]
    if len(others):  # looked up by key: another run of their article may hold one
        others = others[~isin(articles[others], np.sort(articles[firsts[run_owned]]))]
    # Each remaining article's first document in reading order: sorted by article, then place.
    order = np.lexsort((ranker.numbers("reading_order")[matches.ids[others]], articles[others]))
    others = others[order]
    kept = own.copy()
    kept[others[run_starts(articles[others])]] = True
    return matches.where(kept)


def _may_match_bookkeeping(query: Query) -> bool:
    """Whether `query` could match a per-file record: only through its own fields, or NOT."""
    if isinstance(query, Every | Not):
        return True
    if query.is_leaf():
        return query.field() in BOOKKEEPING_FIELDS
    return any(_may_match_bookkeeping(child) for child in query.children())


def _corpus_order(ranker: Ranker) -> Callable[[int], tuple[int, int]]:
    """A document's place in an order of the corpus that every build of the index gives alike:
    by article (a fixed hash of its file's name), then reading order within the file.

    Document numbers cannot serve: a rebuild's two writer processes share out the documents
    as they come, so equal scores or dates would be listed differently from build to build.
    """
    column = ranker.column  # whole columns, read on first use: a group's copies sort by it
    return lambda number: (column("article_key")[number], column("reading_order")[number])


def _equal_scores_order(ranker: Ranker) -> Callable[[int], tuple[int, int, int]]:
    """Equal scores newest first, undated last (NO_DATE is 0), then in `_corpus_order`.

    One flat key rather than `_corpus_order`'s inside another: a run of equal scores may hold
    every document (a search by date alone).
    """
    value = ranker.value
    return lambda number: (
        -value("date", number),
        value("article_key", number),
        value("reading_order", number),
    )


def _group_key(keys: Sequence[int] | None, number: int) -> int:
    """What a document's hit is: its quotation's key when grouping copies, else the document.

    Quotation keys are positive; a document standing alone is keyed by its number's bitwise
    complement, which is negative.
    """
    return (keys[number] if keys else 0) or ~number


class _Groups(Mapping[int, list[int]]):
    """Matching document numbers by hit (`_group_key`), copies in corpus order (`_corpus_order`).

    Tens of thousands of matches may come back, and a page shows ten: hits are counted, and
    facets gather one copy each, with array operations, and a hit's copies are looked up when
    asked for. Only listing every hit (for date order) goes through them in Python.
    """

    def __init__(
        self,
        keys: array | None,
        documents: np.ndarray,
        corpus_order: Callable[[int], tuple[int, int]],
    ) -> None:
        self._numbers, self._keys, self._corpus_order = documents, keys, corpus_order
        self._quoted_keys = (
            np.frombuffer(keys, dtype=keys.typecode)[documents]
            if keys
            else np.zeros(len(documents), dtype=np.uint64)
        )
        self._quoted = self._quoted_keys != 0
        self._alone = len(documents) - int(self._quoted.sum())
        self._quotations = distinct(self._quoted_keys[self._quoted])  # each quoted hit's key
        self._asked = 0

    def __getitem__(self, key: int) -> list[int]:
        if key >= 0:
            copies = self._copies(key).tolist() if self._keys else []
            if not copies:
                raise KeyError(key)
            return sorted(copies, key=self._corpus_order)
        found = np.searchsorted(self._numbers, ~key)
        held = found < len(self._numbers) and self._numbers[found] == ~key
        if held and _group_key(self._keys, ~key) == key:
            return [~key]
        raise KeyError(key)

    def _copies(self, key: int) -> np.ndarray:
        """The matching documents carrying quotation `key`: looked for through every match for
        a page's few hits, through the matches sorted by key when every hit is listed."""
        self._asked += 1
        if self._asked <= SCANNED_LOOKUPS:
            return self._numbers[self._quoted_keys == key]
        order, keys = self._by_key
        return self._numbers[
            order[np.searchsorted(keys, key) : np.searchsorted(keys, key, "right")]
        ]

    @functools.cached_property
    def _by_key(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self._quoted_keys, kind="stable")
        return order, self._quoted_keys[order]

    def __len__(self) -> int:
        return self._alone + len(self._quotations)

    def __iter__(self) -> Iterator[int]:
        yield from self._quotations.tolist()
        yield from (~self._numbers[~self._quoted]).tolist()

    def earliest_copies(self, dates: np.ndarray) -> np.ndarray:
        """One document for each hit, its earliest dated copy (every copy of a quotation has
        its speaker), as arrays: a facet counts tens of thousands of hits."""
        keys, numbers = self._quoted_keys[self._quoted], self._numbers[self._quoted]
        days = dates[numbers]
        order = np.lexsort((np.where(days == NO_DATE, _NEVER, days), keys))
        firsts = numbers[order][run_starts(keys[order])]
        return np.concatenate([self._numbers[~self._quoted], firsts])


def _dated_groups(
    dates: Sequence[int],
    groups: Mapping,
    newest_first: bool,
    corpus_order: Callable[[int], tuple[int, int]],
) -> list:
    """Hits by the date of their earliest copy, same dates in corpus order (of their first
    copy); undated ones last, in corpus order too."""
    dated = [
        (_earliest(dates, numbers), corpus_order(numbers[0]), key)
        for key, numbers in groups.items()
    ]
    known = sorted(
        (item for item in dated if item[0] != NO_DATE),
        key=lambda item: (-item[0] if newest_first else item[0], item[1]),
    )
    unknown = sorted((item for item in dated if item[0] == NO_DATE), key=itemgetter(1))
    return [(key, None) for _, _, key in known + unknown]


def _earliest(dates: Sequence[int], numbers: list[int]) -> int:
    """The earliest date number among copies, NO_DATE only when none has a date."""
    known = [dates[number] for number in numbers if dates[number] != NO_DATE]
    return min(known, default=NO_DATE)


def _facets(
    searcher, ranker: Ranker, groups: Mapping, facets: tuple[str, ...], identities: Identities
) -> dict:
    """Counts over every hit of the result, not just the page: by speaker (one count for each
    identity, however its name was written), year or month.

    Each hit's value is taken from an array over the whole index and counted with numpy: a
    common word has tens of thousands of hits, and counting them in Python cost the search
    page several milliseconds more than its search.
    """
    if not facets:
        return {}
    firsts = groups.earliest_copies(ranker.numbers("date"))
    counts: dict[str, dict[str, int]] = {}
    if "speaker" in facets:
        counts["speaker"] = _index_speakers(searcher).counts(searcher, firsts, identities)
    if "year" in facets or "month" in facets:
        counts.update(_date_counts(ranker.numbers("date"), firsts))
    return {facet: counts[facet] for facet in facets}


def _date_counts(dates: np.ndarray, numbers: np.ndarray) -> dict[str, dict[str, int]]:
    """Hits by month and by year, in time order (a date number is YYYYMMDD)."""
    days = dates[numbers]
    months, by_month = np.unique(days[days != NO_DATE] // 100, return_counts=True)
    years: Counter = Counter()
    for month, count in zip(months.tolist(), by_month.tolist(), strict=True):
        years[month // 100] += count
    return {
        "year": {f"{year:04d}": count for year, count in years.items()},
        "month": {
            f"{month // 100:04d}-{month % 100:02d}": count
            for month, count in zip(months.tolist(), by_month.tolist(), strict=True)
        },
    }


_UNREAD, _NO_SPEAKER = 0, 1  # a document's identity number before it is read, and without one


class _IndexSpeakers:
    """What a speaker facet needs of one unchanging state of the index (`_index_state`):
    each document's speaker as an identity's number, read the first time a facet counts the
    document, and names as the articles write them.

    Shared by every reader of that state: a server lends out several, and reading a
    document's speaker again for every hit of every search cost a page more than its search.
    """

    def __init__(self, documents: int) -> None:
        self._lock = threading.Lock()
        self._identities: Identities | None = None
        self._numbers = array("I", bytes(4 * documents))  # _UNREAD, by document number
        self._keys = ["", ""]  # identity keys by number, after _UNREAD and _NO_SPEAKER
        self._order = np.empty(0, np.int64)  # `_key_order`, as last computed
        self._by_key: dict[str, int] = {}
        self._shown: dict[str, str] = {UNNAMED_KEY: UNNAMED_KEY}

    def identities(self, searcher) -> Identities:
        with self._lock:
            if self._identities is None:
                self._identities = _read_identities(searcher)
        return self._identities

    def counts(self, searcher, documents: np.ndarray, identities: Identities) -> dict[str, int]:
        """How many of `documents` each identity has, most first (then by key), under the
        name the articles write."""
        numbers = np.asarray(self._numbers)
        if (unread := documents[numbers[documents] == _UNREAD]).size:
            self._read(searcher.reader(), unread.tolist(), identities)
        tally = np.bincount(numbers[documents], minlength=_NO_SPEAKER + 1)
        tally[: _NO_SPEAKER + 1] = 0
        counted = np.flatnonzero(tally)
        ranked = counted[np.lexsort((self._key_order()[counted], -tally[counted]))].tolist()
        shown = self.shown_names(searcher, (self._keys[number] for number in ranked))
        return {shown[self._keys[number]]: int(tally[number]) for number in ranked}

    def _read(self, reader, documents: list[int], identities: Identities) -> None:
        column, numbers = reader.column_reader("speaker_key"), self._numbers
        with self._lock:
            for document in documents:
                if numbers[document] == _UNREAD:
                    numbers[document] = self._number(column[document], identities)

    def _key_order(self) -> np.ndarray:
        """Each identity number's place among the keys in sorted order, for ties of counts."""
        with self._lock:
            if len(self._order) != len(self._keys):
                places = sorted(range(len(self._keys)), key=self._keys.__getitem__)
                self._order = np.empty(len(self._keys), np.int64)
                self._order[places] = np.arange(len(self._keys))
            return self._order

    def _number(self, form: str, identities: Identities) -> int:
        if not form:
            return _NO_SPEAKER
        key = form if form == UNNAMED_KEY else identities.of(form).key
        if (number := self._by_key.get(key)) is None:
            number = self._by_key[key] = len(self._keys)
            self._keys.append(key)
        return number

    def shown_names(self, searcher, keys: Iterable[str]) -> Mapping[str, str]:
        """Speaker keys' names as the articles write them, each looked up once: a facet
        names thousands."""
        for key in keys:
            if key not in self._shown:
                self._shown[key] = searcher.document(speaker_key=key)["speaker"]
        return self._shown


def _index_speakers(searcher) -> _IndexSpeakers:
    reader = searcher.reader()
    state = _index_state(reader)
    with _STATES_LOCK:
        if (speakers := _SPEAKERS.get(state)) is None:
            speakers = _SPEAKERS[state] = _IndexSpeakers(reader.doc_count_all())
            while len(_SPEAKERS) > _STATES_KEPT:
                del _SPEAKERS[next(iter(_SPEAKERS))]
    return speakers


def _index_state(reader) -> tuple:
    """What names one unchanging state of the index, whichever reader sees it: its segments
    and how many documents each has deleted (deletions only grow)."""
    return tuple(
        (leaf.segment().segment_id(), leaf.segment().deleted_count())
        for leaf, _ in reader.leaf_readers()
    )


# States whose speakers are kept: a search on a state just replaced may still be running.
_STATES_KEPT = 2
_SPEAKERS: dict[tuple, _IndexSpeakers] = {}
_STATES_LOCK = threading.Lock()


def _suggest_query(searcher, text: str) -> str | None:
    """The query with each word the index does not know replaced by its closest known word."""
    corrector = searcher.corrector("quote_exact")
    replaced = text
    for word in set(_WORD.findall(text)):
        if word in SYNTAX_WORDS or _known(searcher, word):
            continue
        if suggestions := corrector.suggest(word.lower(), limit=1, maxdist=2):
            replaced = re.sub(rf"\b{re.escape(word)}\b", suggestions[0], replaced)
    return replaced if replaced != text else None


def _known(searcher, word: str) -> bool:
    stems = [token.text for token in text_analyzer()(word)]
    return not stems or any(
        searcher.doc_frequency(field, stem) for field in FIELD_WEIGHTS for stem in stems
    )


def _suggest_speakers(
    searcher, names: tuple[str, ...], identities: Identities
) -> dict[str, list[str]]:
    """For each --speaker that matches no one, the closest names of people who are quoted."""
    return {
        name: [_shown_name(searcher, key) for key in identities.closest(name_key(name))]
        for name in unknown_speakers(names, identities)
    }


def suggest_speakers(index_root: Path, names: tuple[str, ...]) -> dict[str, list[str]]:
    """For each of `names` that matches no one quoted, the closest names of people who are."""
    return read_index(
        index_root,
        lambda searcher: _suggest_speakers(searcher, names, speaker_identities(searcher)),
    )


def speaker_identities(searcher) -> Identities:
    """The corpus's speakers as identities (`search.identities`), from the speaker keys the
    index holds and how many live documents each has.

    Kept for each state of the index, which all its readers share (`_IndexSpeakers`): a server
    lends its readers to search after search, and a --speaker search spent most of its time
    reading them again.
    """
    return _index_speakers(searcher).identities(searcher)


def _read_identities(searcher) -> Identities:
    """Each segment's speaker keys with their document frequencies, read in one pass; a
    deleted document's key, which stays counted until segments merge, is taken off.

    Looking each key up, and counting a key's live documents one by one once an update had
    deleted any, took a --speaker search over a second at 20,000 articles.
    """
    counts: Counter[str] = Counter()
    for segment, _ in searcher.subsearchers or [(searcher, 0)]:
        reader = segment.reader()
        for text, info in reader.iter_field("speaker_key"):
            counts[text.decode("utf-8")] += info.doc_frequency()
        if reader.has_deletions():
            keys = reader.column_reader("speaker_key")
            for number in reader.deleted_docs_set:
                counts[keys[number]] -= 1
    return Identities(
        {key: count for key, count in counts.items() if count > 0 and key and key != UNNAMED_KEY}
    )


def _shown_name(searcher, key: str) -> str:
    """A speaker key's name as the articles write it."""
    return _index_speakers(searcher).shown_names(searcher, (key,))[key]


class ParsedQuery(NamedTuple):
    """A query as scored, and as matched: which documents it finds through their own text."""

    scored: Query  # every field, title included, with the adjacency bonuses
    own_text: Query  # OWN_TEXT_FIELDS for each word without a field; unscored, so no bonuses


def parse_query(text: str, schema) -> ParsedQuery:
    """Words, phrases, AND/OR/NOT, field:value and prefix*; a word without a field searches
    quote, body and title as scored, and only `OWN_TEXT_FIELDS` as matched.

    Parsed once for both: a parse of a 60-word query took 7 ms.
    """
    parser = _Parser(schema)
    try:
        grouped = parser.process(text)
        scored = grouped.query(parser) or NullQuery
        own_text = _own_text_nodes(grouped).query(parser) or NullQuery
    except QueryError:
        raise
    except Exception:  # Whoosh's own words (`list index out of range`) would not help
        raise QueryError(
            "cannot read the query: AND, OR and NOT go between words,"
            " and brackets and quote marks need closing"
        ) from None
    return ParsedQuery(
        _normalized(_with_query_frequency(_with_adjacency(scored))), _normalized(own_text)
    )


class _Parser(QueryParser):
    """Whoosh's parser over the searched fields, with quoted phrases that allow for their stop
    words and words that the analyzer splits read as their parts."""

    def __init__(self, schema) -> None:
        super().__init__(
            None,
            schema,
            # Plain OR: BM25 sums over the words a document holds, and neighbouring words add
            # the adjacency bonus. Whoosh's coordination factor (`OrGroup.factory`) was
            # measured to change nDCG@10 by under 0.002 while doubling query time, and it makes
            # Whoosh's top-N pruning score a document differently from one page to the next.
            group=OrGroup,
        )
        self.add_plugin(MultifieldPlugin(list(FIELD_WEIGHTS), FIELD_WEIGHTS, _spread))
        self.remove_plugin_class(PhrasePlugin)
        self.add_plugin(_SpacedPhrasePlugin())
        self.add_plugin(_SplitWordsPlugin())
        self.add_plugin(_QueryableFieldsPlugin())
        self.add_plugin(GtLtPlugin())

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        """A prefix or wildcard on a stemmed field keeps the letters the user wrote: Whoosh
        stemmed them (`running*` became `run*`), and `_expand_patterns` matches them against
        the words as written."""
        if termclass in (Prefix, Wildcard) and fieldname in STEMMED_FIELDS:
            return termclass(fieldname, fold(text), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def _spread(copies: list[syntax.SyntaxNode]) -> syntax.GroupNode:
    """A word without a field as its copies for each field (`MultifieldPlugin`), each marked
    as such: a field the user names (`title:vote`) is kept where only own text matches."""
    for node in copies:
        node.spread = True
    return syntax.OrGroup(copies)


def _own_text_nodes(group: syntax.GroupNode) -> syntax.GroupNode:
    """The parse without the copies of words spread over fields a document does not match
    through (`OWN_TEXT_FIELDS`)."""
    kept = group.empty_copy()
    for node in group:
        if isinstance(node, syntax.GroupNode):
            kept.append(_own_text_nodes(node))
        elif not getattr(node, "spread", False) or node.fieldname in OWN_TEXT_FIELDS:
            kept.append(node)
    return kept


class _QueryableFieldsPlugin(Plugin):
    """Refuse the fields that exist only for the index's own use (`source:`, `paragraph:`):
    searching them fails deep inside Whoosh, or matches nothing without saying why. Refuse
    ranges of words too (`[a to m]`): they mean nothing to a reader, and they run through
    the whole vocabulary, unbounded."""

    def filters(self, parser) -> list:
        return [(self.check, 101)]  # once field names are attached (100)

    def check(self, parser, group: syntax.GroupNode) -> syntax.GroupNode:
        for node in group:
            field = getattr(node, "fieldname", None)
            if isinstance(node, syntax.GroupNode):
                self.check(parser, node)
            elif field and field not in QUERYABLE_FIELDS:
                fields = ", ".join(f"{name}:" for name in QUERYABLE_FIELDS)
                raise QueryError(f"{field}: is not a field you can search; use one of {fields}")
            elif isinstance(node, syntax.RangeNode) and field != "date":
                raise QueryError("ranges compare dates only: write date:[2023-01-01 to 2023-06-30]")
        return group


class _SplitWordsPlugin(Plugin):
    """A word the analyzer cuts in several ("U.S.", "NATO-led", "Putin's") reads as its parts
    typed side by side, grouped: `U.S. AND troops` is `(U S) AND troops`.

    Each part matches on its own and the adjacency bonus ranks the parts found together first,
    as for any words typed side by side; Whoosh ORed the parts without the bonus.
    """

    def filters(self, parser) -> list:
        return [(self.split, 105)]  # once field names are attached (100), before fields spread

    def split(self, parser, group: syntax.GroupNode) -> syntax.GroupNode:
        rebuilt = group.empty_copy()
        for node in group:
            if isinstance(node, syntax.GroupNode):
                rebuilt.append(self.split(parser, node))
                continue
            parts = _word_parts(parser.schema, node) if type(node) is syntax.WordNode else []
            if len(parts) < 2:
                rebuilt.append(node)
                continue
            words = []
            for text, start, end in parts:
                word = syntax.WordNode(text).set_range(node.startchar + start, node.startchar + end)
                word.set_fieldname(node.fieldname)
                word.set_boost(node.boost)
                words.append(word)
            rebuilt.append(parser.group(words))
        return rebuilt


def _word_parts(schema, node: syntax.WordNode) -> list[tuple[str, int, int]]:
    """The words (stop words included) that the searched field's analyzer finds in `node`."""
    if node.fieldname is None:
        analyzer = text_analyzer()  # what every field the query spreads over uses
    elif keeps_positions(schema, node.fieldname):
        analyzer = schema[node.fieldname].analyzer
    else:
        return []
    tokens = analyzer(node.text, mode="query", chars=True, removestops=False)
    return [(node.text[t.startchar : t.endchar], t.startchar, t.endchar) for t in tokens]


class _SpacedPhrasePlugin(PhrasePlugin):
    """Quoted phrases whose words may stand as far apart as the query's stop words put them.

    The index leaves a gap where a stop word stood (`StopFilter(renumber=False)`): "far from
    home" holds "far" and "home" two places apart. Whoosh's own phrases want the words side by
    side, so a quoted phrase holding a stop word never matched.
    """

    class PhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser) -> Query:
            fieldname = self.fieldname or parser.fieldname
            if not keeps_positions(parser.schema, fieldname):
                phrase = super().query(parser)
                if len(getattr(phrase, "words", ())) > 1:
                    raise ValueError(f"{fieldname} keeps no word positions to match a phrase")
                return phrase
            words = _placed_words(parser.schema[fieldname], self.text)
            return attach(_spaced_phrase(fieldname, words, self.slop, self.boost), self)

    class PhraseTagger(RegexTagger):
        def create(self, parser, match) -> PhrasePlugin.PhraseNode:
            slop = int(match.group("slop") or 1)
            return _SpacedPhrasePlugin.PhraseNode(match.group("text"), match.start("text"), slop)


def _placed_words(field, text: str) -> list[tuple[str, int]]:
    """The indexed words of `text` with their positions, which count the stop words dropped."""
    return [(token.text, token.pos) for token in field.tokenize(text, mode="query", positions=True)]


def _spaced_phrase(fieldname: str, words: list[tuple[str, int]], slop: int, boost: float) -> Phrase:
    """The words in order, each within the widest gap between two of them, plus `slop` - 1."""
    gaps = [after - before for (_, before), (_, after) in pairwise(words)]
    return Phrase(
        fieldname, [word for word, _ in words], slop=max(gaps, default=1) + slop - 1, boost=boost
    )


def _with_adjacency(query: Query) -> Query:
    """Add to every OR group a phrase query for each pair of neighbouring plain words.

    Words the user wrote together usually name one thing ("south africa", "boundary layer");
    documents that keep them together rank above those that merely hold both. Needs the query
    before normalization, where stop words still hold their place as empty groups.
    """
    if not isinstance(query, CompoundQuery):
        return query
    rebuilt = copy.copy(query)
    rebuilt.subqueries = [_with_adjacency(child) for child in query.subqueries]
    if isinstance(query, Or):
        rebuilt.subqueries += _adjacent_pairs(rebuilt.subqueries)
    return rebuilt


def _with_query_frequency(query: Query) -> Query:
    """Merge the repeated clauses of every AND and OR group into one, boosted by their count.

    BM25 weighs a word by how often the query holds it (Lucene sums repeated clauses alike):
    a long query names its subject several times. Whoosh's normalization keeps one copy of each
    clause, which weighed every query word once.
    """
    if not isinstance(query, CompoundQuery):
        return query
    rebuilt = copy.copy(query)
    children = [_with_query_frequency(child) for child in query.subqueries]
    if type(query) not in (And, Or):
        rebuilt.subqueries = children
        return rebuilt
    counts: dict[Query, int] = {}
    for child in children:
        counts[child] = counts.get(child, 0) + 1
    rebuilt.subqueries = [
        child if count == 1 else child.with_boost(child.boost * count)
        for child, count in counts.items()
    ]
    return rebuilt


def _normalized(query: Query) -> Query:
    """Whoosh's `normalize()`, without its copying every word of the query.

    It merges each OR group nested in another into it, and copies every clause it moves up
    to multiply its boost by the group's, with a deep copy: a third of a long query's parse.
    The OR groups of one word's fields and of the adjacency bonuses hold only such clauses
    (`_MOVED_AS_THEY_ARE`) and have no boost of their own: moved up here first, they are left
    as they are, and `normalize()` gives the same query.
    """
    return _moved_up(query).normalize()


# Clauses whose normalized form does not depend on the OR group holding them, nor on its
# other clauses: no range, which merges with others, and no `Every`, which replaces them.
_MOVED_AS_THEY_ARE = (Term, Phrase, AdjacentPair, Prefix, Wildcard)


def _moved_up(query: Query) -> Query:
    """`query` with the clauses of OR groups inside OR groups moved up into the outer one,
    where normalizing it would move them (`_normalized`)."""
    if not isinstance(query, CompoundQuery):
        return query
    rebuilt = copy.copy(query)
    rebuilt.subqueries = [_moved_up(child) for child in query.subqueries]
    if type(query) is Or:
        rebuilt.subqueries = [
            clause
            for child in rebuilt.subqueries
            for clause in (child.subqueries if _merges_unchanged(child) else [child])
        ]
    return rebuilt


def _merges_unchanged(query: Query) -> bool:
    """Whether normalizing an OR group holding `query` moves its clauses up unchanged."""
    return (
        type(query) is Or
        and query.boost == 1.0
        and all(type(clause) in _MOVED_AS_THEY_ARE for clause in query.subqueries)
    )


def _adjacent_pairs(children: list[Query]) -> list[Query]:
    """Phrase queries, per field, for consecutive plain words among an OR group's `children`.

    Stop words between two words widen the allowed distance by their number (the index keeps
    their positions); anything other than a plain word or stop word breaks the sequence.
    """
    pairs: list[Query] = []
    previous: dict[str, Term] | None = None
    gap = 0
    for child in children:
        if isinstance(child, CompoundQuery) and not child.subqueries:  # a stop word
            gap += 1
            continue
        current = _plain_word(child)
        if previous and current:
            pairs.append(
                Or(
                    [
                        AdjacentPair(
                            field,
                            [previous[field].text, term.text],
                            slop=gap + 1,
                            boost=term.boost * ADJACENCY_BONUS,
                        )
                        for field, term in current.items()
                        if field in previous
                    ]
                )
            )
        previous, gap = current, 0
    return pairs


def _plain_word(query: Query) -> dict[str, Term] | None:
    """The per-field terms of one query word as the parser spreads it over the fields, or None."""
    if not isinstance(query, Or) or not query.subqueries:
        return None
    terms = query.subqueries
    if not all(isinstance(term, Term) for term in terms) or len({t.text for t in terms}) != 1:
        return None
    return {term.fieldname: term for term in terms}


def apply_exclusions(query: Query) -> Query:
    """Make `a b NOT c` mean "a or b, but never c", as in Lucene and web search engines.

    Whoosh's OR grouping reads it as "a or b or anything without c", which matches nearly
    every document.
    """
    if not isinstance(query, CompoundQuery):
        return query
    rebuilt = copy.copy(query)
    rebuilt.subqueries = [apply_exclusions(child) for child in query.subqueries]
    if isinstance(query, Or):
        excluded = [child.query for child in rebuilt.subqueries if isinstance(child, Not)]
        rebuilt.subqueries = [child for child in rebuilt.subqueries if not isinstance(child, Not)]
        if excluded and rebuilt.subqueries:
            return AndNot(rebuilt, Or(excluded))
        rebuilt.subqueries += [Not(child) for child in excluded]
    return rebuilt


def speaker_filter(names: tuple[str, ...], identities: Identities) -> Query | None:
    """Quotes by any of `names`, each matched on whole name parts, case- and accent-blind, and
    by every other form of the identities they name: `Barack Obama` finds `Obama` too."""
    if not names:
        return None
    forms = speaker_forms(names, identities)
    return Or([Term("speaker_key", form) for form in sorted(forms)]) if forms else NullQuery


def _expand_patterns(query: Query, reader) -> tuple[Query, tuple[str, ...]]:
    """`query` with each prefix and wildcard replaced by the words it stands for, and the
    patterns that stood for more than `MAX_EXPANSIONS` words (the most frequent were kept).

    On a stemmed field the pattern is matched against the words as written and searched as
    their stems: Porter2 stems `immigration` to `immigr`, which `immigra*` would never match.
    """
    expansions: dict[tuple[str, str], tuple[list[str], bool]] = {}
    cut: list[str] = []

    def expand(leaf: Query) -> Query:
        pattern = _pattern_of(leaf)
        if pattern is None:
            return leaf
        field = leaf.field()
        vocabulary = "written" if field in STEMMED_FIELDS else field
        if (vocabulary, pattern) not in expansions:
            # Stop words are never searched: they must not take the places of words that are.
            skipped = TEXT_STOP_WORDS if field in STEMMED_FIELDS else frozenset()
            expansions[vocabulary, pattern] = _expansion(reader, vocabulary, pattern, skipped)
            if expansions[vocabulary, pattern][1]:
                cut.append(pattern)
        words, _ = expansions[vocabulary, pattern]
        if field in STEMMED_FIELDS:
            words = sorted({token.text for word in words for token in text_analyzer()(word)})
        terms = [Term(field, word, boost=leaf.boost) for word in words]
        return Or(terms) if terms else NullQuery

    return _replace_leaves(query, expand), tuple(cut)


def _pattern_of(leaf: Query) -> str | None:
    """The wildcard pattern a leaf stands for (`immigra*`, `im*ra`, `*`), or None for a word."""
    if isinstance(leaf, Prefix):
        return f"{leaf.text}*"
    if isinstance(leaf, Wildcard):
        return leaf.text
    if isinstance(leaf, Every) and leaf.fieldname:
        return "*"
    return None


def _expansion(reader, field: str, pattern: str, skipped: frozenset[str]) -> tuple[list[str], bool]:
    """The `MAX_EXPANSIONS` most frequent words of `field` matching `pattern`, leaving out
    `skipped`, and whether there were more."""
    if field not in reader.schema:
        return [], False
    prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
    matcher = re.compile(fnmatch.translate(pattern))
    found = [
        (info.doc_frequency(), word)
        for text, info in reader.iter_prefix(field, prefix)
        if matcher.match(word := text.decode("utf-8")) and word not in skipped
    ]
    kept = heapq.nlargest(MAX_EXPANSIONS, found)
    return [word for _, word in kept], len(found) > len(kept)


def _replace_leaves(query: Query, replace: Callable[[Query], Query]) -> Query:
    """`query` with `replace` applied to every leaf, through any kind of query around it
    (OR, AND, AND NOT, NOT)."""
    if query.is_leaf():
        return replace(query)
    return query.apply(lambda child: _replace_leaves(child, replace))


def read_index(index_root: Path, action: Callable[..., T], weighting=None) -> T:
    """Run `action(searcher)` on the live index, retrying what a concurrent update can cause.

    An update may replace segment files or a whole generation while a search opens them; the
    search then opens the index again and sees the new state. Only a failure that persists is
    reported, as a damaged index.
    """
    for attempt in range(RETRIES):
        try:
            with searching(index_root, weighting, reopen=attempt > 0) as searcher:
                return action(searcher)
        except Exception as error:
            if not _unreadable(error):
                raise
            if attempt == RETRIES - 1:
                if isinstance(error, IndexDamaged):
                    raise
                raise IndexDamaged(
                    f"the index in {folder(index_root)} cannot be read ({type(error).__name__}): "
                    "run `search index --rebuild`"
                ) from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _unreadable(error: Exception) -> bool:
    """Whether `error` says index files vanished or are cut short, rather than a bug of ours."""
    return isinstance(error, IndexDamaged | OSError | EOFError) or raised_by_whoosh(error)


def _highlight_terms(query: Query) -> dict[str, set[str]]:
    """The indexed words a snippet may show as matches, by field (prefixes are expanded).

    Walks the query's leaves itself: Whoosh's `existing_terms` left out whole fields here.
    """
    terms: dict[str, set[str]] = {}
    for leaf in query.leaves():
        if (field := leaf.field()) in SNIPPET_SOURCES:
            terms.setdefault(field, set()).update(text for _, text in leaf.iter_all_terms())
    return terms


def _hit(
    searcher, numbers: list[int], score: float | None, matched: dict, snippet_chars: int
) -> Hit:
    """The hit for a group of copies (`numbers`, in corpus order)."""
    return hit_of(
        [searcher.stored_fields(number) for number in numbers],
        round(score, 4) if score is not None else None,
        lambda field, text: _matches(text, matched.get(field, set())),
        any(matched.values()),
        snippet_chars,
    )


def _matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in `text` whose indexed form is one of `terms`.

    Matched parts of one written word ("U.S.", "NATO-led") make one span, not several. A single
    letter alone is no match: `U.S.` searches for `u` and `s`, and the `s` of every possessive
    ("Russia’s") would light up.
    """
    if not terms:
        return []
    spans: list[tuple[int, int]] = []
    for token in text_analyzer()(text, chars=True, removestops=False):
        if token.text not in terms:
            continue
        if spans and _INNER_PUNCTUATION.fullmatch(text, spans[-1][1], token.startchar):
            spans[-1] = (spans[-1][0], token.endchar)
        else:
            spans.append((token.startchar, token.endchar))
    return [(start, end) for start, end in spans if end - start > 1 or not text[start].isalpha()]


def iter_quotes(
    index_root: Path, speakers: tuple[str, ...] = (), min_confidence: float | None = None
) -> list[Record]:
    """Every indexed quotation in corpus order, optionally only those by `speakers` and only
    those whose speaker is at least `min_confidence` likely to be right."""
    quotes = Term("kind", "quote")
    check_speakers(speakers)

    def collect(searcher) -> list[dict]:
        """Stored fields in document order, which within an article is reading order."""
        query = quotes
        if speakers:
            query = And([quotes, speaker_filter(speakers, speaker_identities(searcher))])
        return [searcher.stored_fields(number) for number in sorted(searcher.docs_for_query(query))]

    stored = sorted(
        read_index(index_root, collect), key=lambda fields: (fields["source"], fields["position"])
    )
    records = [record_of(fields) for fields in stored]
    if min_confidence is None:
        return records
    return [r for r in records if r.confidence is not None and r.confidence >= min_confidence]


def wording_candidates(index_root: Path, words: str, limit: int) -> list[Record]:
    """Documents sharing the most words with `words`, as written or stemmed, best first.

    The words are plain text here, never query syntax: a quotation may hold `AND` or `*`.
    """
    exact = [Term("quote_exact", token.text) for token in exact_analyzer()(words)]
    stemmed = [
        Term(field, token.text) for token in text_analyzer()(words) for field in ("body", "title")
    ]
    if not exact:
        raise QueryError("give the words to verify")
    query = AndNot(Or(exact + stemmed), bookkeeping())

    def collect(searcher) -> list[dict]:
        return [hit.fields() for hit in searcher.search(query, limit=limit)]

    return [record_of(fields) for fields in read_index(index_root, collect, StandardIdfBM25F())]


def get_record(index_root: Path, document_id: str) -> Record | None:
    """The indexed document with this id (as hits and `search quotes` show it), if any."""

    def lookup(searcher) -> dict | None:
        found = searcher.document(id=document_id)
        return None if found is None or found.get("kind") == FILE_KIND else found

    fields = read_index(index_root, lookup)
    return record_of(fields) if fields else None


def speaker_summaries(index_root: Path) -> list[SpeakerSummary]:
    """Every quoted person, most quoted first, with roles and the forms of the name merged:
    within articles (`Lavrov` for Sergey Lavrov) and across them (`search.identities`)."""
    return summarise_speakers(iter_quotes(index_root), read_index(index_root, speaker_identities))


def copies_of(index_root: Path, document_id: str) -> list[Record]:
    """Every document carrying the same quotation by the same speaker as this one (as a hit
    counts its copies), in corpus order; none for an unknown id."""

    def collect(searcher) -> list[dict]:
        number = searcher.document_number(id=document_id)
        if number is None:
            return []
        keys = Ranker(searcher, None).column("quote_key")
        if not (key := keys[number]):
            return [searcher.stored_fields(number)]
        return [searcher.stored_fields(other) for other, value in enumerate(keys) if value == key]

    return [record_of(fields) for fields in read_index(index_root, collect)]
