"""Dates in news text: the article's own date, and the dates a sentence mentions.

Only what the text states is used. Full dates are read as written; a month and day without a
year, a weekday (`on Tuesday`) or `yesterday` are resolved against the article's date, and are
dropped when the article has none, so a quotation never gets a guessed date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH_NUMBERS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(?P<month>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = re.compile(
    rf"(?:{_WEEKDAY},?\s+)?(?:"
    rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?(?![\d:])"
    rf"|{_DAY.replace('day>', 'day2>')}\s+(?:of\s+)?{_MONTH.replace('month>', 'month2>')}"
    rf"(?:,?\s+{_YEAR.replace('year>', 'year2>')})?"
    rf"|(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)"
    rf"|(?P<numeric>(?P<first>[0-3]?\d)/(?P<second>[0-3]?\d)/(?P<year3>(?:19|20)\d\d))"
    rf")\b"
)
_RELATIVE = re.compile(
    rf"\b(?:(?P<weekday>{_WEEKDAY})(?!,?\s+(?:[0-3]?\d\b|{_MONTH}))|(?P<yesterday>yesterday)"
    rf"|(?P<today>today))\b",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^[^—–]{0,80}?[—–]")
_DATE_LINE_WORDS = re.compile(
    r"^(?:(?:published|updated|posted|date|dated)\b:?|\W|\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?"
    r"|[A-Z]{2,4}\b|(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?|at|on)*",
    re.IGNORECASE,
)
# `By Jane Roe | 05/30/2025 11:42 AM EDT`: a byline sharing its line with the date.
_BYLINE = re.compile(r"^by\s+[^|•·]{1,60}[|•·]", re.IGNORECASE)


# Where a subordinate clause starts (`that …`, `after …`, `for walking …`), or a reported or
# planned one (`said the team would train on Sunday`: that Sunday is still to come).
_SUBORDINATE = re.compile(
    r"\b(?:that|which|who|whom|where|because|after|before|since|until|while|when|although|if"
    r"|would|will|(?:plans?|planned|expects?|expected|scheduled) to"
    r"|(?:for|of|about|by|from)\s+\w+ing)\b",
    re.IGNORECASE,
)
# A participle after a comma takes the main clause up again (`X declared victory before the race
# was called, walking onstage on Tuesday`), and so does a comma closing a relative clause in an
# appositive (`X, a Republican who faces Y, spoke on Wednesday`).
_MAIN_CLAUSE_AGAIN = re.compile(r",\s+\w+ing\b")
_RELATIVE_WORDS = ("who", "which", "whose", "whom")
_TIME_OF_DAY = re.compile(
    r"\b(?:midnight|evening|night|p\.m\.|(?:hours|minutes) later|later that (?:day|night))",
    re.IGNORECASE,
)
# A sentence opening on another occasion than the one before (`After the game, she …`).
_NEW_OCCASION = re.compile(
    r"^\W*(?:after|afterwards?|later|earlier|following)\b|^[^,]{0,30}\blater\b", re.IGNORECASE
)
# An occasion the text refers back to (`after the debate`, `at that rally`): it happened on the
# day the text gave it when it first told of it.
_OCCASION_NOUNS = (
    "debate|rally|hearing|speech|interview|meeting|briefing|news conference|press conference|"
    "town hall|forum|summit|convention|ceremony|vigil|trial|game|match|concert"
)
_OCCASION_REFERRED = re.compile(rf"\b(?:the|that|this)\s+({_OCCASION_NOUNS})\b", re.IGNORECASE)
# Title, byline, date line and lead: where an article says when it was written.
_HEAD_PARAGRAPHS = 4
# A month and day this close after the article's date is still to come, not last year's.
_FUTURE_WINDOW = dt.timedelta(days=90)
# Every date expression holds a digit or a word ending in `day` (weekdays, today, yesterday).
_MAY_HOLD_DATE = re.compile(r"\d|day\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """A date the text mentions, at `offset` in the searched text."""

    offset: int
    date: dt.date


def full_dates(text: str) -> list[DateMention]:
    """Dates written out with day, month and year."""
    return [
        DateMention(match.start(), date)
        for match in _DATE.finditer(text)
        if (date := _read_match(match, None)) is not None
    ]


def mentioned_dates(text: str, reference: dt.date | None) -> list[DateMention]:
    """Every date `text` mentions that can be pinned down, resolving relative ones to `reference`.

    Dates after `reference` are left out: words cannot be spoken after the article reporting them.
    """
    if not _MAY_HOLD_DATE.search(text):
        return []
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for match in _DATE.finditer(text):
        date = _read_match(match, reference)
        taken.append(match.span())
        if date is not None:
            found.append(DateMention(match.start(), date))
    if reference is not None:
        for match in _RELATIVE.finditer(text):
            if any(start <= match.start() < end for start, end in taken):
                continue
            found.append(DateMention(match.start(), _resolve_relative(match, reference)))
    if reference is not None:
        found = [mention for mention in found if mention.date <= reference]
    return sorted(found, key=lambda mention: mention.offset)


def main_clause_dates(text: str, reference: dt.date | None) -> list[DateMention]:
    """The dates `text` mentions before its first subordinate clause: in `X blamed them for
    walking out on Tuesday` the day is when they walked out, not when X spoke. A dateline's date
    (`PORT ELSWICK, Oct 3, 2024 — X said on Wednesday`) is when the article was filed."""
    found = mentioned_dates(text, reference)
    if (dateline := _DATELINE.match(text)) and full_dates(dateline.group()):
        found = [mention for mention in found if mention.offset >= dateline.end()]
    if found and (boundary := _SUBORDINATE.search(text, 1)):
        resumed = _main_clause_again(text, boundary)
        found = [m for m in found if m.offset < boundary.start() or m.offset >= resumed]
    return found


def _main_clause_again(text: str, boundary: re.Match[str]) -> int:
    """Where the main clause takes up again after the subordinate clause at `boundary`."""
    ends = []
    if participle := _MAIN_CLAUSE_AGAIN.search(text, boundary.end()):
        ends.append(participle.start())
    relative = boundary.group().lower() in _RELATIVE_WORDS and "," in text[: boundary.start()]
    if relative and (comma := text.find(",", boundary.end())) >= 0:
        ends.append(comma)
    return min(ends, default=len(text))


def occasions_referred_to(text: str) -> set[str]:
    """The occasions a sentence refers back to (`In the spin room after the debate, …`)."""
    return {match.group(1).lower() for match in _OCCASION_REFERRED.finditer(text)}


def occasion_date(occasion: str, text: str, reference: dt.date | None) -> dt.date | None:
    """The day `text` gives the occasion, if it tells of it with a day in its main clause
    (`traded accusations on Tuesday night in the only debate`)."""
    if not re.search(rf"\b{occasion}s?\b", text, re.IGNORECASE):
        return None
    found = main_clause_dates(text, reference)
    return found[0].date if found else None


def time_of_day_only(text: str) -> bool:
    """Does the sentence place its event at a time of day but name no day (`just before
    midnight`, `shortly after 10 p.m.`, `A few hours later`)? Then it is the day last named."""
    return _TIME_OF_DAY.search(text) is not None


def opens_new_occasion(text: str) -> bool:
    """Does the sentence move to another occasion (`After the game, …`, `Hours later, …`)?"""
    return _NEW_OCCASION.search(text) is not None


def article_date(paragraphs: list[str]) -> dt.date | None:
    """The article's own date: its dateline, else a date line under the title, else a full
    date in the main clause of the head (`Parents packed a meeting on April 9, 2024, …`).

    A date further on, or in a subordinate clause, is background (`since the shooting on
    December 14, 2012`), not when the story happened. `paragraphs` should have quotation
    contents blanked out."""
    head = paragraphs[:_HEAD_PARAGRAPHS]
    for paragraph in head:
        if (dateline := _DATELINE.match(paragraph)) and (dates := full_dates(dateline.group())):
            return dates[0].date
        dates = full_dates(paragraph)
        if dates and _is_date_line(paragraph):
            return dates[0].date
    for paragraph in head:
        if dates := main_clause_dates(paragraph, None):
            return dates[0].date
    return None


def _is_date_line(paragraph: str) -> bool:
    """A paragraph that holds a date and little else (`Published 14 March 2024, 10:32 GMT`)."""
    rest = _DATE.sub(" ", _BYLINE.sub(" ", paragraph))
    rest = _DATE_LINE_WORDS.sub("", rest.strip())
    return len(rest.strip(" ,.|-–—")) == 0


def _read_match(match: re.Match[str], reference: dt.date | None) -> dt.date | None:
    if match.group("iso"):
        try:
            return dt.date.fromisoformat(match.group("iso"))
        except ValueError:
            return None
    if match.group("numeric"):
        return _numeric(int(match.group("first")), int(match.group("second")), match["year3"])
    month_name = match.group("month") or match.group("month2")
    day = int(match.group("day") or match.group("day2"))
    year_text = match.group("year") or match.group("year2")
    month = _MONTH_NUMBERS[month_name[:3].lower()]
    if year_text is None:
        return _without_year(month, day, reference)
    try:
        return dt.date(int(year_text), month, day)
    except ValueError:
        return None


def _numeric(first: int, second: int, year: str) -> dt.date | None:
    """`09/17/2024` or `17/09/2024`: month first (US style) unless only day first is possible."""
    month, day = (second, first) if first > 12 else (first, second)
    try:
        return dt.date(int(year), month, day)
    except ValueError:
        return None


def _without_year(month: int, day: int, reference: dt.date | None) -> dt.date | None:
    """`June 24` in an article of `reference`: the latest such day not after it, unless it is a
    day still to come (`a memorial scheduled for June 30` in a June 24 article)."""
    if reference is None:
        return None
    for year in (reference.year, reference.year - 1):
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if date <= reference:
            return date
        if date - reference < _FUTURE_WINDOW:
            return None
    return None


def _resolve_relative(match: re.Match[str], reference: dt.date) -> dt.date:
    if match.group("yesterday"):
        return reference - dt.timedelta(days=1)
    if match.group("today"):
        return reference
    weekday = _WEEKDAYS.index(match.group("weekday").lower())
    return reference - dt.timedelta(days=(reference.weekday() - weekday) % 7)
