"""Straight double quote marks turned curly by `search.corpus.normalise_quote_marks`."""

from __future__ import annotations

import pytest

from search.corpus import normalise_quote_marks


@pytest.mark.parametrize(
    ("raw", "curly"),
    [
        # Tokenised text: every mark stands between spaces, so only alternation can tell.
        (
            'THE MINISTER SAID . " WE WILL NOT YIELD , " HE ADDED . " NEVER . "',
            "THE MINISTER SAID . “ WE WILL NOT YIELD , ” HE ADDED . “ NEVER . ”",
        ),
        (
            'He said:"We stay." Then "we go," she said.',
            "He said:“We stay.” Then “we go,” she said.",
        ),
        # Curly marks already in the paragraph set the state for the straight ones after them.
        ('“We know," he said. "Fine."', "“We know,” he said. “Fine.”"),
        # An unmatched mark opening a quotation that runs on into the next paragraph.
        ('"We will try, and we will win.', "“We will try, and we will win."),
        # A paragraph that starts inside a quotation: its first mark closes.
        ('the end," he said. "Next', "the end,” he said. “Next"),
    ],
)
def test_straight_double_marks_alternate_within_a_paragraph(raw: str, curly: str) -> None:
    assert normalise_quote_marks(raw) == curly


def test_doubled_apostrophes_are_quote_marks_and_the_quotation_is_attributed() -> None:
    """The New York Times archive writes ''…'' for quote marks: the quotation is still found."""
    from extracting import quote_with, run

    extraction = run(
        "Tax Plan Draws Fire\n\n"
        "''The toll bridge will pay for itself,'' said Dana Whitlock, an economist at Carrow College. "
        "''It piles on complexity.''\n"
    )
    assert quote_with(extraction, "toll bridge will pay").speaker == "Dana Whitlock"
    assert quote_with(extraction, "It piles on complexity").speaker == "Dana Whitlock"
