"""From an article and what was extracted from it to the documents the index stores.

Engine-free, so every engine indexes exactly the same units: one document per quotation that
is a statement (with a named speaker, an unnamed source or no speaker given; never a scare quote
or a title) and one per paragraph that no such quotation stands in.
"""

from __future__ import annotations

from search.model import Article, Extraction, IndexDocument, Quote


def article_documents(article: Article, extraction: Extraction) -> list[IndexDocument]:
    """The article's quotation and passage documents, in reading order."""
    statements = [quote for quote in extraction.quotes if quote.statement]
    covered = {number for quote in statements for number in _paragraphs_of(quote)}
    documents = [
        IndexDocument(
            id=f"{article.source}#q{number}",
            kind="quote",
            source=article.source,
            position=quote.paragraph,
            title=article.title,
            body=(text := _paragraph_text(article, quote)),
            paragraph=text,
            quote=quote.text,
            speaker=quote.speaker,
            role=quote.role,
            aliases=quote.aliases,
            date=quote.date,
            confidence=quote.confidence,
            described_as=quote.described_as,
        )
        for number, quote in enumerate(statements, start=1)
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
