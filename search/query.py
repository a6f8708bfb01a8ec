"""Querying the Whoosh index: parsing, filtering, ranking, and engine-free hits with highlights.

Ranking is BM25F with the standard BM25 idf and OR grouping that rewards matching more query
words (see the project notes on Whoosh's AND-by-default parser). A quotation document carries
its words in `quote`, narrative paragraphs theirs in `body`, and `quote` is weighted higher, so
a quotation outranks a narrative paragraph that matches equally well.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import pickle
import re
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.qparser import GtLtPlugin, MultifieldParser, OrGroup
from whoosh.query import (
    And,
    AndNot,
    CompoundQuery,
    DateRange,
    Every,
    Not,
    NullQuery,
    Or,
    Query,
    Term,
)

from search.index import (
    FILE_KIND,
    IndexDamaged,
    bookkeeping,
    build_schema,
    exact_analyzer,
    open_index,
    text_analyzer,
)
from search.model import Hit, Record, SearchResult, SpeakerSummary

FIELD_WEIGHTS = {"quote": 2.0, "body": 1.0, "title": 1.0}
MATCH_MORE_BONUS = 0.9
DEFAULT_SNIPPET_CHARS = 240
RETRIES = 5
# What Whoosh raises on files that vanish or are cut short under it.
UNREADABLE = (
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    whoosh_index.IndexError,
    IndexDamaged,
)
# Where a snippet is cut from, in order of preference: each searched field and the stored text
# that shows it (`body` indexes a paragraph's narrative; `paragraph` stores the whole paragraph).
SNIPPET_SOURCES = {"quote": "quote", "body": "paragraph"}

_ISO_DATE = re.compile(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")
_DATE_CLAUSE = re.compile(r"\bdate:\s*(\[[^\]]*\]|\{[^}]*\}|[<>]=?\s*\S+|\S+)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

T = TypeVar("T")


class QueryError(Exception):
    """A query or filter this program cannot use; the message says why in one line."""


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked for, independent of how the engine answers it."""

    query: str
    speakers: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 10
    snippet_chars: int = DEFAULT_SNIPPET_CHARS


class StandardIdfBM25F(scoring.BM25F):
    """BM25F with the usual BM25 idf, log(1 + (N - df + 0.5) / (df + 0.5)).

    Whoosh's own idf, log(N / (df + 1)) + 1, flattens the difference between rare and common
    words; the standard form ranked better on the relevance collections measured here.
    """

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        frequency = parent.doc_frequency(fieldname, text)
        count = parent.doc_count()
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


def search(index_root: Path, request: SearchRequest) -> SearchResult:
    """Ranked hits for `request`, with snippets of at most `request.snippet_chars` characters."""
    if request.limit < 1:
        raise QueryError(f"--limit must be at least 1, not {request.limit}")
    text = clean_query(request.query)
    filters = _filters(request)
    if not text and not filters:
        raise QueryError("empty query: give words to search for, or a --speaker or date filter")
    parsed = apply_exclusions(parse_query(text, build_schema())) if text else Every()
    if parsed is NullQuery:
        if not filters:
            raise QueryError(
                f"nothing to search for in {request.query!r}: it holds only very common words"
            )
        parsed = Every()

    condition = And(filters) if filters else None
    # Everything that matches, unscored, for the total: Whoosh's own len(results) counts
    # documents its filter and mask excluded.
    matching = AndNot(And([parsed, condition]) if condition else parsed, bookkeeping())

    def run(searcher) -> SearchResult:
        results = searcher.search(parsed, limit=request.limit, filter=condition, mask=bookkeeping())
        terms = _highlight_terms(parsed, searcher)
        hits = tuple(_hit(hit, terms, request.snippet_chars) for hit in results)
        return SearchResult(request.query, _count(searcher, matching), hits)

    return read_index(index_root, run, weighting=StandardIdfBM25F())


