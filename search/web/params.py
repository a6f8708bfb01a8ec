"""Reading a request's parameters into what the package's functions take, or one clear error.

Every parameter is a string from a URL a stranger may have written: each is checked against
the names a route takes, its size and its form before anything is looked up. No parameter
names a file or a path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from starlette.datastructures import QueryParams

from search.engine.request import FACETS, MAX_QUERY_CHARS, MAX_QUERY_WORDS, SearchRequest

MAX_LIMIT = 100  # hits a page; more is paging
MAX_PAGE = 1000
MAX_SPEAKERS = 10
DEFAULT_LIMIT = 10

SEARCH_PARAMETERS = (
    "q", "speaker", "since", "until", "include_undated", "sort", "facet", "page", "limit", "group",
)  # fmt: skip
SPEAKER_PARAMETERS = ("since", "until", "page")
VERIFY_PARAMETERS = ("text",)

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class BadParameter(ValueError):
    """A parameter a route cannot use; the message says which and why, in one line."""


def checked(params: QueryParams, allowed: Iterable[str]) -> dict[str, list[str]]:
    """The request's parameters by name, empty values dropped (an empty form field is no
    filter), after refusing names the route does not take and values over the size limit.

    The query itself is measured by `search`, which says so in the command line's words.
    """
    allowed = tuple(allowed)
    values: dict[str, list[str]] = {}
    for name, value in params.multi_items():
        if name not in allowed:
            known = f"use {', '.join(allowed)}" if allowed else "this address takes none"
            raise BadParameter(f"unknown parameter {name[:40]!r}: {known}")
        if name != "q" and len(value) > MAX_QUERY_CHARS:
            raise BadParameter(
                f"{name} is {len(value)} characters long: at most {MAX_QUERY_CHARS}, so shorten it"
            )
        if value.strip():
            values.setdefault(name, []).append(value.strip())
    return values


def last(values: dict[str, list[str]], name: str) -> str | None:
    """A parameter given once; given twice, the later one wins, as on the command line."""
    return values[name][-1] if name in values else None


def day(values: dict[str, list[str]], name: str) -> dt.date | None:
    if (text := last(values, name)) is None:
        return None
    try:
        if _ISO_DAY.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise BadParameter(f"{name}: {text[:40]!r} is not a date: use YYYY-MM-DD")


def whole_number(values: dict[str, list[str]], name: str, default: int, largest: int) -> int:
    if (text := last(values, name)) is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= largest:
        raise BadParameter(f"{name} must be a whole number from 1 to {largest}, not {text[:40]!r}")
    return int(text)


def flag(values: dict[str, list[str]], name: str, default: bool) -> bool:
    if (text := last(values, name)) is None:
        return default
    if text.lower() in _TRUE + _FALSE:
        return text.lower() in _TRUE
    raise BadParameter(f"{name} must be true or false, not {text[:40]!r}")


def speakers(values: dict[str, list[str]]) -> tuple[str, ...]:
    names = tuple(values.get("speaker", ()))
    if len(names) > MAX_SPEAKERS:
        raise BadParameter(f"at most {MAX_SPEAKERS} speakers at once, not {len(names)}")
    return names


def search_request(params: QueryParams, always_facets: tuple[str, ...] = ()) -> SearchRequest:
    """The `SearchRequest` a search page or `/api/search` asks for, with `always_facets` for a
    page that always shows them. Sort and facet names are checked by `search`, in the command
    line's words."""
    values = checked(params, SEARCH_PARAMETERS)
    asked = tuple(dict.fromkeys(values.get("facet", ())))
    if len(asked) > len(FACETS):
        raise BadParameter(f"facet must be one of {', '.join(FACETS)}")
    return SearchRequest(
        query=last(values, "q") or "",
        speakers=speakers(values),
        since=day(values, "since"),
        until=day(values, "until"),
        include_undated=flag(values, "include_undated", False),
        sort=last(values, "sort") or "relevance",
        facets=tuple(dict.fromkeys(asked + always_facets)),
        page=whole_number(values, "page", 1, MAX_PAGE),
        limit=whole_number(values, "limit", DEFAULT_LIMIT, MAX_LIMIT),
        group=flag(values, "group", True),
    )


def wording(params: QueryParams) -> str | None:
    """The words `/verify` is to look for, within the limits a search query has."""
    text = last(checked(params, VERIFY_PARAMETERS), "text")
    if text is not None and (count := len(text.split())) > MAX_QUERY_WORDS:
        raise BadParameter(
            f"the text has {count} words: at most {MAX_QUERY_WORDS} are verified, so shorten it"
        )
    return text
