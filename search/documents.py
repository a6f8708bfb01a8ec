"""From an article and what was extracted from it to the documents the index stores.

Engine-free, so every engine indexes exactly the same units: one document per attributed
quotation (a named speaker or an unnamed source) and one per paragraph that no such quotation
stands in.
"""

from __future__ import annotations

import re

from search.model import Article, Extraction, IndexDocument, Quote
from search.quotes import CLOSE, OPEN

# What stands in a quotation document's body where another quotation of its paragraph stood.
OMITTED = "…"
# What follows a quotation's words up to its closing mark: the attribution comma it dropped.
_TO_CLOSING_MARK = re.compile(rf"[,;]*{CLOSE}?")


def article_documents(article: Article, extraction: Extraction) -> list[IndexDocument]:
    """The article's quotation and passage documents, in reading order."""
    attributed = [quote for quote in extraction.quotes if quote.speaker or quote.described_as]
    covered = {number for quote in attributed for number in _paragraphs_of(quote)}
    documents = [
        IndexDocument(
            id=f"{article.source}#q{number}",
            kind="quote",
            source=article.source,
            position=quote.paragraph,
            title=article.title,
            body=_own_text(article, quote, attributed),
            paragraph=_paragraph_text(article, quote),
            quote=quote.text,
            speaker=quote.speaker,
            role=quote.role,
            aliases=quote.aliases,
            date=quote.date,
            confidence=quote.confidence,
            described_as=quote.described_as,
        )
        for number, quote in enumerate(attributed, start=1)
    ]
    documents += [
        IndexDocument(
            id=f"{article.source}#p{number}",
            kind="passage",
            source=article.source,
            position=number,
            title=article.title,
            body=paragraph,
            paragraph=paragraph,
            date=extraction.article_date,
        )
        for number, paragraph in enumerate(article.paragraphs)
        if number not in covered
    ]
    if not article.paragraphs:
        documents.append(
            IndexDocument(
                id=f"{article.source}#t",
                kind="passage",
                source=article.source,
                position=0,
                title=article.title,
                body="",
                paragraph="",
                date=extraction.article_date,
            )
        )
    return sorted(documents, key=lambda document: document.position)


def _paragraph_text(article: Article, quote: Quote) -> str:
    return "\n\n".join(article.paragraphs[index] for index in _paragraphs_of(quote))


def _paragraphs_of(quote: Quote) -> range:
    last = quote.paragraph if quote.last_paragraph is None else quote.last_paragraph
    return range(quote.paragraph, last + 1)


def _own_text(article: Article, quote: Quote, attributed: list[Quote]) -> str:
    """The quotation's paragraphs with every other quotation left out, marks and all.

    A quotation must match through its own words, its attribution and the narrative, never
    through what someone else (or the same speaker, elsewhere) said beside it.
    """
    return "\n\n".join(
        _without(
            article.paragraphs[index],
            [other for other in attributed if other is not quote and other.paragraph == index],
        )
        for index in _paragraphs_of(quote)
    )


def _without(text: str, others: list[Quote]) -> str:
    """`text` with each of `others` (quotations opening in it) replaced by `OMITTED`."""
    pieces, position = [], 0
    for other in sorted(others, key=lambda quote: quote.start):
        opening = text.rfind(OPEN, position, other.start)
        start = (
            opening if opening >= 0 and not text[opening + 1 : other.start].strip() else other.start
        )
        end = _TO_CLOSING_MARK.match(text, other.end).end()
        pieces += [text[position:start], OMITTED]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
