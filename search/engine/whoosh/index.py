"""The Whoosh index on disk: schema, generations, atomic swaps, locking and version checks.

Layout of an index folder:

    CURRENT            JSON naming the live generation, its schema and the program version
    gen-<stamp>/       one complete Whoosh index; only the one CURRENT names is live
      RETIRED          in a generation a rebuild replaced: when it was, for its removal
      <segment>.sizes  JSON: the size of each of the segment's files when it was written
      files-<n>.marshal  every indexed file's hash and signature as of Whoosh's commit n
    .lock              held by whoever is updating, so two updates never interleave

A rebuild writes a fresh generation beside the live one and replaces CURRENT in one atomic
rename, so an interrupted rebuild leaves the old index answering. The generation it replaced is
kept for `RETIRED_KEPT_SECONDS`, for the searches that opened it just before. Incremental
updates go into the live generation through Whoosh's own atomic commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import functools
import gc
import itertools
import json
import marshal
import os
import shutil
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from whoosh import index as whoosh_index
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.lang.porter2 import stem
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from search import __version__
from search.engine.keys import (
    EXACT_WORD,
    TEXT_STOP_WORDS,
    UNNAMED_KEY,
    article_key,
    day_number,
    name_key,
    quote_key,
)
from search.engine.whoosh.postings import ArrayCodec
from search.errors import (
    IndexBusy,
    IndexDamaged,
    IndexIncompatible,
    IndexMissing,
    IndexProblem,
    folder,
)
from search.model import IndexDocument, IndexedFile

# 13: posting blocks in the layout of `search.engine.whoosh.postings`; an index of an earlier
# schema is rebuilt on first use.
SCHEMA_VERSION = 13
# The speaker key of a quotation from a source the article does not name: no name folds to it.
CURRENT_FILE = "CURRENT"
RETIRED_FILE = "RETIRED"
# A search opens a generation's files as it goes, and a rebuild may replace the generation
# meanwhile: removed at once, its files went missing under searches that had opened it a moment
# before, and searching while rebuilds followed each other failed after every retry.
RETIRED_KEPT_SECONDS = 60.0
LOCK_FILE = ".lock"
GENERATION_PREFIX = "gen-"
FILE_KIND = "file"
# Postings each writing process keeps in memory before sorting them out to a run on disk (by
# Whoosh's estimate; a process's memory grows by about 1.3 times this). More runs cost little
# (`_PostingPool`); at 80,000 articles 64 MB took a build over 500 MB, with the terms each
# process holds as it finishes its segment, and 40 MB peaked at 503 MB (RSS summed over the
# processes; 454 MB counting their shared pages once).
WRITER_MEMORY_MB = 32
# An update with this many files to read writes them in `WRITER_PROCESSES` processes, each
# reading, extracting and writing a share of them into a segment of its own; fewer files are
# not worth starting a process for.
PARALLEL_FROM = 64
WRITER_PROCESSES = 2
FILES_TAKEN = 16  # at a time by a writing process
# Columns every document fills, per-file records too: their files hold one value a document.
# (Whoosh leaves off a column's trailing default values, so most columns may be shorter.)
FULL_COLUMNS = frozenset({"article_key"})
# Beside each segment: the sizes of its files, which never change once written (Whoosh names
# it as one of the segment's files, so it is deleted with them).
SIZES_EXT = "sizes"
# Beside the latest commit: every indexed file's hash and signature, as its per-file records
# hold them. Reading 80,000 records took longer than the rest of an update of one file.
FILE_LIST = "files-{commit}.marshal"
# The only searchable fields a per-file record has: queries on other fields never match one.
BOOKKEEPING_FIELDS = frozenset({"id", "kind", "file"})
# Words are runs of letters and digits, single letters included: "U.S.", "U. S." and "u s" all
# give the words u and s, and initials ("John F. Kennedy") stay searchable.
WORD = r"\w+"
# The fields whose words are stemmed: a prefix or wildcard on them is expanded over the words as
# written (`written`), then searched as those words' stems.
STEMMED_FIELDS = frozenset({"quote", "body", "title", "role"})


@functools.cache  # one instance: its stemmer caches stems across calls
def text_analyzer() -> Analyzer:
    """Stemmed, accent-folded words; stop words leave gaps so phrases keep their exact spacing.

    Porter2 is Porter's own revision of his stemmer. It stems less eagerly: "news" no longer
    becomes "new", nor "communication" the stem of "communism".
    """
    return (
        RegexTokenizer(WORD)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=TEXT_STOP_WORDS, minsize=1, renumber=False)
        | StemFilter(stemfn=stem)
    )


@functools.cache
def exact_analyzer() -> Analyzer:
    """Every word as written (case and accents folded), for exact-wording matches."""
    return RegexTokenizer(EXACT_WORD) | LowercaseFilter() | CharsetFilter(accent_map)


@functools.cache
def written_analyzer() -> Analyzer:
    """Words cut as the stemmed fields cut them, but kept as written (case and accents folded):
    what a prefix such as `immigra*` is compared with, since Porter2 stems `immigration` to
    `immigr`."""
    return RegexTokenizer(WORD) | LowercaseFilter() | CharsetFilter(accent_map)


class _RepeatedText(TEXT):
    """A text field whose value most documents share with the document written before: an
    article's title, which every paragraph of the article carries.

    The postings of the last value are kept rather than analysed again: analysing titles took
    a seventh of the time spent writing an index.
    """

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        last = self.__dict__.get("_last")
        if last is None or last[0] != value:
            last = self._last = (value, list(super().index(value)))
        return last[1]

    def __getstate__(self) -> dict:
        """What the index stores of the field: its settings, never the kept postings."""
        return {name: item for name, item in self.__dict__.items() if name != "_last"}


def build_schema() -> Schema:
    """Fields for quotes, passages and the per-file records that track content hashes."""
    words = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        file=ID(stored=True),
        source=STORED(),
        position=STORED(),
        content_hash=STORED(),
        signature=STORED(),  # of the file when indexed: unchanged files are not read again
        speaker=TEXT(analyzer=exact_analyzer(), stored=True),
        speaker_key=ID(sortable=True),
        quote_key=COLUMN(NumericColumn("Q", default=0)),  # read whole by a search, never searched
        article_key=COLUMN(NumericColumn("Q", default=0)),  # likewise: which article, by source
        # The document's place in its file's reading order: with `article_key`, an order of
        # documents that every build gives alike, where document numbers depend on which
        # writer process stored a document.
        reading_order=COLUMN(NumericColumn("I", default=0)),
        aliases=STORED(),
        confidence=STORED(),
        described_as=STORED(),
        statement=STORED(),  # a split quotation's parts and the attribution between them
        url=STORED(),  # the article's address and publisher, for citing
        publication=STORED(),
        role=TEXT(analyzer=words, stored=True),
        # YYYYMMDD numbers: 4 index terms a date where a DATETIME takes 8, and ranges by day.
        date=NUMERIC(
            int, bits=32, signed=False, shift_step=8, stored=True, sortable=True, default=0
        ),
        quote=TEXT(analyzer=words, stored=True),
        quote_exact=TEXT(analyzer=exact_analyzer(), phrase=False),  # words only: no positions
        body=TEXT(analyzer=words, stored=True),  # what snippets of the narrative are cut from
        # The titles' and paragraphs' words as written, never scored: prefixes expand over them.
        # A file's first document holds them all (`IndexWriter.add_file`).
        written=TEXT(analyzer=written_analyzer(), phrase=False),
        paragraph=STORED(),  # only where it differs from `body`: a quotation's whole paragraph
        title=_RepeatedText(analyzer=words, stored=True),
    )


def keeps_positions(schema: Schema, fieldname: str) -> bool:
    """Whether `fieldname` records where each word stands, as phrases need."""
    return fieldname in schema and schema[fieldname].format.supports("positions")


def _read_current(root: Path) -> dict:
    try:
        return json.loads((root / CURRENT_FILE).read_text("utf-8"))
    except FileNotFoundError:
        raise IndexMissing(f"no index in {folder(root)}: run `search index`") from None
    except (OSError, ValueError) as error:
        raise IndexDamaged(
            f"the index in {folder(root)} is damaged ({error}): run `search index --rebuild`"
        ) from None


def index_exists(root: Path) -> bool:
    return (root / CURRENT_FILE).is_file()


def check_version(root: Path) -> None:
    """Raise `IndexIncompatible` when the index was written with another schema."""
    current = _read_current(root)
    if current.get("schema") != SCHEMA_VERSION:
        raise IndexIncompatible(
            f"the index in {folder(root)} was built by version "
            f"{current.get('version', 'unknown')} with schema {current.get('schema')}, "
            f"this program needs schema {SCHEMA_VERSION}: "
            "run `search index --rebuild`"
        )


def open_index(root: Path):
    """The live Whoosh index, after checking that this program can read it."""
    return _opened(root)[0]


def _opened(root: Path) -> tuple[FileIndex, TOC]:
    """The live Whoosh index, checked, and its table of contents as the checks read it: a
    search opens its reader from that rather than reading it again (each read unpickles the
    schema, some 0.2 ms)."""
    check_version(root)
    generation = root / _read_current(root)["generation"]
    try:
        index = whoosh_index.open_dir(str(generation))
    except Exception as error:
        raise IndexDamaged(
            f"the index in {folder(root)} cannot be opened ({type(error).__name__}): "
            "run `search index --rebuild`"
        ) from None
    contents = index._read_toc()
    _check_columns(root, index, contents)
    _check_sizes(root, index, contents.segments)
    return index, contents


@contextlib.contextmanager
def searching(root: Path, weighting=None, *, reopen: bool = False) -> Iterator[Searcher]:
    """A searcher on the live index: opened for this search alone, or, for an index a server
    keeps open (`keep_open`), one of the readers it holds, still current. `reopen` asks for
    the index to be opened afresh (after a failure a concurrent update may have caused)."""
    options = {"weighting": weighting} if weighting else {}
    resident = _RESIDENT.get(Path(root).absolute())
    if resident is None:
        index, contents = _opened(root)
        reader = index._reader(
            index.storage, contents.schema, contents.segments, contents.generation
        )
        with Searcher(reader, fromindex=index, **options) as searcher:
            yield searcher
    else:
        with resident.searcher(options, reopen=reopen) as searcher:
            yield searcher


def keep_open(root: Path) -> None:
    """Keep the index in `root` open between searches, as a resident server does.

    Opening and checking an index costs every search several milliseconds; a server pays it
    once a generation. Each search still sees the live index: a new generation (a rebuild's)
    or a new commit (an update's) is opened on the first search after it.
    """
    _RESIDENT[Path(root).absolute()] = _ResidentIndex(root)


class _ResidentIndex:
    """The live index of one folder, kept open, and readers of it to lend out.

    A Whoosh reader is not safe to use from two threads at once, so each search borrows a
    reader of its own; readers of a replaced index are closed when they come back.
    """

    IDLE_READERS = 8  # kept for reuse; more searches at once open readers of their own

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._index = None
        self._version: tuple[str, int] | None = None
        self._idle: list = []

    def _borrow(self, reopen: bool) -> tuple:
        """A reader of the live index (the index opened again when it is no longer the live
        one), the index and its version."""
        version = live_version(self.root)
        with self._lock:
            if reopen or version != self._version:
                index = open_index(self.root)
                stale, self._idle = self._idle, []
                self._index, self._version = index, _version_of(index)
                for reader in stale:
                    reader.close()
            index, version = self._index, self._version
            reader = self._idle.pop() if self._idle else None
        return reader or index.reader(), index, version

    @contextlib.contextmanager
    def searcher(self, options: dict, *, reopen: bool) -> Iterator[Searcher]:
        reader, index, version = self._borrow(reopen)
        try:
            yield Searcher(reader, closereader=False, fromindex=index, **options)
        finally:
            with self._lock:
                keep = self._version == version and len(self._idle) < self.IDLE_READERS
                if keep:
                    self._idle.append(reader)
            if not keep:
                reader.close()


_RESIDENT: dict[Path, _ResidentIndex] = {}


def live_version(root: Path) -> tuple[str, int]:
    """Which state of the index is live: the generation CURRENT names and Whoosh's latest
    commit in it (-1 for a generation a rebuild has just removed). Whatever is read from the
    whole index holds as long as this does."""
    generation = _read_current(root)["generation"]
    return generation, TOC._latest_generation(FileStorage(str(root / generation)), "MAIN")


def _version_of(index) -> tuple[str, int]:
    return Path(index.storage.folder).name, index.latest_generation()


def _damaged(root: Path, filename: str, problem: str) -> IndexDamaged:
    return IndexDamaged(
        f"the index in {folder(root)} is damaged ({filename} {problem}): "
        "run `search index --rebuild`"
    )


def _record_sizes(index) -> None:
    """Write down the sizes of the files of each segment that has no record yet.

    A segment's files never change once committed, so a size that differs later is damage:
    a postings file cut short can otherwise answer some words and fail on others.
    """
    storage = index.storage
    names = list(storage)
    for segment in index._segments():
        prefix = f"{segment.segment_id()}."
        record = f"{prefix}{SIZES_EXT}"
        if record in names:
            continue
        sizes = {name: storage.file_length(name) for name in names if name.startswith(prefix)}
        folder = Path(storage.folder)
        temporary = folder / f".{record}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(sizes), "utf-8")
        os.replace(temporary, folder / record)


def _check_sizes(root: Path, index, segments: list) -> None:
    """Raise `IndexDamaged` when a segment file's size is not what was written (`_record_sizes`).

    A segment without a record (one committed a moment ago) is not checked.
    """
    storage = index.storage
    for segment in segments:
        record = f"{segment.segment_id()}.{SIZES_EXT}"
        try:
            sizes = json.loads((Path(storage.folder) / record).read_text("utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            raise _damaged(root, record, "cannot be read") from None
        for name, size in sizes.items():
            try:
                if storage.file_length(name) != size:
                    raise _damaged(root, name, f"is not the {size} bytes written")
            except FileNotFoundError:
                raise _damaged(root, name, "is missing") from None


def _check_columns(root: Path, index, contents: TOC) -> None:
    """Raise `IndexDamaged` when a segment's column file does not fit its document count.

    Whoosh reads the documents past a cut-short column as holding the default value, so a
    damaged index would answer wrongly (no dates: a --since search finds nothing) instead of
    failing. A file is checked by its size alone: a few system calls a segment.
    """
    schema, storage = contents.schema, index.storage
    columns = {
        name: field.column_type
        for name, field in schema.items()
        if isinstance(field.column_type, NumericColumn)
    }
    columns.update(
        {f"_{name}_len": LENGTHS_COLUMN for name, field in schema.items() if field.scorable}
    )
    for segment in contents.segments:
        count = segment.doc_count_all()
        for name, column in columns.items():
            filename = W3Codec.column_filename(segment, name)
            if not storage.file_exists(filename):
                continue  # no document of the segment has a value, or a compound segment
            size, width = storage.file_length(filename), struct.calcsize(column._typecode)
            full = count * width
            if size % width or size > full or (name in FULL_COLUMNS and size != full):
                raise _damaged(root, filename, f"does not fit its {count} documents")


def raised_by_whoosh(error: BaseException) -> bool:
    """Whether `error` was raised in Whoosh's own code: how it reports index files that are cut
    short or garbled, with many exception types (bare `Exception` and `TypeError` among them)."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and f"{os.sep}whoosh{os.sep}" in frames[-1].filename


@contextlib.contextmanager
def _damage_reported(root: Path) -> Iterator[None]:
    """Report what Whoosh fails to read while updating (merging a cut-short segment) as damage."""
    try:
        yield
    except Exception as error:
        if not raised_by_whoosh(error):
            raise
        raise IndexDamaged(
            f"the index in {folder(root)} is damaged ({type(error).__name__} while updating it): "
            "run `search index --rebuild`"
        ) from None


def indexed_files(root: Path) -> dict[str, IndexedFile]:
    """Every corpus file the live index holds, by name, with its hash and signature then.

    From the list written with the latest commit (`_write_file_list`), or, for an index
    without one (lost, or from an older version), from the per-file records.
    """
    index = open_index(root)
    listed = Path(index.storage.folder) / FILE_LIST.format(commit=index.latest_generation())
    try:
        with open(listed, "rb") as handle:
            listing = marshal.loads(handle.read())  # `marshal.load` reads a few bytes a call
        return {
            name: IndexedFile(name, content_hash, signature)
            for name, (content_hash, signature) in listing.items()
        }
    except (OSError, EOFError, ValueError, TypeError, AttributeError):
        pass
    with index.searcher() as searcher:
        return {
            fields["file"]: IndexedFile(
                fields["file"], fields["content_hash"], fields.get("signature", "")
            )
            for fields in searcher.documents(kind=FILE_KIND)
        }


def _write_file_list(folder: Path, commit: int, files: Iterable[IndexedFile]) -> None:
    """Write down what `indexed_files` gives for `commit`, and drop the lists of older ones."""
    listed = folder / FILE_LIST.format(commit=commit)
    temporary = folder / f".{listed.name}.{os.getpid()}.tmp"
    temporary.write_bytes(
        marshal.dumps({file.name: (file.content_hash, file.signature) for file in files})
    )
    os.replace(temporary, listed)
    for older in folder.glob(FILE_LIST.format(commit="*")):
        if older != listed:
            older.unlink(missing_ok=True)


@contextlib.contextmanager
def update_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold the folder's update lock, waiting at most `timeout` seconds for another update.

    A POSIX record lock belongs to this process alone: helper processes it forks (index writers,
    the extraction worker) do not inherit it, so a killed update never leaves it held. Such locks
    do not exclude threads of one process, so a per-folder thread lock does that.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = (root / LOCK_FILE).resolve()
    deadline = time.monotonic() + timeout
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(path, threading.Lock())
    if not thread_lock.acquire(timeout=timeout):
        raise _busy(root, timeout)
    try:
        with open(path, "a+") as handle:
            while True:
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EACCES, errno.EAGAIN):
                        raise
                    if time.monotonic() >= deadline:
                        raise _busy(root, timeout) from None
                    time.sleep(0.1)
            yield  # closing the file releases the lock, whatever happens
    finally:
        thread_lock.release()


_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _busy(root: Path, timeout: float) -> IndexBusy:
    return IndexBusy(
        f"another `search index` is updating {folder(root)}; "
        f"gave up after {timeout:g} s, try again when it has finished"
    )


File = TypeVar("File")
Read = TypeVar("Read")


class IndexWriter:
    """Writes article documents into one generation; used while holding `update_lock`."""

    def __init__(
        self, root: Path, *, fresh: bool, files: dict[str, IndexedFile] | None = None
    ) -> None:
        """`files` is what `indexed_files` gave for the index as it is (read again if not)."""
        self.root = root
        self.fresh = fresh
        if fresh:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            self.generation = f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
            path = root / self.generation
            path.mkdir(parents=True)
            self._index = whoosh_index.create_in(str(path), build_schema())
        else:
            self.generation = _read_current(root)["generation"]
            self._index = open_index(root)
        # What `indexed_files` will give once this writer has committed.
        self._files = {} if fresh else dict(indexed_files(root) if files is None else files)
        self._damage_reported = functools.partial(_damage_reported, root)
        self._writer = self._segment_writer()
        self._processes: list = []
        self._segments: list = []  # written by other processes, committed with this writer's

    def _segment_writer(self, **options) -> _SegmentWriter:
        # Separate segment files, not one compound file: opening a compound file copies it
        # into memory, which made every search process pay for the whole index.
        return _SegmentWriter(
            self._index,
            limitmb=WRITER_MEMORY_MB,
            compound=False,
            codec=ArrayCodec(),
            **options,
        )

    def remove_file(self, name: str) -> None:
        with self._damage_reported():
            self._writer.delete_by_term("file", name)
        self._files.pop(name, None)

    def add_file(self, file: IndexedFile, documents: Iterable[IndexDocument]) -> None:
        """Add the documents of one corpus file; what an earlier version of it gave is replaced."""
        if not self.fresh:
            self.remove_file(file.name)
        _add_file(self._writer, file, documents)
        self._files[file.name] = file

    def add_files(
        self,
        files: Sequence[File],
        record: Callable[[File], IndexedFile],
        read: Callable[[File], tuple[list[IndexDocument], Read]],
    ) -> Iterator[tuple[int, bool, Read]]:
        """Add the documents `read` gives for each of `files`, replacing what an earlier version
        gave; a file without documents keeps what it had. Yields, as each file is written, its
        place in `files`, whether it had documents, and the rest of what `read` gave.

        Many files are read and written in `WRITER_PROCESSES` processes at once (see
        `_write_share`), in no set order. The processes are forked, inheriting `files` and the
        functions as they are; where Python does not fork by default (macOS, newer Pythons)
        this process does all the work.
        """
        import multiprocessing  # here, not at the top: searches never need it

        if len(files) < PARALLEL_FROM or multiprocessing.get_start_method() != "fork":
            for place, file in enumerate(files):
                documents, rest = read(file)
                if documents:
                    self.add_file(record(file), documents)
                yield place, bool(documents), rest
            return
        context = multiprocessing.get_context("fork")
        yield from self._add_in_processes(files, record, read, context)

    def _add_in_processes(self, files, record, read, context) -> Iterator[tuple[int, bool, Read]]:
        from multiprocessing.connection import wait

        receivers = {}
        taken = context.Value("q", 0)  # how many of `files` the processes have taken
        # What the processes inherit stays shared with this one: their garbage collector
        # would otherwise write to every object it holds, copying each page of them.
        gc.freeze()
        try:
            for _ in range(WRITER_PROCESSES):
                receiving, sending = context.Pipe(duplex=False)
                process = context.Process(
                    target=self._write_share,
                    args=(files, taken, record, read, sending),
                    daemon=True,
                )
                process.start()
                sending.close()
                self._processes.append(process)
                receivers[receiving] = process
        finally:
            gc.unfreeze()
        while receivers:
            for receiving in wait(list(receivers)):
                try:
                    kind, *message = receiving.recv()
                except EOFError:
                    process = receivers.pop(receiving)
                    process.join()
                    raise OSError(f"an index-writing process ended ({process.exitcode})") from None
                if kind == "error":
                    raise message[0]
                if kind == "segment":
                    del receivers[receiving]
                    if message[0] is not None:
                        self._segments.append(message[0])
                    continue
                place, written, rest = message
                if written:
                    # The record made here, not sent: it shares its strings with `files`.
                    written_file = record(files[place])
                    if not self.fresh:
                        self.remove_file(written_file.name)  # from the segments there were
                    self._files[written_file.name] = written_file
                yield place, written, rest
        for process in self._processes:
            process.join()

    def _write_share(self, files, taken, record, read, connection) -> None:
        """In a process of its own: take files a few at a time, read them and write their
        documents into a new segment, handed back to be committed.

        Reading and extracting a file here rather than in a process that feeds the writers
        spares pickling every document twice on the way. Taking files as the work goes, rather
        than a fixed half, keeps both processes busy to the end when one gets less of the
        machine than the other.
        """
        try:
            writer = self._segment_writer(_lk=False)  # this process's parent holds the lock
            while True:
                with taken.get_lock():
                    start = taken.value
                    taken.value = start + FILES_TAKEN
                if start >= len(files):
                    break
                for place in range(start, min(start + FILES_TAKEN, len(files))):
                    documents, rest = read(files[place])
                    if documents:
                        _add_file(writer, record(files[place]), documents)
                    connection.send(("file", place, bool(documents), rest))
            connection.send(("segment", writer.finish_segment()))
        except BaseException as error:
            try:
                connection.send(("error", error))
            except Exception:  # an exception that cannot be pickled
                connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        finally:
            connection.close()

    def refresh_file(self, file: IndexedFile) -> None:
        """Record a new signature for a file whose content is as indexed (touched, copied)."""
        with self._damage_reported():
            self._writer.update_document(**_file_record(file))
        self._files[file.name] = file

    def commit(self) -> None:
        """Make the changes visible at once; a fresh generation becomes the live one."""
        with self._damage_reported():
            self._writer.commit_with(self._segments)
        _record_sizes(self._index)
        folder = Path(self._index.storage.folder)
        _write_file_list(folder, self._writer.generation, self._files.values())
        if self.fresh:
            _publish(self.root, self.generation)

    def cancel(self) -> None:
        """Drop what was written; the writing processes are stopped first, before the files
        they are writing go."""
        for process in self._processes:
            process.terminate()
            process.join()
        self._writer.cancel()
        if self.fresh:
            shutil.rmtree(self.root / self.generation, ignore_errors=True)


def _add_file(writer, file: IndexedFile, documents: Iterable[IndexDocument]) -> None:
    writer.add_document(**_file_record(file))
    # The words as written serve only to expand prefixes, so the file's first document
    # carries them all, each title and paragraph once.
    documents = list(documents)
    texts = dict.fromkeys(text for doc in documents for text in (doc.title, doc.body))
    for place, document in enumerate(documents):
        written = {"written": "\n".join(texts)} if place == 0 else {}
        writer.add_document(file=file.name, reading_order=place, **written, **_fields(document))


class _PostingPool(PostingPool):
    """Whoosh's pool of postings waiting to be sorted, its sorted runs written as marshalled
    lists of postings, each after its length, rather than one pickle a posting.

    A large build spills nearly every posting to a run on disk and reads it back once:
    pickling them one at a time took a third of a writing process's time. Lists of them
    marshal six times faster, into a third of the bytes, and read back in one call each
    (`marshal.load` from a file reads it a few bytes a call, ten times slower).
    """

    CHUNK = 256  # postings a list: a run being merged holds one in memory
    LENGTH = struct.Struct("<I")
    MERGED_AT_ONCE = 256  # runs, each an open file: more are first merged in groups

    def iter_postings(self):
        return self.items(maxfiles=self.MERGED_AT_ONCE)

    def _write_run(self, f, items) -> None:
        items = iter(items)
        while chunk := list(itertools.islice(items, self.CHUNK)):
            data = marshal.dumps(chunk)
            f.write(self.LENGTH.pack(len(data)))
            f.write(data)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while header := f.read(self.LENGTH.size):
                yield from marshal.loads(f.read(self.LENGTH.unpack(header)[0]))
        finally:
            f.close()
            self._remove_run(path)


class _SegmentWriter(SegmentWriter):
    """Whoosh's writer of one segment, with its sorting of postings (`_PostingPool`) and its
    field lengths (`_FieldLengths`) made cheaper."""

    def __init__(self, index, **options) -> None:
        super().__init__(index, **options)
        self.pool = _PostingPool(
            self._tempstorage, self.newsegment, limitmb=options.get("limitmb", WRITER_MEMORY_MB)
        )

    def per_document_reader(self):
        return _FieldLengths(super().per_document_reader(), self.storage, self.get_segment())

    def finish_segment(self):
        """Write out the segment for another process to commit (None if it is empty)."""
        if not self._added:
            self._close_segment()
            return None
        return self._finalize_segment()

    def commit_with(self, segments: list) -> None:
        """Commit, adding `segments` other processes wrote into this index, as Whoosh's own
        parallel writer commits its processes' segments (`MpWriter._commit`)."""
        if not segments:
            self.commit()
            return
        final = self._merge_segments(None, None, None) + segments
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()


class _FieldLengths:
    """A new segment's per-document reader, its field lengths each read whole once.

    Whoosh looks up a posting's field length as it writes the posting: a seek and a read of
    the lengths file, or a failed look for one (fields that keep none), for every posting.
    """

    CODES = (None, *(byte_to_length(code) for code in range(1, 256)))

    def __init__(self, reader, storage, segment) -> None:
        self._reader, self._storage, self._segment = reader, storage, segment
        self._columns: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        try:
            column = self._columns[fieldname]
        except KeyError:
            column = self._columns[fieldname] = self._read(fieldname)
        if column is None:
            return default
        return self.CODES[column[docnum]] if docnum < len(column) else None

    def _read(self, fieldname: str) -> bytes | None:
        filename = W3Codec.column_filename(self._segment, f"_{fieldname}_len")
        if not self._storage.file_exists(filename):
            return None
        with self._storage.open_file(filename) as file:
            return file.read()

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


def _file_record(file: IndexedFile) -> dict:
    return {
        "id": f"{file.name}#file",
        "kind": FILE_KIND,
        "file": file.name,
        "content_hash": file.content_hash,
        "signature": file.signature,
        "article_key": article_key(file.name),  # see FULL_COLUMNS
    }


def _fields(document: IndexDocument) -> dict:
    fields: dict = {
        "id": document.id,
        "kind": document.kind,
        "source": document.source,
        "position": document.position,
        "title": document.title,
        "body": document.body,
    }
    if document.paragraph != document.body:
        fields["paragraph"] = document.paragraph
    if document.quote is not None:
        fields["quote"] = document.quote
        fields["quote_exact"] = document.quote
    # Every document fills the sortable columns, as Whoosh misreads a column a segment lacks.
    fields["speaker_key"] = ""
    if document.speaker:
        fields["speaker_key"] = name_key(document.speaker)
    elif document.described_as:
        fields["speaker_key"] = UNNAMED_KEY
    fields["quote_key"] = quote_key(document) if document.quote is not None else 0
    fields["article_key"] = article_key(document.source)
    if document.speaker:
        fields["speaker"] = document.speaker
        fields["aliases"] = list(document.aliases)
    if document.described_as:
        fields["described_as"] = document.described_as
    if document.statement:
        fields["statement"] = list(document.statement)
    if document.url:
        fields["url"] = document.url
    if document.publication:
        fields["publication"] = document.publication
    if document.confidence is not None:
        fields["confidence"] = document.confidence
    if document.role:
        fields["role"] = document.role
    if document.date:
        fields["date"] = day_number(document.date)
    return fields


def _publish(root: Path, generation: str) -> None:
    """Point CURRENT at `generation` in one atomic rename, mark the one it replaces retired,
    then drop the older generations."""
    try:
        replaced = _read_current(root)["generation"]
    except IndexProblem:
        replaced = None
    temporary = root / f"{CURRENT_FILE}.{os.getpid()}.tmp"
    temporary.write_text(
        json.dumps({"generation": generation, "schema": SCHEMA_VERSION, "version": __version__}),
        "utf-8",
    )
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, root / CURRENT_FILE)
    if replaced and replaced != generation and (root / replaced).is_dir():
        (root / replaced / RETIRED_FILE).touch()
    remove_stale_generations(root)


def remove_stale_generations(root: Path) -> None:
    """Delete the generations CURRENT does not name, leftovers of interrupted builds and those
    retired more than `RETIRED_KEPT_SECONDS` ago."""
    try:
        live = _read_current(root)["generation"]
    except IndexMissing:
        live = None  # a first build that never finished: every generation is a leftover
    except IndexProblem:
        return  # CURRENT is unreadable: keep everything for `search index --rebuild` to replace
    for path in root.glob(f"{GENERATION_PREFIX}*"):
        if path.name != live and not _recently_retired(path):
            shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(f"{CURRENT_FILE}.*.tmp"):
        path.unlink(missing_ok=True)


def _recently_retired(generation: Path) -> bool:
    try:
        retired = (generation / RETIRED_FILE).stat().st_mtime
    except OSError:
        return False  # never live, or gone already
    return time.time() - retired < RETIRED_KEPT_SECONDS


def bookkeeping() -> Term:
    """The query term matching the per-file records, which no result may show."""
    return Term("kind", FILE_KIND)
