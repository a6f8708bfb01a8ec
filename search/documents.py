"""From an article and what was extracted from it to the documents the index stores.

Engine-free, so every engine indexes exactly the same units: one document per attributed
quotation and one per paragraph that carries no attributed quotation.
"""

from __future__ import annotations

from search.model import Article, Extraction, IndexDocument


def article_documents(article: Article, extraction: Extraction) -> list[IndexDocument]:
    """The article's quotation and passage documents, in reading order."""
    attributed = [quote for quote in extraction.quotes if quote.speaker]
    quoted_paragraphs = {quote.paragraph for quote in attributed}
    documents = [
        IndexDocument(
            id=f"{article.source}#q{number}",
            kind="quote",
            source=article.source,
            position=quote.paragraph,
            title=article.title,
            body=article.paragraphs[quote.paragraph],
            quote=quote.text,
            speaker=quote.speaker,
            role=quote.role,
            aliases=quote.aliases,
            date=quote.date,
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
            date=extraction.article_date,
        )
        for number, paragraph in enumerate(article.paragraphs)
        if number not in quoted_paragraphs
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
                date=extraction.article_date,
            )
        )
    return sorted(documents, key=lambda document: document.position)
