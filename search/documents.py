"""From an article and what was extracted from it to the documents the index stores.

Engine-free, so every engine indexes exactly the same units: one document per quotation that
is a statement (with a named speaker, an unnamed source or no speaker given; never a scare quote
or a title) and one per paragraph that no such quotation stands in. Lines that are a page's
furniture rather than its story (a date line, a byline, credits, sharing links, "Read more") are
no passages: they would be hits for their words alone.
"""

from __future__ import annotations

import re
from itertools import pairwise

from search.extract.dates import full_dates
from search.extract.quotes import CLOSE, OPEN
from search.model import Article, Extraction, IndexDocument, Quote

# What stands in a quotation document's body where another quotation of its paragraph stood.
OMITTED = "…"
# What follows a quotation's words up to its closing mark: the attribution comma it dropped.
_TO_CLOSING_MARK = re.compile(rf"[,;]*{CLOSE}?")
# `(Reporting by Ana Ruiz; Editing by Tom Hale)`, `Writing by Ana Ruiz; editing by Tom Hale`.
_CREDITS = re.compile(
    r"^\((?:additional\s+)?(?:reporting|writing|editing|compiled|produced|research|translation)"
    r"\b[^()]*\bby\b[^()]*\)\.?$"
    r"|^(?:reporting|writing) by [^;]+;\s*(?:writing|editing) by .+$",
    re.IGNORECASE,
)
# `By Ana Ruiz`, `By Ana Ruiz and Tom Hale, Staff Writers`.
_BYLINE = re.compile(r"^(?:By|BY)\s+[A-Z][\w.'’-]*(?:,?\s+(?:[A-Z][\w.'’-]*|and))*$")
# A line made of these words alone is a page's links: `Read more | Subscribe`, `Share on X`.
_LINK_WORDS = frozenset(
    "read more subscribe share this article story on facebook twitter x email e-mail linkedin "
    "whatsapp reddit print copy link sign up for to our the newsletter follow us comments "
    "comment advertisement related continue reading".split()
)
_LINK_LINE_WORDS = 10
# Words a date line may hold besides the date: `Published 14 March 2024, 10:32 GMT`.
_DATE_LINE_WORDS = frozenset("published updated posted last on at am pm by of and".split())
_DATE_LINE_LENGTH = 15
_WORD = re.compile(r"[\w'’-]+")
# What stands between two parts of one statement: `,” he said. “`, `” Lind added, “`.
_INTERRUPTION = re.compile(rf"[,;.!?]*{CLOSE}\s*([^{OPEN}{CLOSE}]{{1,80}}?)\s*{OPEN}")
_INTERRUPTION_WORDS = 8


