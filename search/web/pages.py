"""What the pages show beyond the package's own records: links that keep a page's state in
its URL, and the month timeline's bars. Plain data for the templates, which escape it all."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

from starlette.datastructures import QueryParams

TIMELINE_HEIGHT = 60
TIMELINE_MONTH = 12  # the width a month takes in the SVG's units: its bar, then a gap
TIMELINE_GAP = 2
# The fewest months a timeline spans, the later ones empty: one month alone would be one bar
# as wide as the page.
TIMELINE_MONTHS = 12
LINKABLE_SCHEMES = ("http", "https")


def url_with(path: str, params: QueryParams, **changes: str | list[str] | None) -> str:
    """`path` with the request's parameters, some changed: a value replaces a parameter, a
    list replaces all its values, None drops it. Any change but of the page goes back to the
    first page, since the hits it counted are no longer those."""
    kept = [(name, value) for name, value in params.multi_items() if name not in changes]
    if "page" not in changes:
        kept = [(name, value) for name, value in kept if name != "page"]
    for name, value in changes.items():
        if isinstance(value, list):
            kept += [(name, item) for item in value]
        elif value is not None:
            kept.append((name, value))
    query = "&".join(f"{_encoded(name)}={_encoded(value)}" for name, value in kept if value)
    return f"{path}?{query}" if query else path


# A URL's parameter, encoded as `urlencode` does; a page repeats its own in every link it
# makes (a facet value's, a timeline bar's), a hundred links or more.
_encoded = functools.lru_cache(maxsize=4096)(quote_plus)


def quote_path(document_id: str, *, api: bool = False) -> str:
    """A document's page, or its JSON twin: ids hold `#` and `/`, which the path escapes."""
    return ("/api/quotes/" if api else "/quote/") + quote(document_id, safe="")


def speaker_path(name: str) -> str:
    return "/speakers/" + quote(name, safe="")


def safe_link(url: str | None) -> str | None:
    """An article's address as a link only when it is a web address: a `javascript:` or
    `data:` one from a hostile file is shown as text, never followed."""
    if not url:
        return None
    try:
        return url if urlsplit(url).scheme.lower() in LINKABLE_SCHEMES else None
    except ValueError:
        return None


def month_range(month: str) -> tuple[str, str]:
    """`2024-03` as the first and last days of the month, the since and until that narrow to it."""
    year, number = int(month[:4]), int(month[5:7])
    last = calendar.monthrange(year, number)[1]
    return f"{month}-01", f"{month}-{last:02d}"


def year_range(year: str) -> tuple[str, str]:
    return f"{year}-01-01", f"{year}-12-31"


@dataclass(frozen=True)
class Bar:
    """One month of a timeline: where its bar stands in the SVG, its count and its link."""

    month: str
    count: int
    x: int
    y: int
    width: int
    height: int
    href: str


@dataclass(frozen=True)
class Timeline:
    bars: tuple[Bar, ...]
    width: int
    height: int
    first: str
    last: str


def timeline(path: str, params: QueryParams, months: dict[str, int]) -> Timeline | None:
    """Hits per month as bars, every month from the first to the last and at least
    `TIMELINE_MONTHS` (a month without hits has no bar but keeps its place), each a link
    narrowing the page to that month."""
    if not months:
        return None
    known = sorted(months)
    start = dt.date.fromisoformat(f"{known[0]}-01")
    end = dt.date.fromisoformat(f"{known[-1]}-01")
    largest = max(months.values())
    bars, position, month, label = [], 0, start, known[0]
    while month <= end or position < TIMELINE_MONTHS * TIMELINE_MONTH:
        label = month.isoformat()[:7]
        if count := months.get(label, 0):
            since, until = month_range(label)
            height = max(2, round(TIMELINE_HEIGHT * count / largest))
            bars.append(
                Bar(
                    month=label,
                    count=count,
                    x=position,
                    y=TIMELINE_HEIGHT - height,
                    width=TIMELINE_MONTH - TIMELINE_GAP,
                    height=height,
                    href=url_with(path, params, since=since, until=until),
                )
            )
        position += TIMELINE_MONTH
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return Timeline(tuple(bars), position, TIMELINE_HEIGHT, known[0], label)