def clean_query(text: str) -> str:
    """Drop control characters and turn ISO dates in `date:` clauses into the form Whoosh reads."""
    text = _CONTROL.sub(" ", text).strip()
    return _DATE_CLAUSE.sub(lambda match: "date:" + _engine_dates(match.group(1)), text)


def _engine_dates(clause: str) -> str:
    """`2023-01-05` → `20230105` (Whoosh widens ISO dates to whole years); anything else fails."""
    for value in re.findall(r"[^\s\[\]{}<>=]+", clause):
        if value.lower() != "to" and not _real_date(value):
            raise QueryError(f"cannot read the date {value!r}: write dates as YYYY-MM-DD")
    return _ISO_DATE.sub(lambda match: "".join(part for part in match.groups() if part), clause)


def _real_date(value: str) -> bool:
    """A year, year-month or full date in ISO form that exists in the calendar."""
    match = _ISO_DATE.fullmatch(value)
    if not match:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def parse_query(text: str, schema) -> Query:
    """Words, phrases, AND/OR/NOT, field:value and prefix* over quote, body and title."""
    parser = MultifieldParser(
        list(FIELD_WEIGHTS),
        schema,
        fieldboosts=FIELD_WEIGHTS,
        group=OrGroup.factory(MATCH_MORE_BONUS),
    )
    parser.add_plugin(GtLtPlugin())
    try:
        return parser.parse(text)
    except Exception as error:  # Whoosh raises bare Exception for some bad field values
        raise QueryError(f"cannot read the query {text!r}: {error}") from None


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


def speaker_filter(names: tuple[str, ...]) -> Query | None:
    """Quotes by any of `names`, each matched on whole name parts, case- and accent-blind."""
    alternatives = []
    for name in names:
        parts = [Term("speaker", token.text) for token in exact_analyzer()(name)]
        if not parts:
            raise QueryError(f"--speaker {name!r} holds no name")
        alternatives.append(And(parts) if len(parts) > 1 else parts[0])
    if not alternatives:
        return None
    return Or(alternatives) if len(alternatives) > 1 else alternatives[0]


def _filters(request: SearchRequest) -> list[Query]:
    filters: list[Query] = []
    speakers = speaker_filter(request.speakers)
    if speakers is not None:
        filters.append(speakers)
    if request.since and request.until and request.since > request.until:
        raise QueryError(f"--since {request.since} is after --until {request.until}")
    if request.since or request.until:
        start = dt.datetime.combine(request.since, dt.time.min) if request.since else None
        end = dt.datetime.combine(request.until, dt.time.max) if request.until else None
        filters.append(DateRange("date", start, end))
    return filters


def read_index(index_root: Path, action: Callable[..., T], weighting=None) -> T:
    """Run `action(searcher)` on the live index, retrying what a concurrent update can cause.

    An update may replace segment files or a whole generation while a search opens them; the
    search then opens the index again and sees the new state. Only a failure that persists is
    reported, as a damaged index.
    """
    for attempt in range(RETRIES):
        try:
            index = open_index(index_root)
            with index.searcher(**({"weighting": weighting} if weighting else {})) as searcher:
                return action(searcher)
        except UNREADABLE as error:
            if attempt == RETRIES - 1:
                raise IndexDamaged(
                    f"the index in {index_root} cannot be read ({type(error).__name__}): "
                    "run `search index --rebuild`"
                ) from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _count(searcher, query: Query) -> int:
    return sum(1 for _ in searcher.docs_for_query(query))


def _highlight_terms(query: Query, searcher) -> dict[str, set[str]]:
    """The indexed words a snippet may show as matches, by field, prefixes expanded."""
    terms: dict[str, set[str]] = {}
    for fieldname, text in query.existing_terms(searcher.reader(), expand=True):
        if fieldname in SNIPPET_SOURCES:
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            terms.setdefault(fieldname, set()).add(word)
    return terms