def article_documents(article: Article, extraction: Extraction) -> list[IndexDocument]:
    """The article's quotation and passage documents, in reading order."""
    quotations = [quote for quote in extraction.quotes if quote.statement]
    covered = {number for quote in quotations for number in _paragraphs_of(quote)}
    statements = _statements(article, quotations)
    documents = [
        IndexDocument(
            id=f"{article.source}#q{number}",
            kind="quote",
            source=article.source,
            url=article.url,
            publication=article.publication,
            position=quote.paragraph,
            title=article.title,
            body=_own_text(article, quote, quotations),
            paragraph=_paragraph_text(article, quote),
            quote=quote.text,
            speaker=quote.speaker,
            role=quote.role,
            aliases=quote.aliases,
            date=quote.date,
            confidence=quote.confidence,
            described_as=quote.described_as,
            statement=statements.get(number - 1, ()),
        )
        for number, quote in enumerate(quotations, start=1)
    ]
    documents += [
        IndexDocument(
            id=f"{article.source}#p{number}",
            kind="passage",
            source=article.source,
            url=article.url,
            publication=article.publication,
            position=number,
            title=article.title,
            body=paragraph,
            paragraph=paragraph,
            date=extraction.article_date,
        )
        for number, paragraph in enumerate(article.paragraphs)
        if number not in covered and not _is_boilerplate(paragraph)
    ]
    if not documents:  # the title alone is searchable
        documents.append(
            IndexDocument(
                id=f"{article.source}#t",
                kind="passage",
                source=article.source,
                url=article.url,
                publication=article.publication,
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


def _statements(article: Article, quotations: list[Quote]) -> dict[int, tuple[str, ...]]:
    """Each split quotation's whole statement (see `IndexDocument.statement`), by its index in
    `quotations`: every part of one statement carries it, so any part leads to the whole.

    Parts are quotations of one speaker, one after another in a paragraph, with nothing but a
    short attribution between them (`“It is late,” she said. “Go home.”`).
    """
    chains: list[list[int]] = []
    for index, quote in enumerate(quotations):
        if chains and _continues(article, quotations[chains[-1][-1]], quote):
            chains[-1].append(index)
        else:
            chains.append([index])
    statements = {}
    for chain in chains:
        if len(chain) < 2:
            continue
        parts = [quotations[chain[0]].text]
        for before, after in pairwise(quotations[index] for index in chain):
            parts += [article.paragraphs[after.paragraph][before.end : after.start], after.text]
        statements.update(dict.fromkeys(chain, tuple(parts)))
    return statements


def _continues(article: Article, before: Quote, after: Quote) -> bool:
    """Whether `after` goes on with `before`'s statement once its attribution is past."""
    if (before.speaker, before.described_as) != (after.speaker, after.described_as):
        return False
    if before.last_paragraph is not None or after.paragraph != before.paragraph:
        return False
    gap = _INTERRUPTION.fullmatch(article.paragraphs[before.paragraph], before.end, after.start)
    return gap is not None and len(_WORD.findall(gap.group(1))) <= _INTERRUPTION_WORDS


def _own_text(article: Article, quote: Quote, quotations: list[Quote]) -> str:
    """The quotation's paragraphs with every other quotation left out, marks and all.

    A quotation must match through its own words, its attribution and the narrative, never
    through what someone else (or the same speaker, elsewhere) said beside it.
    """
    paragraphs = []
    for index in _paragraphs_of(quote):
        text = article.paragraphs[index]
        others = [other for other in quotations if other is not quote]
        spans = [_span_in(text, index, other) for other in others]
        paragraphs.append(_without(text, sorted(span for span in spans if span)))
    return "\n\n".join(paragraphs)


def _span_in(text: str, index: int, quote: Quote) -> tuple[int, int] | None:
    """Where `quote`, marks included, stands in paragraph `index` (`text`), if it does."""
    if index == quote.paragraph:
        opening = text.rfind(OPEN, 0, quote.start)
        marked = opening >= 0 and not text[opening + 1 : quote.start].strip()
        return (opening if marked else quote.start), _TO_CLOSING_MARK.match(text, quote.end).end()
    last = quote.last_paragraph
    if last is None or not quote.paragraph < index <= last:
        return None
    closing = text.find(CLOSE)  # a quotation running on closes in its last paragraph
    return 0, closing + 1 if index == last and closing >= 0 else len(text)


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span (in order, apart) replaced by `OMITTED`."""
    pieces, position = [], 0
    for start, end in spans:
        pieces += [text[position:start], OMITTED]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _is_boilerplate(paragraph: str) -> bool:
    """Whether a paragraph is a page's furniture: a date line, a byline, credits or links."""
    text = paragraph.strip()
    words = _WORD.findall(text)
    if _CREDITS.match(text) or _BYLINE.match(text):
        return True
    if words and len(words) <= _LINK_LINE_WORDS and {w.lower() for w in words} <= _LINK_WORDS:
        return True
    lower_case = {word for word in words if word[0].islower() and len(word) > 1}
    return (
        len(words) <= _DATE_LINE_LENGTH
        and lower_case <= _DATE_LINE_WORDS
        and bool(full_dates(text))
    )
