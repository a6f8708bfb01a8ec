"""Turning hits, quotes and speaker summaries into text for people or JSON for programs.

Pure functions from records to strings: colour is ANSI styling decided by the caller, so the
same output can be tested byte for byte with or without it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields
from typing import TYPE_CHECKING

import click

from search.errors import shown
from search.model import Hit, Record, SearchResult, SpeakerSummary

if TYPE_CHECKING:  # only `search verify` needs the wording module loaded
    from search.wording import Difference, Occurrence, Wording

NO_SPEAKER = "—"
BAR_WIDTH = 30
# Below this confidence a speaker is shown marked, so the reader knows to check it.
UNCERTAIN_BELOW = 0.5
UNCERTAIN_MARK = "(speaker uncertain)"
UNNAMED_MARK = "(unnamed)"
# After a cited quotation without the searched words (they are in its narrative or title).
NOT_IN_QUOTATION = " (the searched words are not in the quotation)"


def _style(text: str, color: bool, **styles) -> str:
    return click.style(text, **styles) if color else text


def marked_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` in pieces, each saying whether it is one of `spans` (a matched word): what a
    terminal colours and a web page marks."""
    pieces, position = [], 0
    for start, end in sorted(spans):
        pieces += [(text[position:start], False), (text[start:end], True)]
        position = end
    pieces.append((text[position:], False))
    return [(piece, marked) for piece, marked in pieces if piece]


def highlight(snippet: str, spans: Iterable[tuple[int, int]], color: bool) -> str:
    """The snippet with each matched span in bold yellow."""
    if not color:
        return snippet
    return "".join(
        _style(piece, color, fg="yellow", bold=True) if marked else piece
        for piece, marked in marked_spans(snippet, spans)
    )


def _who(item: Hit | Record) -> str:
    """`Name (Role)`; an unnamed source as the article describes it, marked as unnamed."""
    if item.speaker:
        return f"{item.speaker} ({item.role})" if item.role else item.speaker
    if item.described_as:
        return f"{UNNAMED_MARK} {item.described_as}"
    return NO_SPEAKER


def _styled_who(item: Hit | Record, color: bool) -> str:
    who = _style(_who(item), color, fg="cyan", bold=True)
    if item.speaker and item.confidence is not None and item.confidence < UNCERTAIN_BELOW:
        who += " " + _style(UNCERTAIN_MARK, color, fg="red")
    return who


def _place(record: Record, color: bool) -> str:
    """Article title, publication, source, document id and address: where to find a quotation."""
    parts = [record.title, record.publication, record.source, record.id, record.url]
    return _style(" · ".join(part for part in parts if part), color, dim=True)


def _day(date: dt.date | None) -> str:
    return date.isoformat() if date else "undated"


def hit_block(rank: int, hit: Hit, color: bool) -> str:
    """Three lines: who and when, which article (and how many carry it), the snippet."""
    who = _styled_who(hit, color)
    also = f" (+{hit.copies - 1} more)" if hit.copies > 1 else ""
    parts = [hit.title, hit.publication, f"{hit.source}{also}", hit.url]
    where = _style(" · ".join(part for part in parts if part), color, dim=True)
    snippet = highlight(hit.snippet, hit.highlights, color)
    if hit.in_quotation:  # quote marks hold the speaker's own words, never narrative
        snippet = f"“{snippet}”"
    return f"{rank}. {who} · {_day(hit.date)}\n   {where}\n   {snippet}"


def result_text(result: SearchResult, color: bool) -> str:
    """The hits, facet tables, suggestions, and a last line saying which hits are shown."""
    ranks = range(result.first, result.first + len(result.hits))
    blocks = [hit_block(rank, hit, color) for rank, hit in zip(ranks, result.hits, strict=True)]
    blocks += [facet_table(name, counts) for name, counts in result.facets.items()]
    blocks += suggestion_lines(result)
    return "\n\n".join([*blocks, footer(result)])


def footer(result: SearchResult) -> str:
    plural = "s" if result.total != 1 else ""
    if result.total == 0:
        return f"no hits for {shown(result.query)}"
    total = total_text(result)
    if not result.hits:
        return f"no hits on this page: {total} hit{plural} in all"
    last = result.first + len(result.hits) - 1
    if result.first == 1 and last == result.total and result.total_relation == "eq":
        return f"{total} hit{plural}"
    return f"showing hits {result.first}–{last} of {total}"


def total_text(result: SearchResult) -> str:
    """The number of hits, `10,000 or more` when counting stopped at its bound."""
    return f"{result.total:,} or more" if result.total_relation == "gte" else str(result.total)


