"""Finding direct quotations and the narrative sentences around them.

Attribution works on the words *outside* quotation marks, so besides the quotation spans this
module produces each paragraph's narrative with quotation contents blanked out, split into
sentences. A name inside a quotation can then never be mistaken for its speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.extract.lexicon import words

OPEN, CLOSE = "“", "”"
# Quotation contents are overwritten with this character so offsets stay valid but no word survives.
BLANK = "\u2591"

# A sentence ends before a capital, a digit or a quotation (blanked, so seen by its mark).
_SENTENCE_END = re.compile(rf"[.?!…][”’)\]]*\s+(?=[“‘(\[]?[A-Z0-9\u00c0-\u024f]|“{BLANK})")
# Words ending in a full stop that do not end a sentence.
_ABBREVIATIONS = words(
    "mr mrs ms mx dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev fr "
    "inc corp ltd co no vs etc jan feb mar apr jun jul aug sep sept oct nov dec mt ft "
    "u.s u.k u.n e.g i.e a.m p.m"
)
_LAST_WORD = re.compile(r"([\w.]+)[.]$")
# A quotation used as a name or a phrase under discussion rather than as somebody's words: also
# what a sign or banner reads, what a crowd chants, and a label (`called it a “gimmick”`).
_NAMING_CUE = re.compile(
    r"(?:so[- ]called|dubbed|termed|titled|entitled|nicknamed|known as|labell?ed|branded|"
    r"headlined|the (?:word|words|phrase|term|slogan|motto|hashtag|label)s?"
    r"|(?:banner|sign|placard|poster|shirt|sticker|billboard)s?\b[^“”]{0,30}?"
    r"\b(?:reading|that read|which read|saying|bearing)"
    r"|chants? of|(?:cries|shouts|chorus|cheers) of"
    r"|call(?:ed|s|ing) (?:it|them|this|that|the \w+) (?:an?|the))[\s,:]*$",
    re.IGNORECASE,
)
_CAPITALISED_WORD = re.compile(r"^[A-Z0-9]")
_MINOR_TITLE_WORDS = words("a an the of and or in on at to for with by from as")


@dataclass(frozen=True)
class QuoteSpan:
    """One quotation: where its marks are, and its normalised text.

    `close_paragraph`/`close_at` locate the closing mark; `close_at` is None when the quotation
    simply stops at the end of a paragraph without one.
    """

    text: str
    paragraph: int
    start: int
    end: int
    open_at: int
    close_paragraph: int
    close_at: int | None

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Sentence:
    """A sentence of a paragraph; `text` is the blanked narrative (quotation contents hidden)."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str


def find_quotes(paragraphs: tuple[str, ...]) -> list[QuoteSpan]:
    """Every double-quoted span, in article order, joining quotations that run over paragraphs.

    A paragraph that opens a quotation and ends without closing it continues in the next
    paragraph when that one starts with an opening mark (the newspaper convention); otherwise the
    quotation is taken to end with its paragraph.
    """
    spans: list[QuoteSpan] = []
    number = 0
    position = 0
    while number < len(paragraphs):
        paragraph = paragraphs[number]
        open_at = paragraph.find(OPEN, position)
        if open_at < 0:
            number, position = number + 1, 0
            continue
        parts: list[str] = []
        close_paragraph, cursor = number, open_at + 1
        while True:
            text = paragraphs[close_paragraph]
            close_at = text.find(CLOSE, cursor)
            if close_at >= 0:
                parts.append(text[cursor:close_at])
                break
            parts.append(text[cursor:])
            following = close_paragraph + 1
            if following < len(paragraphs) and paragraphs[following].startswith(OPEN):
                close_paragraph, cursor = following, 1
                continue
            close_at = None
            break
        first_end = close_at if close_paragraph == number and close_at is not None else None
        span = _make_span(parts, number, open_at, first_end, close_paragraph, close_at, paragraph)
        if span is not None:
            spans.append(span)
        if close_at is None:
            number, position = close_paragraph + 1, 0
        else:
            number, position = close_paragraph, close_at + 1
    return spans


def _make_span(
    parts: list[str],
    paragraph: int,
    open_at: int,
    first_end: int | None,
    close_paragraph: int,
    close_at: int | None,
    opening_text: str,
) -> QuoteSpan | None:
    """The span's text without marks, its trailing attribution comma dropped."""
    text = " ".join(" ".join(parts).split()).rstrip(",; ").rstrip()
    if not text:
        return None
    first_part = parts[0].rstrip()
    limit = open_at + 1 + len(first_part) if first_end is None else first_end
    region = opening_text[open_at + 1 : limit].rstrip().rstrip(",;").rstrip()
    start = open_at + 1 + (len(region) - len(region.lstrip()))
    end = open_at + 1 + len(region)
    return QuoteSpan(text, paragraph, start, end, open_at, close_paragraph, close_at)


def blank_quotes(paragraphs: tuple[str, ...], spans: list[QuoteSpan]) -> list[str]:
    """Paragraphs with every quotation's contents overwritten by `BLANK`, marks kept.

    The last punctuation inside a quotation is kept so sentence ends stay visible.
    """
    chars = [list(text) for text in paragraphs]
    for span in spans:
        for number in range(span.paragraph, span.close_paragraph + 1):
            row = chars[number]
            begin = span.open_at + 1 if number == span.paragraph else 1
            stop = span.close_at if number == span.close_paragraph and span.close_at else len(row)
            keep = stop - 1 if stop > begin and row[stop - 1] in ".?!" else stop
            for offset in range(begin, keep):
                row[offset] = BLANK
    return ["".join(row) for row in chars]


def split_sentences(blanked: list[str]) -> list[Sentence]:
    """Sentences of every blanked paragraph, numbered through the article."""
    sentences: list[Sentence] = []
    for number, text in enumerate(blanked):
        start = 0
        for boundary in _SENTENCE_END.finditer(text):
            if _is_abbreviation(text[: boundary.start() + 1]):
                continue
            end = boundary.end()
            sentences.append(Sentence(len(sentences), number, start, end, text[start:end]))
            start = end
        if start < len(text):
            sentences.append(Sentence(len(sentences), number, start, len(text), text[start:]))
    return sentences


def _is_abbreviation(text: str) -> bool:
    match = _LAST_WORD.search(text)
    if match is None:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def is_non_statement(span: QuoteSpan, lead_in: str, attributed: bool) -> bool:
    """A scare quote, a quoted name or a title: a phrase in quotation marks that nobody says.

    `lead_in` is the narrative between the sentence start and the opening mark. Attributed
    quotations are statements unless a naming cue precedes them; unattributed ones in title case
    are titles; others that open a sentence are statements.
    """
    if _NAMING_CUE.search(lead_in[-60:]):  # the cue stands just before the mark
        return True
    if attributed:
        return False
    if _looks_like_title(span.text):
        return True  # `“The Salt Road”, which follows …`: a title even opening a sentence
    if not lead_in.strip(" “”‘’—–-,:;("):
        return False
    return span.word_count <= 4


def _looks_like_title(text: str) -> bool:
    """Title case with no closing punctuation: `The Art of the Deal`."""
    words = text.split()
    if len(words) < 2 or text[-1] in ".?!":
        return False
    return all(
        _CAPITALISED_WORD.match(word) or word.lower() in _MINOR_TITLE_WORDS for word in words
    )
