"""What a search asks of an engine, and the checks every engine makes of it alike.

The command line and the web layer build a `SearchRequest`; each engine answers it its own
way. Limits, sorts, facets, dates and speaker names are checked here, once, so that a bad
request gets the same one-line error from every engine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search.engine.keys import day_number, name_key
from search.errors import QueryError, shown

if TYPE_CHECKING:
    from search.identities import Identities

DEFAULT_SNIPPET_CHARS = 240
# The longest query a search takes, in words and in characters: every word is looked up in
# three fields and paired with its neighbour, and 10,000 words took 9 s. Longer is refused.
MAX_QUERY_WORDS = 100
MAX_QUERY_CHARS = 1000
# The most words a prefix or wildcard expands to (the most frequent), as Lucene bounds its
# clauses and Elasticsearch its max_expansions: `a*` would otherwise score every word in `a`.
MAX_EXPANSIONS = 100
SORTS = ("relevance", "date", "-date")
FACETS = ("speaker", "year", "month")
FEW_HITS = 3  # fewer hits than this, and the query's unknown words get a suggestion
# The fields a query may name (`speaker:lavrov`); every other field exists for the index's own use.
QUERYABLE_FIELDS = ("quote", "body", "title", "speaker", "role", "date")

_ISO_DATE = re.compile(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")
_RANGE_TO = re.compile(r"\s+to\s+|^to\s+|\s+to$", re.IGNORECASE)
_DATE_CLAUSE = re.compile(r"\bdate:\s*(\[[^\]]*\]|\{[^}]*\}|[<>]=?\s*\S+|\S+)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# `<` and `>` compare dates (`date:>2023-01-01`); anywhere else they are punctuation.
_STRAY_COMPARISON = re.compile(r"(?<!date:)(?<!date:[<>])[<>]", re.IGNORECASE)


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked for, independent of how the engine answers it."""

    query: str
    speakers: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 10
    page: int = 1
    sort: str = "relevance"  # one of SORTS
    facets: tuple[str, ...] = ()  # each one of FACETS
    group: bool = True  # one hit for a quotation however many articles carry it
    include_undated: bool = False  # with --since/--until, keep hits that have no date
    snippet_chars: int = DEFAULT_SNIPPET_CHARS


def day_range(request: SearchRequest) -> tuple[int, int] | None:
    """--since and --until as an inclusive range of day numbers, or None without either."""
    if request.since and request.until and request.since > request.until:
        raise _reversed_dates(f"--since {request.since} --until {request.until}")
    if not request.since and not request.until:
        return None
    start = day_number(request.since) if request.since else 0
    end = day_number(request.until) if request.until else day_number(dt.date.max)
    return start, end


def _reversed_dates(written: str) -> QueryError:
    """One error for a date range that ends before it starts, however it was written: such a
    range holds nothing, and silently finding nothing would look like an answer."""
    return QueryError(f"{written}: the range ends before it starts")


def check(request: SearchRequest) -> None:
    """Refuse what no engine should try: overlong queries, bad limits, sorts and facets."""
    if len(request.query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(request.query)} characters long: a search takes at most"
            f" {MAX_QUERY_CHARS}, so shorten it"
        )
    if (words := len(request.query.split())) > MAX_QUERY_WORDS:
        raise QueryError(
            f"the query has {words} words: a search takes at most {MAX_QUERY_WORDS}, so shorten it"
        )
    if request.limit < 1:
        raise QueryError(f"--limit must be at least 1, not {request.limit}")
    if request.page < 1:
        raise QueryError(f"--page must be at least 1, not {request.page}")
    if request.sort not in SORTS:
        raise QueryError(f"--sort must be one of {', '.join(SORTS)}, not {request.sort!r}")
    for facet in request.facets:
        if facet not in FACETS:
            raise QueryError(f"--facet must be one of {', '.join(FACETS)}, not {facet!r}")
    check_speakers(request.speakers)


def speaker_key(name: str) -> str:
    """The name key a `--speaker` name is looked up by; a name holding no words is refused."""
    if not (key := name_key(name)):
        raise QueryError(f"--speaker {shown(name)} holds no name")
    return key


def check_speakers(names: Iterable[str]) -> None:
    """Refuse a `--speaker` name holding no name, before any engine looks for it."""
    for name in names:
        speaker_key(name)


def speaker_forms(names: Iterable[str], identities: Identities) -> set[str]:
    """Every form of every identity the `--speaker` names refer to, which each engine filters
    on (`Barack Obama` finds `Obama` too): none when they name no one quoted."""
    return set().union(*(identities.claimed_by(speaker_key(name)) for name in names))


def unknown_speakers(names: Iterable[str], identities: Identities) -> list[str]:
    """The `--speaker` names that refer to no one quoted: the closest names are suggested."""
    return [name for name in names if not identities.claimed_by(speaker_key(name))]


def clean_query(text: str) -> str:
    """Drop control characters and stray `<`/`>`, and turn the dates of `date:` clauses into
    index day numbers."""
    text = _STRAY_COMPARISON.sub(_drop_comparison, _CONTROL.sub(" ", text)).strip()
    return _DATE_CLAUSE.sub(lambda match: "date:" + _day_numbers(match.group(1)), text)


def _drop_comparison(match: re.Match) -> str:
    """A stray `<` or `>` goes; after a field's colon nothing is left in its place, so the
    field still reads as one (`role:>x` is `role:x`)."""
    return "" if match.string[match.start() - 1 : match.start()] == ":" else " "


def _day_numbers(clause: str) -> str:
    """`2023-02-06` → `20230206`; a year or month → the range of its days; `>2023` → after it.

    The index keeps dates as YYYYMMDD numbers, so ranges and comparisons are numeric (Whoosh's
    own date parsing widens ISO dates in ranges to whole years).
    """
    if clause[0] in "[{":
        closing = "]" if clause[0] == "[" else "}"
        if clause[-1] != closing:
            raise QueryError(
                f"a date range opened with {clause[0]} has no closing {closing}:"
                " write date:[2023-01-01 to 2023-06-30]"
            )
        low, high = ([*_RANGE_TO.split(clause[1:-1].strip(), maxsplit=1), ""])[:2]
        exclusive = clause[0] == "{"  # {2023 to 2025}: after all of 2023, before all of 2025
        start = _day_number(low, last=exclusive) if low else None
        end = _day_number(high, last=not exclusive) if high else None
        if low and high and _day_number(low, last=False) > _day_number(high, last=True):
            raise _reversed_dates(f"date:{clause}")
        shown_start = f"{start} " if start is not None else ""
        shown_end = f" {end}" if end is not None else ""
        return f"{clause[0]}{shown_start}to{shown_end}{closing}"
    if match := re.fullmatch(r"([<>]=?)\s*(\S+)", clause):
        operator, value = match.groups()
        # After a month is after its last day, up to and including it too; before it, its first.
        return f"{operator}{_day_number(value, last=operator in ('>', '<='))}"
    return f"[{_day_number(clause, last=False)} to {_day_number(clause, last=True)}]"


def _day_number(value: str, *, last: bool) -> int:
    """The first (or last) day of an ISO year, month or date, as a YYYYMMDD number."""
    match = _ISO_DATE.fullmatch(value.strip())
    if not match:
        raise QueryError(f"cannot read the date {shown(value.strip())}: write dates as YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        first = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise QueryError(f"there is no date {shown(value.strip())}") from None
    if not last or day:
        return day_number(first)
    if month:
        following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return day_number(following - dt.timedelta(days=1))
    return day_number(dt.date(first.year, 12, 31))