def _hit(hit, matched: dict[str, set[str]], snippet_chars: int) -> Hit:
    fields = hit.fields()
    candidates = [
        (text, _matches(text, matched.get(name, set())))
        for name, stored in SNIPPET_SOURCES.items()
        if (text := fields.get(stored))
    ]
    text, spans = max(candidates, key=lambda pair: len(pair[1]), default=("", []))
    snippet, highlights = make_snippet(text, spans, snippet_chars)
    return Hit(
        id=fields["id"],
        kind=fields["kind"],
        score=round(hit.score, 4),
        speaker=fields.get("speaker"),
        role=fields.get("role"),
        date=_date(fields.get("date")),
        quote=fields.get("quote"),
        snippet=snippet,
        highlights=highlights,
        title=fields.get("title", ""),
        source=fields["source"],
    )


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in `text` whose indexed form is one of `terms`."""
    if not terms:
        return []
    return [
        (token.startchar, token.endchar)
        for token in text_analyzer()(text, chars=True, removestops=False)
        if token.text in terms
    ]


def make_snippet(
    text: str, spans: list[tuple[int, int]], limit: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The `limit`-character window of `text` holding the most matches, cut at word boundaries."""
    if len(text) <= limit:
        return text, tuple(spans)
    best_start = 0
    if spans:
        best_count = -1
        for first, _ in spans:
            begin = max(0, first - limit // 4)
            count = sum(1 for s, e in spans if s >= begin and e <= begin + limit)
            if count > best_count:
                best_start, best_count = begin, count
    start = best_start
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + limit // 2 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = tuple((s + shift, e + shift) for s, e in spans if s >= start and e <= end)
    return f"{prefix}{text[start:end]}{suffix}", kept


def iter_quotes(index_root: Path, speakers: tuple[str, ...] = ()) -> list[Record]:
    """Every indexed quotation in corpus order, optionally only those by `speakers`."""
    quotes = Term("kind", "quote")
    query = And([quotes, speaker_filter(speakers)]) if speakers else quotes

    def collect(searcher) -> list[dict]:
        """Stored fields in document order, which within an article is reading order."""
        return [searcher.stored_fields(number) for number in sorted(searcher.docs_for_query(query))]

    stored = sorted(
        read_index(index_root, collect), key=lambda fields: (fields["source"], fields["position"])
    )
    return [_record(fields) for fields in stored]


def get_record(index_root: Path, document_id: str) -> Record | None:
    """The indexed document with this id (as hits and `search quotes` show it), if any."""

    def lookup(searcher) -> dict | None:
        found = searcher.document(id=document_id)
        return None if found is None or found.get("kind") == FILE_KIND else found

    fields = read_index(index_root, lookup)
    return _record(fields) if fields else None


def _record(fields: dict) -> Record:
    return Record(
        id=fields["id"],
        kind=fields["kind"],
        speaker=fields.get("speaker"),
        role=fields.get("role"),
        aliases=tuple(fields.get("aliases") or ()),
        date=_date(fields.get("date")),
        quote=fields.get("quote"),
        paragraph=fields.get("paragraph", ""),
        title=fields.get("title", ""),
        source=fields["source"],
    )


def speaker_summaries(index_root: Path) -> list[SpeakerSummary]:
    """Every quoted speaker, most quoted first, with roles and merged forms of the name."""
    by_name: dict[str, list[Record]] = {}
    for quote in iter_quotes(index_root):
        by_name.setdefault(quote.speaker, []).append(quote)
    summaries = []
    for name, quotes in by_name.items():
        dates = [quote.date for quote in quotes if quote.date]
        summaries.append(
            SpeakerSummary(
                name=name,
                quotes=len(quotes),
                roles=tuple(sorted({quote.role for quote in quotes if quote.role})),
                aliases=tuple(sorted({alias for quote in quotes for alias in quote.aliases})),
                first_date=min(dates, default=None),
                last_date=max(dates, default=None),
            )
        )
    return sorted(summaries, key=lambda summary: (-summary.quotes, summary.name))
