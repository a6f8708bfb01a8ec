"""From what an engine stores to the package's own records: hits with their snippets, records,
and speaker summaries.

Every engine stores the index documents' fields under the same names (`search.documents`), so
one constructor serves them all; each engine only says where the query's words matched in a
text, and which of its documents are copies of one quotation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields

from search.engine.keys import name_key, number_day
from search.identities import Identities
from search.model import Hit, Record, SpeakerSummary

# Where a snippet is cut from, in order of preference: the quotation, then the narrative.
SNIPPET_SOURCES = ("quote", "body")
RECORD_FIELDS = tuple(field.name for field in fields(Record))

Span = tuple[int, int]


def hit_of(
    copies: Sequence[Mapping],
    score: float | None,
    matches: Callable[[str, str], list[Span]],
    searched_words: bool,
    snippet_chars: int,
    id_field: str = "id",
) -> Hit:
    """The hit for a group of copies (in corpus order): the first copy's words, the earliest
    date, every source. `matches(field, text)` gives where the query's words stand in a text."""
    first = copies[0]
    source, text, spans = _snippet_source(first, matches, searched_words)
    snippet, highlights = make_snippet(text, spans, snippet_chars)
    dates = [copy["date"] for copy in copies if copy.get("date")]
    return Hit(
        id=first[id_field],
        kind=first["kind"],
        score=score,
        speaker=first.get("speaker"),
        role=first.get("role"),
        date=number_day(min(dates)) if dates else None,
        quote=first.get("quote"),
        snippet=snippet,
        highlights=highlights,
        title=first.get("title", ""),
        source=first["source"],
        copies=len(copies),
        sources=tuple(sorted({copy["source"] for copy in copies})),
        confidence=first.get("confidence"),
        described_as=first.get("described_as"),
        in_quotation=source == "quote",
        url=first.get("url"),
        publication=first.get("publication"),
    )


def _snippet_source(
    stored: Mapping, matches: Callable[[str, str], list[Span]], searched_words: bool
) -> tuple[str, str, list[Span]]:
    """The quotation when it holds a matched word, else the narrative (`body`): which one, its
    text and the matches.

    With no match in either, the quotation when no words were searched for (a --speaker
    search); else the words stand elsewhere (the title), and the narrative is shown, so that
    the quotation does not look as if it held them.
    """
    texts = [(name, text) for name in SNIPPET_SOURCES if (text := stored.get(name))]
    for name, text in texts:
        if spans := matches(name, text):
            return name, text, spans
    if not texts:
        return "body", "", []
    return (*(texts[-1] if searched_words else texts[0]), [])


def make_snippet(
    text: str, spans: list[tuple[int, int]], limit: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The `limit`-character window of `text` holding the most matches, cut at word boundaries."""
    if len(text) <= limit:
        return text, tuple(spans)
    best_start = 0
    if spans:
        best_count = -1
        for first, _ in spans:
            begin = max(0, first - limit // 4)
            count = sum(1 for s, e in spans if s >= begin and e <= begin + limit)
            if count > best_count:
                best_start, best_count = begin, count
    start = best_start
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + limit // 2 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = tuple((s + shift, e + shift) for s, e in spans if s >= start and e <= end)
    return f"{prefix}{text[start:end]}{suffix}", kept


def record_of(stored: Mapping, id_field: str = "id") -> Record:
    """A stored document as the package's record: the index document's fields as given."""
    values = {name: stored.get(name) for name in RECORD_FIELDS}
    values.update(
        id=stored[id_field],
        date=number_day(stored["date"]) if stored.get("date") else None,
        aliases=tuple(stored.get("aliases") or ()),
        statement=tuple(stored.get("statement") or ()),
        title=stored.get("title", ""),
        paragraph=stored.get("paragraph", stored.get("body", "")),
    )
    return Record(**values)


def summarise_speakers(records: list[Record], identities: Identities) -> list[SpeakerSummary]:
    """Each identity's quotes counted, with roles, dates and the forms of the name merged
    (engine-free: every engine lists its quotes and identities)."""
    by_identity: dict[str, list[Record]] = {}
    for quote in records:
        if quote.speaker:  # unnamed sources are nobody's to count
            key = identities.of(name_key(quote.speaker)).key
            by_identity.setdefault(key, []).append(quote)
    summaries = []
    for key, quotes in by_identity.items():
        dates = [quote.date for quote in quotes if quote.date]
        written = {quote.speaker for quote in quotes if quote.speaker}
        name = next((name for name in sorted(written) if name_key(name) == key), min(written))
        aliases = {alias for quote in quotes for alias in quote.aliases} | written
        summaries.append(
            SpeakerSummary(
                name=name,
                quotes=len(quotes),
                roles=tuple(sorted({quote.role for quote in quotes if quote.role})),
                aliases=tuple(sorted(aliases - {name})),
                first_date=min(dates, default=None),
                last_date=max(dates, default=None),
            )
        )
    return sorted(summaries, key=lambda summary: (-summary.quotes, summary.name))