def facet_table(name: str, counts: dict[str, int]) -> str:
    """Counts a line each; months get a bar each, to show when something was said most."""
    if not counts:
        return f"{name}: none"
    width = max(len(label) for label in counts)
    largest = max(counts.values())
    lines = [f"{name}:"]
    for label, count in counts.items():
        bar = " " + "█" * max(1, round(BAR_WIDTH * count / largest)) if name == "month" else ""
        lines.append(f"  {label:<{width}}  {count:>5}{bar}")
    return "\n".join(lines)


def suggestion_lines(result: SearchResult) -> list[str]:
    lines = [f"did you mean: {result.suggestion}"] if result.suggestion else []
    return lines + speaker_suggestion_lines(result.speaker_suggestions)


def speaker_suggestion_lines(suggestions: dict[str, list[str]]) -> list[str]:
    """A line for each --speaker that matched no one, with the closest names quoted."""
    lines = []
    for name, closest in suggestions.items():
        known = ", ".join(closest) if closest else "no similar name"
        lines.append(f"no speaker matches {shown(name)}; closest: {known}")
    return lines


# A hit's fields read one by one: `asdict` copies every value deeply, and a page of hits took
# 0.18 ms to write as JSON instead of 0.05 (an eighth of what a server spends on a request).
_HIT_FIELDS = tuple(field.name for field in fields(Hit))


def _hit_json(hit: Hit) -> dict:
    record = {name: getattr(hit, name) for name in _HIT_FIELDS}
    record["date"] = hit.date.isoformat() if hit.date else None
    record["highlights"] = [list(span) for span in hit.highlights]
    record["sources"] = list(hit.sources)
    return record


def result_json(result: SearchResult) -> str:
    payload: dict = {
        "query": result.query,
        "total": result.total,
        "total_relation": result.total_relation,
        "first": result.first,
        "hits": [_hit_json(hit) for hit in result.hits],
    }
    if result.facets:
        payload["facets"] = result.facets
    if result.undated_left_out:
        payload["undated_left_out"] = result.undated_left_out
    if result.suggestion or result.speaker_suggestions:
        payload["suggestions"] = {
            "query": result.suggestion,
            "speakers": result.speaker_suggestions,
        }
    return json.dumps(payload, ensure_ascii=False)


def result_jsonl(result: SearchResult) -> Iterator[str]:
    for hit in result.hits:
        yield json.dumps(_hit_json(hit), ensure_ascii=False)


def quote_json(quote: Record) -> dict:
    return {
        "id": quote.id,
        "speaker": quote.speaker,
        "role": quote.role,
        "date": quote.date.isoformat() if quote.date else None,
        "quote": quote.quote,
        "title": quote.title,
        "source": quote.source,
        "confidence": quote.confidence,
        "described_as": quote.described_as,
        "url": quote.url,
        "publication": quote.publication,
    }


def quote_text(quote: Record, color: bool) -> str:
    who, where = _styled_who(quote, color), _place(quote, color)
    return f"{who} · {_day(quote.date)}\n   {where}\n   “{quote.quote}”"


def record_json(record: Record) -> dict:
    """Everything `search show` knows of a document."""
    return {
        **quote_json(record),
        "kind": record.kind,
        "aliases": list(record.aliases),
        "paragraph": record.paragraph,
    }


def record_text(record: Record, color: bool) -> str:
    """The full quotation (or passage), who said it and when, the paragraph and the article."""
    rows = [
        ("id", record.id),
        ("speaker", record.speaker or _who(record)),
        ("also", ", ".join(record.aliases) or NO_SPEAKER),
        ("role", record.role or NO_SPEAKER),
        ("date", _day(record.date)),
        ("title", record.title),
        ("publication", record.publication or NO_SPEAKER),
        ("source", record.source),
        ("url", record.url or NO_SPEAKER),
    ]
    lines = [f"{_style(f'{name:<11}', color, dim=True)} {value}" for name, value in rows]
    if record.quote:
        lines += ["", _style(f"“{record.quote}”", color, bold=True)]
    lines += ["", record.paragraph]
    return "\n".join(lines)


def cite_line(hit: Hit) -> str:
    """`Speaker (Role), "quotation", Title, Publication, Date, URL`: one line ready to paste.

    The publication is left out when unknown; the corpus file stands for an unknown URL.

    A quotation found through the narrative around it does not hold the searched words: the
    line says so, so that nobody cites it as saying them.
    """
    words = hit.quote if hit.quote is not None else hit.snippet
    line = _citation(hit, words)
    return f"{line}{NOT_IN_QUOTATION}" if hit.quote is not None and not hit.in_quotation else line


def record_cite_line(record: Record) -> str:
    """The `--cite` line of one document, as its page offers it: the quotation in full (a
    passage's paragraph)."""
    return _citation(record, record.quote if record.quote is not None else record.paragraph)


def _citation(item: Hit | Record, words: str) -> str:
    published = [item.title, item.publication, _day(item.date), item.url or item.source]
    return f'{_who(item)}, "{words}", ' + ", ".join(part for part in published if part)


