"""Bringing the index up to date with the corpus folder.

Engine-free orchestration: find what changed by content hash, and have the engine's writer add
the documents extracted from only those files (in its writing processes, for many files, or as
a Dask cluster returns them). A file that cannot be used is named with the reason and the run
goes on; a file that only became unreadable keeps what was indexed from it before.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.util
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from search.corpus import Skipped, SourceFile, check_folder, iter_corpus, read_articles
from search.documents import article_documents
from search.extract import extract
from search.model import IndexDocument, IndexedFile
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

Extracted = tuple[SourceFile, list[IndexDocument], list[str]]
# Runs the reading of one file (given its content, or None to read it) over many files,
# elsewhere, yielding each file's result once, as it finishes: see search/distributed.py.
Extraction = Callable[
    [Callable[[SourceFile, bytes | None], Extracted], list[SourceFile]], Iterator[Extracted]
]


def _as_helper(_owner: object) -> None:
    """In every process an update forks (index writers): die with the update, and leave Ctrl-C
    to it.

    Killed outright (`kill -9`), an update cannot stop its helpers, and they would wait for
    work forever: Linux sends them a signal when it dies (elsewhere nothing is done). Ctrl-C
    reaches every process of the terminal's foreground group: each helper would print a
    traceback of its own, while the update stops them itself and says so in one line.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


multiprocessing.util.register_after_fork(_as_helper, _as_helper)


class DocumentWriter(Protocol):
    """An engine's writer of one update: what it is given, it shows only once committed."""

    def remove_file(self, name: str) -> None: ...
    def add_file(self, file: IndexedFile, documents: Iterable[IndexDocument]) -> None: ...
    def add_files(
        self,
        files: Sequence[SourceFile],
        record: Callable[[SourceFile], IndexedFile],
        read: Callable[[SourceFile], tuple[list[IndexDocument], list[str]]],
    ) -> Iterator[tuple[int, bool, list[str]]]:
        """Add what `read` gives for each of `files` (the engine may read them in processes
        of its own, in any order), yielding each file's place, whether it had documents, and
        its warnings."""
        ...

    def refresh_file(self, file: IndexedFile) -> None: ...
    def commit(self) -> None: ...
    def cancel(self) -> None: ...


class DocumentStore(Protocol):
    """Where an engine keeps index documents and the per-file records that find what changed."""

    def locked(self, timeout: float) -> AbstractContextManager[None]:
        """Held while updating, so two updates never interleave."""
        ...

    def remove_leftovers(self) -> None:
        """Drop what interrupted builds left behind."""
        ...

    def exists(self) -> bool: ...
    def compatible(self) -> bool:
        """Whether the existing index was written with this program's schema."""
        ...

    def indexed_files(self) -> dict[str, IndexedFile]: ...
    def writer(self, *, fresh: bool) -> DocumentWriter:
        """A writer into the live index, or (`fresh`) into a new one made live on commit."""
        ...


@dataclass
class UpdateReport:
    """What an update did, for the one-line summary and warnings on stderr."""

    rebuilt: bool = False
    first: bool = False  # no index was there before: built, not rebuilt
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.rebuilt or bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        counts = (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )
        if self.first:
            return f"index built: {counts}"
        if self.rebuilt:
            return f"index rebuilt: {counts}"
        if not self.changed:
            return f"index is up to date: nothing to do ({counts})"
        return f"index updated: {counts}"


