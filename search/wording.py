"""Checking a wording against the corpus: where do these exact words appear, or nearly these?

A fact-checker holding a quotation wants every place it appears, including copies with a few
words changed, added or dropped, and to see exactly how each differs. The engine proposes
candidates by shared words; the comparison here is engine-free, word by word.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search.model import Record

if TYPE_CHECKING:
    from search.engine import Engine

# Up to this share of the given words may differ (changed, added or dropped) in a near-exact
# copy, and at least one word once there are enough words left to recognise the wording by.
NEAR_EXACT_SHARE = 0.25
FEWEST_WORDS_FOR_A_CHANGE = 4
CANDIDATES = 200

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_BOUNDARY = re.compile(r"[.!?;:“”\"]")
_KINDS = {"replace": "changed", "insert": "added", "delete": "dropped"}


@dataclass(frozen=True)
class Difference:
    """One edit from the given words to the words found: `changed`, `added` or `dropped`.

    `start`/`end` place it in `Wording.found`: the words found there, or for dropped words the
    empty span where they would stand.
    """

    kind: str
    given: str
    found: str
    start: int
    end: int


@dataclass(frozen=True)
class Interruption:
    """Where the attribution stood inside a split quotation: `at` is the space in
    `Wording.found` that joins the parts, `words` what the paragraph prints there
    (`,” he said. “`)."""

    at: int
    words: str


@dataclass(frozen=True)
class Wording:
    """The stretch of a text that matches the given words, and how it differs from them."""

    found: str
    similarity: float
    differences: tuple[Difference, ...]
    interruptions: tuple[Interruption, ...] = ()

    @property
    def exact(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class Occurrence:
    """Where a wording appears: the document, and the wording as printed there."""

    record: Record
    wording: Wording


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold().replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def compare(given: str, text: str, interruptions: tuple[Interruption, ...] = ()) -> Wording | None:
    """The part of `text` closest to `given`, if it differs by no more than a few words.

    `interruptions` place the attributions of a split quotation in `text`: the parts, joined by
    one space each, are compared as the one statement they are.
    """
    wanted = [_fold(word) for word in _WORD.findall(given)]
    spans = [(match.start(), match.end()) for match in _WORD.finditer(text)]
    words = [_fold(text[start:end]) for start, end in spans]
    if not wanted or not words:
        return None
    window = _best_window(wanted, words)
    if window is None:
        return None
    first, last = _within_sentence(window, spans, text)
    offset = spans[first][0]
    places = [(start - offset, end - offset) for start, end in spans[first:last]]
    found = text[offset : spans[last - 1][1]]
    matcher = difflib.SequenceMatcher(None, wanted, words[first:last], autojunk=False)
    given_words = _WORD.findall(given)
    differences = tuple(
        Difference(
            kind=_KINDS[operation],
            given=" ".join(given_words[g_start:g_end]),
            found=" ".join(found[start:end] for start, end in places[f_start:f_end]),
            start=places[f_start][0] if f_start < len(places) else len(found),
            end=places[f_end - 1][1] if f_end > f_start else _gap(places, f_start, found),
        )
        for operation, g_start, g_end, f_start, f_end in matcher.get_opcodes()
        if operation != "equal"
    )
    changed = sum(max(len(d.given.split()), len(d.found.split())) for d in differences)
    if changed > allowed_changes(len(wanted)):
        return None
    inside = tuple(
        Interruption(interruption.at - offset, interruption.words)
        for interruption in interruptions
        if offset < interruption.at < offset + len(found)
    )
    return Wording(found, round(matcher.ratio(), 3), differences, inside)


def _within_sentence(
    window: tuple[int, int], spans: list[tuple[int, int]], text: str
) -> tuple[int, int]:
    """Trim a stretch at its ends where it crosses into another sentence or quotation."""
    first, last = window

    def boundary(left: int) -> bool:  # between word `left` and word `left + 1`
        return bool(_BOUNDARY.search(text[spans[left][1] : spans[left + 1][0]]))

    while last - first > 1 and boundary(last - 2):
        last -= 1
    while last - first > 1 and boundary(first):
        first += 1
    return first, last


def allowed_changes(words: int) -> int:
    """How many words may differ from a wording of this many words in a near-exact copy."""
    if words < FEWEST_WORDS_FOR_A_CHANGE:
        return 0
    return max(1, int(NEAR_EXACT_SHARE * words))


def _gap(places: list[tuple[int, int]], index: int, found: str) -> int:
    """Where dropped words would stand: the start of the next word found (or the end)."""
    return places[index][0] if index < len(places) else len(found)


def _best_window(wanted: list[str], words: list[str]) -> tuple[int, int] | None:
    """The stretch of `words` (start, end) that shares the most words, in order, with `wanted`.

    Matching blocks further apart than twice the wording's length belong to different passages.
    The stretch reaches as many words before and after its matches as `wanted` has there, so
    a changed first or last word shows as changed, not dropped.
    """
    blocks = [
        block
        for block in difflib.SequenceMatcher(
            None, wanted, words, autojunk=False
        ).get_matching_blocks()
        if block.size
    ]
    best, best_matched = None, 0
    for start in range(len(blocks)):
        matched = 0
        for end in range(start, len(blocks)):
            if end > start and blocks[end].b - blocks[end - 1].b > 2 * len(wanted):
                break
            matched += blocks[end].size
            if matched > best_matched:
                best_matched = matched
                head = blocks[start].a
                tail = len(wanted) - blocks[end].a - blocks[end].size
                best = (
                    max(0, blocks[start].b - head),
                    min(len(words), blocks[end].b + blocks[end].size + tail),
                )
    return best


def spoken_text(record: Record) -> tuple[str, tuple[Interruption, ...]]:
    """What a document says in its own words: a split quotation's parts joined, where the
    attributions stood; a quotation; or a passage's paragraph."""
    if not record.statement:
        return (record.quote if record.quote is not None else record.paragraph), ()
    text, interruptions = record.statement[0], []
    for words, part in zip(record.statement[1::2], record.statement[2::2], strict=True):
        interruptions.append(Interruption(len(text), words))
        text += f" {part}"
    return text, tuple(interruptions)


def verify(engine: Engine, given: str) -> list[Occurrence]:
    """Every document holding `given` exactly or nearly, earliest first (undated last)."""
    occurrences = []
    seen = set()  # each part of a split quotation leads to the same statement
    for record in engine.wording_candidates(given, CANDIDATES):
        text, interruptions = spoken_text(record)
        wording = compare(given, text, interruptions)
        if wording and (key := (record.source, text, wording.found)) not in seen:
            seen.add(key)
            occurrences.append(Occurrence(record, wording))
    return sorted(
        occurrences,
        key=lambda item: (
            item.record.date is None,
            item.record.date or dt.date.min,
            -item.wording.similarity,
            item.record.source,
        ),
    )
