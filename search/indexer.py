"""Bringing the index up to date with the corpus folder.

Engine-free orchestration: find what changed by content hash, and have the engine's writer add
the documents extracted from only those files (in its writing processes, for many files). A file
that cannot be used is named with the reason and the run goes on; a file that only became
unreadable keeps what was indexed from it before.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.util
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.corpus import Skipped, SourceFile, check_folder, iter_corpus, read_articles
from search.documents import article_documents
from search.extract import extract
from search.index import (
    IndexIncompatible,
    IndexWriter,
    check_version,
    index_exists,
    indexed_files,
    remove_stale_generations,
    update_lock,
)
from search.model import IndexDocument, IndexedFile
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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
    index_root: Path,
    *,
    rebuild: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Callable[[], None] | None = None,
) -> UpdateReport:
    """Index new and changed files and forget deleted ones; `rebuild` starts from nothing.

    An index written with another schema is rebuilt rather than mixed with new documents.
    """
    check_folder(corpus)
    with update_lock(index_root, lock_timeout):
        remove_stale_generations(index_root)
        if not rebuild and index_exists(index_root):
            try:
                check_version(index_root)
            except IndexIncompatible:
                rebuild = True
        first = not index_exists(index_root)
        fresh = rebuild or first
        report = UpdateReport(rebuilt=fresh, first=first)
        indexed = {} if fresh else indexed_files(index_root)
        files = iter_corpus(corpus, max_bytes, indexed)
        changed, removed, touched = _plan(files, indexed, report, progress)
        if not (fresh or changed or removed or touched):
            return report
        writer = IndexWriter(index_root, fresh=fresh, files=indexed)
        try:
            for name in removed:
                writer.remove_file(name)
                report.removed += 1
            for file in touched:
                writer.refresh_file(_record(file))
            written = bytearray(len(changed))  # a flag a file: little to keep for 80,000
            warnings_of: dict[int, list[str]] = {}
            for place, has_documents, warnings in writer.add_files(changed, _record, _documents_of):
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


def _documents_of(file: SourceFile) -> tuple[list[IndexDocument], list[str]]:
    """Read, extract and lay out one file's documents; one bad article does not sink the file."""
    articles, warnings = read_articles(file)
    documents: list[IndexDocument] = []
    for article in articles:
        try:
            documents += article_documents(article, extract(article))
        except Exception as error:  # one article the extractor trips on must not stop the run
            warnings.append(f"{article.source}: extraction failed ({error!r}); skipped")
    return documents, warnings
