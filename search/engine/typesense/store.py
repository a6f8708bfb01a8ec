"""The index on a Typesense cluster: the collection's schema, documents as stored, and updates.

An index is an alias (named after `--index`'s last part) pointing at one collection. A rebuild
writes a new collection beside it and switches the alias only once complete, so an interrupted
rebuild leaves the old collection answering; the old one is then dropped. An incremental update
writes into the live collection: a changed file's documents are deleted and imported again,
then its per-file record, so a file whose update was cut short is read again the next time.
Writes go in batches, each tried again while the cluster elects a new leader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from typing import TypeVar

from search import __version__
from search.corpus import SourceFile
from search.engine.keys import UNNAMED_KEY, article_key, day_number, name_key, quote_key
from search.engine.typesense.cluster import CHECK_SECONDS, cluster_errors
from search.errors import EngineUnavailable
from search.indexer import add_read
from search.model import IndexDocument, IndexedFile

T = TypeVar("T")

SCHEMA_VERSION = 1
STATE_ID = "state"  # the document saying which schema wrote the collection, and how often
FILE_KIND = "file"
STATE_KIND = "state"
IMPORT_BATCH = 500  # documents a request
WRITE_SECONDS = 90.0  # how long a write may keep failing (a leader election) before giving up
SETTLE_SECONDS = 30.0  # for every answering node to apply a commit before the update returns
# Words are cut at these too, as the Whoosh engine cuts at every non-word character:
# `NATO-led` and `Russia's` hold the words `nato` and `russia`. Typesense takes only ASCII
# here, so the searched copy of a text has typographic apostrophes made straight, one
# character for one: a highlight's place in it is its place in the text as written.
TOKEN_SEPARATORS = ["-", "'", ".", "/", ":"]
SEARCHED_FORM = str.maketrans({"’": "'", "‘": "'"})
NO_DATE_LAST = 99_999_999  # the order of a document without a date, oldest first
_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")

FIELDS = [
    {"name": "kind", "type": "string", "facet": True},
    {"name": "file_key", "type": "string", "optional": True},
    {"name": "quote_words", "type": "string", "optional": True},  # `SEARCHED_FORM`
    {"name": "body_words", "type": "string", "optional": True},
    # An article's title, on its first document only: an article whose title alone holds the
    # words is found by its lead, never by every paragraph it has (as with Whoosh).
    {"name": "lead_title", "type": "string", "optional": True},
    {"name": "speaker", "type": "string", "facet": True, "optional": True},
    {"name": "speaker_key", "type": "string", "facet": True, "optional": True},
    {"name": "role", "type": "string", "optional": True},
    {"name": "date", "type": "int32"},  # YYYYMMDD, 0 for no date
    {"name": "dated_order", "type": "int32"},  # the date, and no date after every date
    {"name": "year", "type": "string", "facet": True, "optional": True},
    {"name": "month", "type": "string", "facet": True, "optional": True},
    # What copies of one quotation share (grouped on); a document standing alone has its own.
    {"name": "quote_key", "type": "string", "facet": True, "optional": True},
    # Article (a fixed hash of its file's name), then reading order: ties listed alike always.
    {"name": "corpus_order", "type": "int64"},
]


def collection_name(name: str) -> str:
    """The alias an index is known by: `--index`'s last part, checked for Typesense."""
    if not _NAME.fullmatch(name):
        raise EngineUnavailable(
            f"the index name {name!r} cannot name a Typesense collection: use letters, digits,"
            " - and _ (the last part of --index)"
        )
    return name


def typesense_id(document_id: str) -> str:
    """A document's id in Typesense: ours hold `#`, `/` and `:`, which its URLs cannot."""
    return hashlib.blake2b(document_id.encode("utf-8"), digest_size=16).hexdigest()


def _file_key(name: str) -> str:
    return hashlib.blake2b(name.encode("utf-8"), digest_size=16).hexdigest()


def corpus_order(source: str, place: int) -> int:
    """Whoosh's order of (article key, reading order) in one signed 64-bit number."""
    return ((article_key(source) >> 25) << 20) + min(place, (1 << 20) - 1)


def stored_document(document: IndexDocument, file: str, place: int) -> dict:
    """An index document as Typesense keeps it: every field as given (the undeclared ones
    stored, not searched), plus the keys it is filtered, grouped and sorted on."""
    fields = {name: value for name, value in asdict(document).items() if value is not None}
    fields.update(
        id=typesense_id(document.id),
        doc_id=document.id,
        file=file,
        file_key=_file_key(file),
        date=day_number(document.date) if document.date else 0,
        dated_order=day_number(document.date) if document.date else NO_DATE_LAST,
        reading_order=place,
        corpus_order=corpus_order(document.source, place),
        quote_key=str(quote_key(document)) if document.quote is not None else document.id,
    )
    if document.date:
        fields.update(year=f"{document.date:%Y}", month=f"{document.date:%Y-%m}")
    if document.speaker:
        fields["speaker_key"] = name_key(document.speaker)
    elif document.described_as:
        fields["speaker_key"] = UNNAMED_KEY
    if document.quote is not None:
        fields["quote_words"] = searched_form(document.quote)
    fields["body_words"] = searched_form(document.body)
    if place == 0:
        fields["lead_title"] = searched_form(document.title)
    return fields


