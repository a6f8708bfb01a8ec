"""The query syntax as Typesense can take it: words, "phrases", NOT (or -word), a last prefix*,
and the `speaker:` and `date:` clauses, which become filters.

Typesense's text query has no OR, brackets or per-word fields: a query using them is refused in
one line rather than answered as something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.engine.keys import TEXT_STOP_WORDS
from search.engine.request import QUERYABLE_FIELDS, clean_query
from search.errors import QueryError, shown

_TOKEN = re.compile(
    r'(?P<clause>\w+:(?:"[^"]*"|\[[^\]]*\]|\{[^}]*\}))|(?P<phrase>"[^"]*"?)|(?P<bracket>[()])'
    r'|(?P<word>[^\s()"]+)'
)
_RANGE = re.compile(r"date:([\[{])(\d+)?\s*to\s*(\d+)?[\]}]")
_COMPARISON = re.compile(r"date:([<>]=?)(\d+)")
WILDCARDS = re.compile(r"[*?]")


@dataclass
class TextQuery:
    """What Typesense searches for (`q`), whether its last word is a prefix, the date filters
    and the speakers the query's own clauses name."""

    terms: list[str] = field(default_factory=list)
    prefix: bool = False
    date_filters: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)

    @property
    def q(self) -> str:
        return " ".join(self.terms)

    @property
    def has_words(self) -> bool:
        return any(not term.startswith("-") for term in self.terms)


def parse(text: str) -> TextQuery:
    """The user's query as Typesense takes it, or a `QueryError` naming what it cannot take."""
    parsed = TextQuery()
    cleaned = clean_query(text)
    tokens = list(_TOKEN.finditer(cleaned))
    excluding = False
    for number, match in enumerate(tokens):
        token = match.group()
        if match.group("bracket") or token == "OR":
            raise _unsupported(token)
        if token in ("AND", "NOT"):
            excluding = token == "NOT"  # AND: every word counts already
            continue
        if match.group("phrase") and (len(token) < 2 or not token.endswith('"')):
            raise QueryError("cannot read the query: a phrase's quote marks need closing")
        if not match.group("phrase") and ":" in token and not token.startswith("-"):
            name, _, value = token.partition(":")
            _clause(parsed, name.lower(), value, token)
        elif match.group("phrase"):
            parsed.terms.append(f"-{token}" if excluding else token)
        else:
            word = token.removesuffix("*")
            if WILDCARDS.search(word):
                raise _unsupported(token)
            if word != token:
                if number != len(tokens) - 1:
                    raise QueryError(
                        f"{shown(token)}: the typesense engine takes a prefix* last only"
                    )
                parsed.prefix = True
            if word.lower() not in TEXT_STOP_WORDS or parsed.prefix:
                parsed.terms.append(f"-{word.lstrip('-')}" if excluding else word)
        excluding = False
    return parsed


def _clause(parsed: TextQuery, name: str, value: str, token: str) -> None:
    if name == "date":
        parsed.date_filters += date_filters(token)
    elif name == "speaker":
        parsed.speakers.append(value.strip('"'))
    elif name in QUERYABLE_FIELDS:
        raise QueryError(
            f"{shown(token)}: the typesense engine searches quotation, paragraph and title"
            " together; of the fields it takes speaker: and date:"
        )
    else:
        fields = ", ".join(f"{field}:" for field in QUERYABLE_FIELDS)
        raise QueryError(f"{name}: is not a field you can search; use one of {fields}")


def date_filters(clause: str) -> list[str]:
    """A `date:` clause (its dates already day numbers, `clean_query`) as Typesense filters;
    like --since and --until, it leaves out documents without a date."""
    filters = ["date:>0"]
    if match := _RANGE.fullmatch(clause):
        bracket, low, high = match.groups()
        inclusive = "=" if bracket == "[" else ""
        if low:
            filters.append(f"date:>{inclusive}{low}")
        if high:
            filters.append(f"date:<{inclusive}{high}")
    elif match := _COMPARISON.fullmatch(clause):
        filters.append(f"date:{match.group(1)}{match.group(2)}")
    else:
        raise QueryError(f"cannot read the date clause {shown(clause)}")
    return filters


def _unsupported(token: str) -> QueryError:
    return QueryError(
        f'{shown(token)}: the typesense engine takes words, "phrases", NOT, a last prefix*,'
        " speaker: and date:, not OR, brackets or wildcards (the whoosh engine does)"
    )
