"""Bringing the index up to date with the corpus folder.

Engine-free orchestration: find what changed by content hash, extract only those articles and
hand their documents to the engine's writer. A file that cannot be used is named with the reason
and the run goes on; a file that only became unreadable keeps what was indexed from it before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.corpus import Skipped, SourceFile, iter_corpus, read_articles
from search.documents import article_documents
from search.extract import extract
from search.index import (
    IndexIncompatible,
    IndexWriter,
    check_version,
    index_exists,
    remove_stale_generations,
    update_lock,
)
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES


@dataclass
class UpdateReport:
    """What an update did, for the one-line summary and warnings on stderr."""

    rebuilt: bool = False
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
    files = iter_corpus(corpus, max_bytes)
    with update_lock(index_root, lock_timeout):
        remove_stale_generations(index_root)
        if not rebuild and index_exists(index_root):
            try:
                check_version(index_root)
            except IndexIncompatible:
                rebuild = True
        fresh = rebuild or not index_exists(index_root)
        report = UpdateReport(rebuilt=fresh)
        writer = IndexWriter(index_root, fresh=fresh)
        try:
            _apply(writer, files, report, progress)
            if report.changed:
                writer.commit()
            else:
                writer.cancel()
        except BaseException:
            writer.cancel()
            raise
    return report


def _apply(
    writer: IndexWriter,
    files: Iterable[SourceFile | Skipped],
    report: UpdateReport,
    progress: Callable[[], None] | None,
) -> None:
    indexed = writer.indexed_files()
    present: set[str] = set()
    for file in files:
        if progress:
            progress()
        present.add(file.source)
        if isinstance(file, Skipped):
            report.skipped.append(file)
            continue
        previous = indexed.get(file.source)
        if previous and previous.content_hash == file.content_hash:
            report.unchanged += 1
            continue
        articles, warnings = read_articles(file)
        report.warnings += [f"{file.source}: {warning}" for warning in warnings]
        documents = []
        for article in articles:
            try:
                documents += article_documents(article, extract(article))
            except Exception as error:  # one article the extractor trips on must not stop the run
                report.warnings.append(f"{article.source}: extraction failed ({error!r}); skipped")
        if not documents:
            report.skipped.append(Skipped(file.source, "no article in it could be read"))
            continue
        writer.add_file(file.source, file.content_hash, documents)
        if previous:
            report.updated += 1
        else:
            report.added += 1
    for source in indexed.keys() - present:
        writer.remove_file(source)
        report.removed += 1