def searched_form(text: str) -> str:
    return text.translate(SEARCHED_FORM)


def _file_record(file: IndexedFile) -> dict:
    return {
        "id": typesense_id(f"{file.name}#file"),
        "kind": FILE_KIND,
        "file": file.name,
        "file_key": _file_key(file.name),
        "content_hash": file.content_hash,
        "signature": file.signature,
        "date": 0,
        "dated_order": NO_DATE_LAST,
        "corpus_order": 0,
    }


class CutShort(Exception):
    """A node answered a bulk import with fewer results than documents: it went down while
    answering. Upserts can be sent again."""


def retrying(action: Callable[[], T], what: str) -> T:
    """`action` tried again while the cluster cannot take writes (electing a leader), for up
    to `WRITE_SECONDS`; the client has already tried every node each time."""
    from typesense.exceptions import HTTPStatus0Error, ServerError, ServiceUnavailable, Timeout
    from typesense.http_backend import backend_errors

    passing = (HTTPStatus0Error, ServerError, ServiceUnavailable, Timeout, CutShort)
    deadline = time.monotonic() + WRITE_SECONDS
    with cluster_errors(what):
        while True:
            try:
                return action()
            except (*passing, *backend_errors("HTTPError")):
                if time.monotonic() >= deadline:
                    raise
                time.sleep(1.0)


class TypesenseStore:
    """The index an alias names on a cluster, as an update writes it
    (`search.indexer.DocumentStore`)."""

    def __init__(self, client, alias: str, urls: list[str], key: str) -> None:
        self.client, self.alias, self.urls, self.key = client, alias, urls, key

    def locked(self, timeout: float) -> contextlib.AbstractContextManager[None]:
        """No lock: Typesense has none to hold across machines. Run one `search index` at a
        time for an index (the README says so)."""
        return contextlib.nullcontext()

    def live_collection(self) -> str | None:
        from typesense.exceptions import ObjectNotFound

        with cluster_errors(f"the index {self.alias!r}"):
            try:
                return self.client.aliases[self.alias].retrieve()["collection_name"]
            except ObjectNotFound:
                return None

    def state(self) -> dict | None:
        """The live collection's state document (schema, program version, updates), if any."""
        from typesense.exceptions import ObjectNotFound

        with cluster_errors(f"the index {self.alias!r}"):
            try:
                return self.client.collections[self.alias].documents[STATE_ID].retrieve()
            except ObjectNotFound:
                return None

    def remove_leftovers(self) -> None:
        """Drop collections of this index that the alias does not name: rebuilds cut short."""
        from typesense.exceptions import ObjectNotFound

        live = self.live_collection()
        with cluster_errors(f"the collections of {self.alias!r}"):
            for collection in self.client.collections.retrieve():
                name = collection["name"]
                if name.startswith(f"{self.alias}--") and name != live:
                    with contextlib.suppress(ObjectNotFound):  # a node lagging behind listed it
                        self.client.collections[name].delete()

    def exists(self) -> bool:
        return self.live_collection() is not None

    def compatible(self) -> bool:
        state = self.state()
        return bool(state) and state.get("schema") == SCHEMA_VERSION

    def indexed_files(self) -> dict[str, IndexedFile]:
        return {
            fields["file"]: IndexedFile(fields["file"], fields["content_hash"], fields["signature"])
            for fields in self.export(f"kind:={FILE_KIND}")
        }

    def export(self, filter_by: str) -> Iterator[dict]:
        """Every live document passing `filter_by`, in no particular order."""
        lines = retrying(
            lambda: self.client.collections[self.alias].documents.export({"filter_by": filter_by}),
            f"the index {self.alias!r}",
        )
        return (json.loads(line) for line in lines.splitlines() if line.strip())

    def writer(self, *, fresh: bool) -> TypesenseWriter:
        return TypesenseWriter(self, fresh=fresh)

    def settle(self, updates: int) -> None:
        """Wait until every node that answers has applied the commit numbered `updates`, so
        the next search sees it whichever node it reaches; nodes that are down catch up on
        their own when they return."""
        deadline = time.monotonic() + SETTLE_SECONDS
        waiting = list(self.urls)
        while waiting and time.monotonic() < deadline:
            waiting = [url for url in waiting if self._node_updates(url) not in (updates, None)]
            if waiting:
                time.sleep(0.2)

    def _node_updates(self, url: str) -> int | None:
        """Which commit one node has applied (-1 for none yet), or None if it does not answer."""
        request = urllib.request.Request(
            f"{url}/collections/{self.alias}/documents/{STATE_ID}",
            headers={"X-TYPESENSE-API-KEY": self.key},
        )
        try:
            with urllib.request.urlopen(request, timeout=CHECK_SECONDS) as response:
                return int(json.load(response).get("updates", -1))
        except urllib.error.HTTPError:
            return -1  # not there yet (404) or not ready (503)
        except (OSError, ValueError):
            return None


