"""The records that flow one way through the package: files → articles → quotes → index → hits.

Plain frozen dataclasses, free of any search-engine type, so that every stage can be tested
and replaced on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article file, already normalised (see `search.corpus`).

    `paragraphs` excludes the title; paragraph numbers used elsewhere index into it. `date` is
    the date the file gives as metadata (HTML, JSON Lines), which is the article's own date;
    `url` and `publication` are where it was published and by whom, when the file says.
    """

    source: str  # path relative to the corpus folder, with forward slashes (`:N` for line N)
    title: str
    paragraphs: tuple[str, ...]
    content_hash: str = ""
    date: dt.date | None = None
    url: str | None = None
    publication: str | None = None


@dataclass(frozen=True)
class Quote:
    """A direct quotation and who said it, when.

    `text` is the quotation without its marks (a trailing comma that belongs to the attribution
    sentence is dropped). `paragraph` is where the quotation opens; `start`/`end` are the
    half-open character span of the quotation in that paragraph, so that within one paragraph
    `paragraphs[paragraph][start:end] == text` (a quotation running on into later paragraphs
    ends its span at the end of the opening paragraph).
    `statement` is False for scare quotes, quoted names and titles, which nobody says. `speaker`
    is None for those, for unnamed sources, whose `described_as` holds the article's words for
    them (`a spokesman`), and for statements whose speaker the article does not give (a chant,
    a sign, words it leaves unattributed).
    `aliases` are the other forms the article uses for the same speaker (`Lu`, `the diplomat`).
    `last_paragraph` is where a quotation running over several paragraphs ends (None when it
    ends where it opens). `confidence` (0 to 1) is how likely the speaker is right, from how
    the attribution was read (None without a speaker).
    """

    text: str
    paragraph: int
    start: int
    end: int
    speaker: str | None = None
    role: str | None = None
    date: dt.date | None = None
    aliases: tuple[str, ...] = field(default=())
    last_paragraph: int | None = None
    confidence: float | None = None
    described_as: str | None = None
    statement: bool = True


@dataclass(frozen=True)
class Extraction:
    """What the extractor learns from one article: its quotations and the article's own date."""

    quotes: tuple[Quote, ...]
    article_date: dt.date | None = None


@dataclass(frozen=True)
class IndexDocument:
    """One searchable unit: a quotation (`kind="quote"`) or a narrative paragraph (`"passage"`).

    `body` is the paragraph (for a quotation, every paragraph it stands in, with the other
    quotations there left out), so narrative sharing a paragraph with a quotation stays
    searchable and a quotation ranks with the evidence of its paragraph, but never matches
    through someone else's words; `quote` then adds a bonus for words in the quotation itself.
    `paragraph` is the whole paragraph, stored for showing. `position` orders documents within
    their article. `statement` is, for a quotation its attribution interrupts (`“…,” he said.
    “…”`), the whole statement: the quotation's parts with, between each two, the paragraph's
    words that stood between them, marks included (empty for a quotation standing whole).
    """

    id: str
    kind: str
    source: str
    position: int
    title: str
    body: str
    paragraph: str
    quote: str | None = None
    speaker: str | None = None
    role: str | None = None
    aliases: tuple[str, ...] = ()
    date: dt.date | None = None
    confidence: float | None = None
    described_as: str | None = None
    statement: tuple[str, ...] = ()
    url: str | None = None  # the article's, as in `Article`
    publication: str | None = None


@dataclass(frozen=True)
class IndexedFile:
    """What the index remembers of each corpus file, to find what changed since."""

    name: str
    content_hash: str
    signature: str = ""  # `SourceFile.signature` when indexed


@dataclass(frozen=True)
class Hit:
    """One ranked answer, engine-free: `highlights` are `[start, end)` spans inside `snippet`.

    `score` is None when hits are sorted by date rather than ranked. `in_quotation` says the
    snippet is the quotation's own words, which alone may be shown inside quote marks; when
    the searched words are in the narrative around a quotation, the snippet is that narrative.
    """

    id: str
    kind: str
    score: float | None
    speaker: str | None
    role: str | None
    date: dt.date | None
    quote: str | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    title: str
    source: str
    copies: int = 1  # how many articles carry this quotation
    sources: tuple[str, ...] = ()
    confidence: float | None = None
    described_as: str | None = None
    in_quotation: bool = False
    url: str | None = None  # the article's address and publisher, when its file gives them
    publication: str | None = None


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, how many matched in all, and what helps the user go on.

    `first` is the rank of the page's first hit; `facets` maps a facet (`speaker`, `year`,
    `month`) to counts over all hits; `suggestion` is the query with unknown words corrected;
    `speaker_suggestions` maps each --speaker that matched no one to the closest known names;
    `undated_left_out` counts the undated hits that --since/--until kept out; `cut_patterns`
    names the prefixes and wildcards that matched more words than a search may expand.
    `total_relation` is "eq" when `total` is exact and "gte" when it is a lower bound, for an
    engine that counts hits only up to a bound (as Elasticsearch's `track_total_hits`); both
    engines here count every match.
    """

    query: str
    total: int
    hits: tuple[Hit, ...]
    total_relation: str = "eq"  # or "gte"
    first: int = 1
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    speaker_suggestions: dict[str, list[str]] = field(default_factory=dict)
    undated_left_out: int = 0
    cut_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """An indexed document as stored, for listing (`search quotes`) and showing (`search show`).

    `statement` is as in `IndexDocument`: a split quotation's parts and what interrupted them.
    """

    id: str
    kind: str
    speaker: str | None
    role: str | None
    aliases: tuple[str, ...]
    date: dt.date | None
    quote: str | None
    paragraph: str
    title: str
    source: str
    confidence: float | None = None
    described_as: str | None = None
    statement: tuple[str, ...] = ()
    url: str | None = None
    publication: str | None = None


@dataclass(frozen=True)
class SpeakerSummary:
    """Who is quoted, how often, in which roles, and which other forms were merged into the name."""

    name: str
    quotes: int
    roles: tuple[str, ...]
    aliases: tuple[str, ...]
    first_date: dt.date | None
    last_date: dt.date | None