def wording_parts(wording: Wording) -> list[tuple[int, int] | Difference]:
    """The words found, in order: `(start, end)` stretches as given, and each difference."""
    parts: list[tuple[int, int] | Difference] = []
    position = 0
    for difference in wording.differences:
        parts += [(position, difference.start), difference]
        position = difference.end
    parts.append((position, len(wording.found)))
    return parts


def found_words(wording: Wording, start: int, end: int) -> list[tuple[str, bool]]:
    """The words found from `start` to `end` in pieces, each saying whether it is an
    attribution that interrupted a split quotation (shown where it stood, as printed)."""
    pieces, position = [], start
    for item in sorted(wording.interruptions, key=lambda item: item.at):
        if start <= item.at < end:
            pieces += [(wording.found[position : item.at], False), (item.words, True)]
            position = item.at + 1
    pieces.append((wording.found[position:end], False))
    return [(piece, interrupting) for piece, interrupting in pieces if piece]


def dropped_spacing(wording: Wording, difference: Difference) -> tuple[str, str]:
    """The spaces before and after a difference's given words: dropped words have no words
    of their own found, so a space keeps them apart from their neighbour."""
    if difference.kind != "dropped":
        return "", ""
    return (" ", "") if difference.start == len(wording.found) else ("", " ")


def marked_wording(wording: Wording, color: bool) -> str:
    """The words found, each difference from the given words marked where it stands:
    `[-given-]{+found+}` as in a word diff, or struck-out red and underlined green in colour.
    Where an attribution interrupted a split quotation it shows as printed (dim in colour)."""

    def words(start: int, end: int) -> str:
        return "".join(
            _style(piece, color, dim=True) if interrupting else piece
            for piece, interrupting in found_words(wording, start, end)
        )

    pieces = []
    for part in wording_parts(wording):
        if isinstance(part, tuple):
            pieces.append(words(*part))
            continue
        given, found = part.given, words(part.start, part.end)
        if color:
            given = _style(given, color, fg="red", strikethrough=True) if given else ""
            found = _style(found, color, fg="green", underline=True) if found else ""
        else:
            given = f"[-{given}-]" if given else ""
            found = f"{{+{found}+}}" if found else ""
        before, after = dropped_spacing(wording, part)
        pieces += [before, given, after, found]
    return "".join(pieces)


def occurrence_block(rank: int, occurrence: Occurrence, color: bool) -> str:
    record, wording = occurrence.record, occurrence.wording
    count = len(wording.differences)
    verdict = "exact" if wording.exact else f"{count} difference{'s' if count != 1 else ''}"
    who, where = _styled_who(record, color), _place(record, color)
    found = marked_wording(wording, color)
    return f"{rank}. {verdict} · {_day(record.date)} · {who}\n   {where}\n   “{found}”"


def verification_text(occurrences: list[Occurrence], color: bool) -> str:
    """Each occurrence, earliest first, then how many were found and how many exactly."""
    blocks = [
        occurrence_block(rank, occurrence, color)
        for rank, occurrence in enumerate(occurrences, start=1)
    ]
    exact = sum(occurrence.wording.exact for occurrence in occurrences)
    summary = f"{len(occurrences)} found ({exact} exact)" if occurrences else "not found"
    return "\n\n".join([*blocks, summary])


def verification_json(given: str, occurrences: list[Occurrence]) -> dict:
    found = [occurrence_json(occurrence) for occurrence in occurrences]
    return {"words": given, "total": len(found), "occurrences": found}


def occurrence_json(occurrence: Occurrence) -> dict:
    record, wording = occurrence.record, occurrence.wording
    return {
        **quote_json(record),
        "kind": record.kind,
        "found": wording.found,
        "exact": wording.exact,
        "similarity": wording.similarity,
        "differences": [asdict(difference) for difference in wording.differences],
        "interruptions": [asdict(interruption) for interruption in wording.interruptions],
    }


def speaker_json(summary: SpeakerSummary) -> dict:
    return {
        "name": summary.name,
        "roles": list(summary.roles),
        "aliases": list(summary.aliases),
        "quotes": summary.quotes,
        "first_date": summary.first_date.isoformat() if summary.first_date else None,
        "last_date": summary.last_date.isoformat() if summary.last_date else None,
    }


def speakers_text(summaries: list[SpeakerSummary], color: bool) -> str:
    """One line a speaker: quote count, name, roles, and the other forms merged into the name."""
    lines = []
    for summary in summaries:
        name = _style(summary.name, color, fg="cyan", bold=True)
        line = f"{summary.quotes:>5}  {name}"
        if summary.roles:
            line += f" — {'; '.join(summary.roles)}"
        if summary.aliases:
            line += _style(f"  (also: {', '.join(summary.aliases)})", color, dim=True)
        lines.append(line)
    lines.append(f"{len(summaries)} speaker{'s' if len(summaries) != 1 else ''}")
    return "\n".join(lines)