def update_index(
    corpus: Path,
    store: DocumentStore,
    *,
    rebuild: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Callable[[], None] | None = None,
    extraction: Extraction | None = None,
) -> UpdateReport:
    """Index new and changed files and forget deleted ones; `rebuild` starts from nothing.

    An index written with another schema is rebuilt rather than mixed with new documents.
    `store` is the engine's (`WhooshStore`, `TypesenseStore`): this module knows no engine.
    `extraction` runs the reading of changed files elsewhere (`DaskCluster.map`); by default
    the engine's writer reads them.
    """
    check_folder(corpus)
    with store.locked(lock_timeout):
        store.remove_leftovers()
        if not rebuild and store.exists() and not store.compatible():
            rebuild = True
        first = not store.exists()
        fresh = rebuild or first
        report = UpdateReport(rebuilt=fresh, first=first)
        indexed = {} if fresh else store.indexed_files()
        files = iter_corpus(corpus, max_bytes, indexed)
        changed, removed, touched = _plan(files, indexed, report, progress)
        if not (fresh or changed or removed or touched):
            return report
        writer = store.writer(fresh=fresh)
        if extraction is None:
            added = writer.add_files(changed, _record, _documents_of)
        else:
            added = add_read(writer, changed, _record, extraction(_extracted, changed))
        try:
            for name in removed:
                writer.remove_file(name)
                report.removed += 1
            for file in touched:
                writer.refresh_file(_record(file))
            written = bytearray(len(changed))  # a flag a file: little to keep for 80,000
            warnings_of: dict[int, list[str]] = {}
            for place, has_documents, warnings in added:
                written[place] = has_documents
                if warnings:
                    warnings_of[place] = warnings
                if progress:
                    progress()
            for place, file in enumerate(changed):  # in the corpus's order, whoever wrote it
                warnings = warnings_of.get(place, ())
                report.warnings += [f"{file.source}: {warning}" for warning in warnings]
                if not written[place]:
                    report.skipped.append(Skipped(file.source, "no article in it could be read"))
                elif file.source in indexed:
                    report.updated += 1
                else:
                    report.added += 1
            if report.changed or touched:
                writer.commit()
            else:
                writer.cancel()
        except BaseException:  # Ctrl-C too: the index is left as it was
            added.close()  # a Dask cluster's batches are let go now, not when Python exits
            writer.cancel()
            raise
    return report


def _plan(
    files: Iterable[SourceFile | Skipped],
    indexed: dict[str, IndexedFile],
    report: UpdateReport,
    progress: Callable[[], None] | None,
) -> tuple[list[SourceFile], list[str], list[SourceFile]]:
    """Which files to read again (new or changed content), which to forget (gone), and which
    kept their content under a new signature (touched, copied), to remember it."""
    changed: list[SourceFile] = []
    touched: list[SourceFile] = []
    present: set[str] = set()
    for file in files:
        present.add(file.source)
        previous = indexed.get(file.source)
        if isinstance(file, Skipped):
            report.skipped.append(file)
        elif previous and previous.content_hash == file.content_hash:
            report.unchanged += 1
            if file.signature and file.signature != previous.signature:
                touched.append(file)
        else:
            changed.append(file)
            continue
        if progress:
            progress()
    return changed, sorted(indexed.keys() - present), touched


def _record(file: SourceFile) -> IndexedFile:
    return IndexedFile(file.source, file.content_hash, file.signature)


def add_read(
    writer: DocumentWriter,
    files: Sequence[SourceFile],
    record: Callable[[SourceFile], IndexedFile],
    results: Iterable[Extracted],
) -> Iterator[tuple[int, bool, list[str]]]:
    """Add each file's documents as `results` brings them, in any order, and yield what
    `DocumentWriter.add_files` yields: a writer that reads nothing itself, and a Dask
    cluster's results, go through here."""
    places = {file.source: place for place, file in enumerate(files)}
    for file, documents, warnings in results:
        place = places[file.source]
        if documents:
            writer.add_file(record(files[place]), documents)
        yield place, bool(documents), warnings


def _extracted(file: SourceFile, data: bytes | None) -> Extracted:
    """What a Dask worker sends back for one file: the file, its documents and warnings."""
    return (file, *_documents_of(file, data))


def _documents_of(
    file: SourceFile, data: bytes | None = None
) -> tuple[list[IndexDocument], list[str]]:
    """Read, extract and lay out one file's documents; one bad article does not sink the file.

    `data` is the file's content when it was read elsewhere (see `read_articles`).
    """
    articles, warnings = read_articles(file, data)
    documents: list[IndexDocument] = []
    for article in articles:
        try:
            documents += article_documents(article, extract(article))
        except Exception as error:  # one article the extractor trips on must not stop the run
            warnings.append(f"{article.source}: extraction failed ({error!r}); skipped")
    return documents, warnings
