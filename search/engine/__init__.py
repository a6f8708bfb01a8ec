"""The engine boundary: everything the command line and the web layer ask of an index.

An engine stores the package's index documents and answers with the package's own records
(`search.model`): the layers above never see an engine's types, so Whoosh in one process and
a Typesense cluster answer the same commands with the same output. Only the modules under
`search.engine` (and the Whoosh modules they delegate to) import an engine library, and each
engine is imported only when chosen, so `search --help` loads none.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING

from search.errors import EngineUnavailable
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from search.engine.request import SearchRequest
    from search.indexer import Extraction, UpdateReport
    from search.model import Record, SearchResult, SpeakerSummary

ENGINES = ("whoosh", "typesense")
DEFAULT_ENGINE = "whoosh"


class Engine(ABC):
    """One index, whichever engine keeps it: brought up to date from a corpus, and searched."""

    name: str

    @abstractmethod
    def describe(self) -> str:
        """Where the index is, as a message names it (`./index`, a collection on some nodes)."""

    @abstractmethod
    def problem(self) -> str | None:
        """Why the index cannot answer yet (none built, or built by an incompatible version),
        or None when it can: the command line then builds it from the corpus."""

    @abstractmethod
    def update(
        self,
        corpus: Path,
        *,
        rebuild: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        progress: Callable[[], None] | None = None,
        extraction: Extraction | None = None,
    ) -> UpdateReport:
        """Index new and changed files and forget deleted ones; `rebuild` builds a new index
        and switches to it only once complete."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult:
        """A page of ranked (or dated) hits, copies grouped, with highlights, facets, the
        total and suggestions."""

    @abstractmethod
    def quotes(
        self, speakers: tuple[str, ...] = (), min_confidence: float | None = None
    ) -> list[Record]:
        """Every quotation in corpus order, optionally by `speakers` and at least this sure."""

    @abstractmethod
    def speakers(self) -> list[SpeakerSummary]:
        """Everyone quoted, most quoted first, with roles and the forms of the name merged."""

    @abstractmethod
    def suggest_speakers(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        """For each of `names` that matches no one quoted, the closest names of people who are."""

    @abstractmethod
    def record(self, document_id: str) -> Record | None:
        """The document with this id (as hits and `search quotes` give it), if any."""

    @abstractmethod
    def copies(self, document_id: str) -> list[Record]:
        """Every document carrying the same quotation by the same speaker, in corpus order."""

    @abstractmethod
    def wording_candidates(self, words: str, limit: int) -> list[Record]:
        """Documents sharing the most words with `words` (plain text, never syntax), best
        first: what `search verify` compares word by word."""

    @abstractmethod
    def keep_open(self) -> None:
        """Keep what searches need open between them, as a resident server does; each search
        still answers from the live index."""

    @abstractmethod
    def version(self) -> Hashable:
        """Which state of the index is live: whatever is read from the whole index (everyone
        quoted) holds as long as this does."""


def open_engine(name: str | None = None, *, index_root: Path, nodes: str | None = None) -> Engine:
    """The engine called `name` (Whoosh by default) for the index `index_root` names.

    Whoosh keeps the index in that folder; Typesense keeps it on the cluster `nodes` list (one
    URL each, comma-separated), in a collection named after the folder's last part.
    """
    name = (name or DEFAULT_ENGINE).strip().lower()
    if name == "whoosh":
        from search.engine.whoosh import WhooshEngine

        return WhooshEngine(index_root)
    if name == "typesense":
        try:
            import typesense  # noqa: F401 (installed with the `cluster` extra)
        except ImportError:
            raise EngineUnavailable(
                "the typesense engine is not installed: pip install 'quote-search[cluster]'"
            ) from None
        from search.engine.typesense import TypesenseEngine

        return TypesenseEngine(Path(index_root).name, nodes)
    raise EngineUnavailable(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
