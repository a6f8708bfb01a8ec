"""The Whoosh engine: the index in a folder on this machine, the default.

A thin adapter: every call goes to the modules beside it (`index`, `query`) or to
`search.indexer`, which do the work.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType

from search import indexer
from search.engine import Engine
from search.engine.request import SearchRequest
from search.engine.whoosh import index
from search.errors import IndexIncompatible, folder
from search.model import IndexedFile, Record, SearchResult, SpeakerSummary
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES


def _query() -> ModuleType:
    """The searching module, imported by the first search: it loads numpy, which the writing
    processes an update forks need not carry (about 14 MB each)."""
    from search.engine.whoosh import query

    return query


class WhooshEngine(Engine):
    """The Whoosh index in `root` (`--index`)."""

    name = "whoosh"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return folder(self.root)

    def problem(self) -> str | None:
        store = WhooshStore(self.root)
        if not store.exists():
            return f"no index in {folder(self.root)}"
        if not store.compatible():
            return f"the index in {folder(self.root)} is from an incompatible version"
        return None

    def update(
        self,
        corpus: Path,
        *,
        rebuild: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        progress: Callable[[], None] | None = None,
        extraction: indexer.Extraction | None = None,
    ) -> indexer.UpdateReport:
        return indexer.update_index(
            corpus,
            WhooshStore(self.root),
            rebuild=rebuild,
            max_bytes=max_bytes,
            lock_timeout=lock_timeout,
            progress=progress,
            extraction=extraction,
        )

    def search(self, request: SearchRequest) -> SearchResult:
        return _query().search(self.root, request)

    def quotes(
        self, speakers: tuple[str, ...] = (), min_confidence: float | None = None
    ) -> list[Record]:
        return _query().iter_quotes(self.root, speakers, min_confidence)

    def speakers(self) -> list[SpeakerSummary]:
        return _query().speaker_summaries(self.root)

    def suggest_speakers(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        return _query().suggest_speakers(self.root, names)

    def record(self, document_id: str) -> Record | None:
        return _query().get_record(self.root, document_id)

    def copies(self, document_id: str) -> list[Record]:
        return _query().copies_of(self.root, document_id)

    def wording_candidates(self, words: str, limit: int) -> list[Record]:
        return _query().wording_candidates(self.root, words, limit)

    def keep_open(self) -> None:
        index.keep_open(self.root)

    def version(self) -> Hashable:
        return index.live_version(self.root)


class WhooshStore:
    """The Whoosh index in `root` as an update writes it (`search.indexer.DocumentStore`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._indexed: dict[str, IndexedFile] | None = None

    def locked(self, timeout: float) -> AbstractContextManager[None]:
        return index.update_lock(self.root, timeout)

    def remove_leftovers(self) -> None:
        index.remove_stale_generations(self.root)

    def exists(self) -> bool:
        return index.index_exists(self.root)

    def compatible(self) -> bool:
        try:
            index.check_version(self.root)
        except IndexIncompatible:
            return False
        return True

    def indexed_files(self) -> dict[str, IndexedFile]:
        self._indexed = index.indexed_files(self.root)
        return self._indexed

    def writer(self, *, fresh: bool) -> index.IndexWriter:
        """The writer, given the files `indexed_files` read, so it does not read them again."""
        return index.IndexWriter(self.root, fresh=fresh, files=None if fresh else self._indexed)
