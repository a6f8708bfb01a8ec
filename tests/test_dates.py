"""Date reading (`search.extract.dates`): what counts as a date and how relative dates resolve."""

from __future__ import annotations

import datetime as dt

import pytest
from extracting import run

from search.extract.dates import article_date, full_dates, mentioned_dates

FRIDAY = dt.date(2024, 5, 10)


@pytest.mark.parametrize(
    "text",
    ["on May 3, 2024", "on 3 May 2024", "on Friday, May 3, 2024", "on May 3rd, 2024", "2024-05-03"],
)
def test_full_dates_in_common_styles(text: str) -> None:
    assert [mention.date for mention in full_dates(text)] == [dt.date(2024, 5, 3)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("she said on Tuesday", dt.date(2024, 5, 7)),
        ("she said Friday", FRIDAY),
        ("at Thursday’s hearing", dt.date(2024, 5, 9)),
        ("she said yesterday", dt.date(2024, 5, 9)),
        ("on October 24", dt.date(2023, 10, 24)),
    ],
)
def test_relative_dates_resolve_to_the_latest_day_not_after_the_article(
    text: str, expected: dt.date
) -> None:
    assert [mention.date for mention in mentioned_dates(text, FRIDAY)] == [expected]


def test_relative_dates_need_an_article_date() -> None:
    assert mentioned_dates("she said on Tuesday", None) == []


def test_dates_after_the_article_are_not_when_words_were_said() -> None:
    assert mentioned_dates("the law takes effect on June 1, 2024", FRIDAY) == []


def test_a_month_and_day_weeks_ahead_is_still_to_come_not_last_year() -> None:
    assert mentioned_dates("a memorial scheduled for June 8", FRIDAY) == []


def test_article_date_prefers_dateline_over_earlier_dates() -> None:
    paragraphs = ["BRENNA, 14 October 2024 — Repairs begun on 2 October 2024 are done."]
    assert article_date(paragraphs) == dt.date(2024, 10, 14)
    assert article_date(["No dates here."]) is None


def test_a_quotation_after_an_occasion_takes_the_day_the_occasion_was_told() -> None:
    extraction = run(
        "Debate Night\n\nOctober 14, 2026\n\n"
        "GRANVILLE, Ohio (AP) — Sen. Ada Voss and Ivo Brandt traded accusations on Tuesday night "
        "in the only debate of the race.\n\n"
        "In the spin room after the debate, Voss’s manager, Nora Fell, told reporters the "
        "senator had “won on substance.”"
    )
    assert [quote.date for quote in extraction.quotes] == [dt.date(2026, 10, 13)]
