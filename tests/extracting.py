"""Running the extractor on a small article written in a test, and reading what it found."""

from __future__ import annotations

from search.corpus import parse_article
from search.extract import extract
from search.model import Extraction, Quote


def run(text: str) -> Extraction:
    article = parse_article("test.txt", text)
    assert article is not None
    return extract(article)


def quote_with(extraction: Extraction, fragment: str) -> Quote:
    matches = [quote for quote in extraction.quotes if fragment in quote.text]
    assert len(matches) == 1, f"{fragment!r} in {[q.text for q in extraction.quotes]}"
    return matches[0]


def speakers(extraction: Extraction) -> list[str | None]:
    return [quote.speaker for quote in extraction.quotes]
