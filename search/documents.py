"""From an article and what was extracted from it to the documents the index stores.

Engine-free, so every engine indexes exactly the same units: one document per attributed
quotation and one per paragraph that no attributed quotation stands in.
"""

from __future__ import annotations

from search.model import Article, Extraction, IndexDocument, Quote

CLOSE = "”"


def article_documents(article: Article, extraction: Extraction) -> list[IndexDocument]:
    """The article's quotation and passage documents, in reading order."""
    attributed = [quote for quote in extraction.quotes if quote.speaker]
    narrative = _narrative(article.paragraphs, attributed)
    covered = {number for quote in attributed for number in _paragraphs_of(quote)}
    documents = [
        IndexDocument(
            id=f"{article.source}#q{number}",
            kind="quote",
            source=article.source,
            position=quote.paragraph,
            title=article.title,
            body=" ".join(article.paragraphs[index] for index in _paragraphs_of(quote)),
            paragraph="\n\n".join(article.paragraphs[index] for index in _paragraphs_of(quote)),
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


def _around(paragraphs: tuple[str, ...], quote: Quote) -> str:
    """The words of the quotation's paragraphs except its own: each word counts once."""
    narrative = _narrative(paragraphs, [quote])
    return " ".join(narrative[index] for index in _paragraphs_of(quote))


def _paragraphs_of(quote: Quote) -> range:
    last = quote.paragraph if quote.last_paragraph is None else quote.last_paragraph
    return range(quote.paragraph, last + 1)


def _narrative(paragraphs: tuple[str, ...], quotes: list[Quote]) -> list[str]:
    """Each paragraph with the words of its attributed quotations blanked out."""
    texts = [list(paragraph) for paragraph in paragraphs]
    for quote in quotes:
        texts[quote.paragraph][quote.start : quote.end] = " " * (quote.end - quote.start)
        following = _paragraphs_of(quote)[1:]
        for number in following:  # the quotation runs on from the start of these paragraphs
            closing = paragraphs[number].find(CLOSE) if number == following[-1] else -1
            stop = closing if closing >= 0 else len(paragraphs[number])
            texts[number][:stop] = " " * stop
    return [" ".join("".join(row).split()) for row in texts]