class TypesenseWriter:
    """The writes of one update (`search.indexer.DocumentWriter`), in batches."""

    def __init__(self, store: TypesenseStore, *, fresh: bool) -> None:
        self.store, self.fresh = store, fresh
        self._pending: list[dict] = []
        if fresh:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            self.collection = f"{store.alias}--{stamp}"
            schema = {
                "name": self.collection,
                "fields": FIELDS,
                "token_separators": TOKEN_SEPARATORS,
            }
            retrying(lambda: store.client.collections.create(schema), "a new collection")
            self._updates = 0
        else:
            self.collection = store.live_collection() or store.alias
            self._updates = int((store.state() or {}).get("updates", 0))

    def _documents(self):
        return self.store.client.collections[self.collection].documents

    def remove_file(self, name: str) -> None:
        self._flush()
        retrying(
            lambda: self._documents().delete({"filter_by": f"file_key:={_file_key(name)}"}),
            f"removing {name}",
        )

    def add_file(self, file: IndexedFile, documents: Iterable[IndexDocument]) -> None:
        """Add one file's documents, then its record; what an earlier version gave goes."""
        if not self.fresh:
            self.remove_file(file.name)
        self._pending += [
            stored_document(document, file.name, place) for place, document in enumerate(documents)
        ]
        self._pending.append(_file_record(file))
        if len(self._pending) >= IMPORT_BATCH:
            self._flush()

    def add_files(
        self,
        files: Sequence[SourceFile],
        record: Callable[[SourceFile], IndexedFile],
        read: Callable[[SourceFile], tuple[list[IndexDocument], list[str]]],
    ) -> Iterator[tuple[int, bool, list[str]]]:
        """Each file read here, in turn: the cluster's nodes do the indexing work."""
        return add_read(self, files, record, ((file, *read(file)) for file in files))

    def refresh_file(self, file: IndexedFile) -> None:
        self._pending.append(_file_record(file))

    def _flush(self) -> None:
        for start in range(0, len(self._pending), IMPORT_BATCH):
            self._import(self._pending[start : start + IMPORT_BATCH])
        self._pending = []

    def _import(self, batch: list[dict]) -> None:
        lines = "\n".join(json.dumps(document, ensure_ascii=False) for document in batch)

        def send() -> list[dict]:
            answer = self._documents().import_(lines, {"action": "upsert"})
            try:
                results = [json.loads(line) for line in answer.splitlines() if line.strip()]
            except ValueError:
                raise CutShort from None
            if len(results) != len(batch):
                raise CutShort
            return results

        results = retrying(send, f"importing into {self.collection!r}")
        for document, result in zip(batch, results, strict=True):
            if not result.get("success"):
                raise EngineUnavailable(
                    f"Typesense refused the document {document.get('doc_id', document['id'])}:"
                    f" {result.get('error', 'no reason given')}"
                )

    def commit(self) -> None:
        """Make the update visible: the state document last, then (a rebuild) the alias."""
        self._flush()
        self._updates += 1
        state = {
            "id": STATE_ID,
            "kind": STATE_KIND,
            "schema": SCHEMA_VERSION,
            "version": __version__,
            "updates": self._updates,
            "collection": self.collection,  # with `updates`, what `TypesenseEngine.version` is
            "date": 0,
            "dated_order": NO_DATE_LAST,
            "corpus_order": 0,
        }
        self._import([state])
        if self.fresh:
            previous = self.store.live_collection()
            retrying(
                lambda: self.store.client.aliases.upsert(
                    self.store.alias, {"collection_name": self.collection}
                ),
                f"switching {self.store.alias!r} to the new collection",
            )
            if previous and previous != self.collection:
                with contextlib.suppress(EngineUnavailable):
                    retrying(
                        lambda: self.store.client.collections[previous].delete(),
                        f"dropping {previous!r}",
                    )
        self.store.settle(self._updates)

    def cancel(self) -> None:
        """Drop what was not written yet; a rebuild's new collection goes (or goes on the next
        update, if the cluster cannot be reached now)."""
        self._pending = []
        if self.fresh:
            with contextlib.suppress(EngineUnavailable), cluster_errors("a cut-short rebuild"):
                self.store.client.collections[self.collection].delete()
