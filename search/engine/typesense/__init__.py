"""The Typesense engine: the index on a cluster of Typesense nodes, replicated by Raft, each
node able to answer every search, and the client going on to the next node when one fails.

Searches ask Typesense for a page of hits grouped by quotation (`group_by` on the quotation
key), the facet counts and highlights, and map them into the package's records, so the output
is the Whoosh engine's. Its ranking is Typesense's own (tokens matched, their proximity, the
field they are in), not BM25; it neither stems nor drops stop words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from pathlib import Path

from search.engine import Engine
from search.engine.hits import hit_of, record_of, summarise_speakers
from search.engine.keys import UNNAMED_KEY, name_key
from search.engine.request import (
    FEW_HITS,
    SearchRequest,
    check,
    check_speakers,
    day_range,
    speaker_forms,
    unknown_speakers,
)
from search.engine.typesense import cluster, syntax
from search.engine.typesense.store import (
    FILE_KIND,
    STATE_KIND,
    TypesenseStore,
    collection_name,
    retrying,
    searched_form,
    typesense_id,
)
from search.errors import QueryError
from search.identities import Identities
from search.indexer import Extraction, UpdateReport, update_index
from search.model import Hit, Record, SearchResult, SpeakerSummary
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES

SEARCHED = "quote_words,body_words,lead_title"
# A quotation's own words count twice, so a quotation outranks a paragraph matching as well.
WEIGHTS = "2,1,1"
MOST_A_PAGE = 250  # Typesense's largest page
MOST_COPIES = 99  # Typesense's largest group: more copies of one quotation are not counted
ALL_VALUES = 100_000  # facet values asked for: every speaker, year and month
# Typesense first wants every word; with fewer hits than this it drops words one by one, so
# documents holding some of the words are found too, as with the Whoosh engine.
DROP_WORDS_BELOW = 1_000_000
DOCUMENTS = "kind:[quote,passage]"
SORTS = {
    "relevance": "_text_match:desc,date:desc,corpus_order:asc",
    "date": "dated_order:asc,corpus_order:asc",
    "-date": "date:desc,corpus_order:asc",
}
START, END = "\x02", "\x03"  # around a highlighted word: characters no article text holds
_MARKED = re.compile(f"{START}(.*?){END}", re.DOTALL)


class TypesenseEngine(Engine):
    """The index `name` (an alias) on the Typesense nodes `nodes`."""

    name = "typesense"

    def __init__(self, name: str, nodes: str | None) -> None:
        self.alias = collection_name(name)
        self.urls = cluster.node_urls(nodes)
        key = cluster.api_key()
        cluster.check_nodes(self.urls, key)
        self.client = cluster.client(self.urls, key)
        self.store = TypesenseStore(self.client, self.alias, self.urls, key)
        # The speakers as of one version of the index: a resident engine (`search serve`)
        # would otherwise count every speaker's quotations again for each --speaker search.
        self._speakers: tuple[Hashable, tuple[Identities, dict[str, str]]] | None = None

    def describe(self) -> str:
        return f"{self.alias!r} on the Typesense nodes {','.join(self.urls)}"

    def problem(self) -> str | None:
        if not self.store.exists():
            return f"no index {self.describe()}"
        if not self.store.compatible():
            return f"the index {self.describe()} is from an incompatible version"
        return None

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
        return update_index(
            corpus,
            self.store,
            rebuild=rebuild,
            max_bytes=max_bytes,
            lock_timeout=lock_timeout,
            progress=progress,
            extraction=extraction,
        )

    def _search(self, parameters: dict) -> dict:
        documents = self.client.collections[self.alias].documents
        return retrying(lambda: documents.search(parameters), f"searching {self.alias!r}")

    def search(self, request: SearchRequest) -> SearchResult:
        check(request)
        if request.limit > MOST_A_PAGE:
            raise QueryError(f"--limit: the typesense engine shows at most {MOST_A_PAGE} a page")
        text = syntax.parse(request.query)
        check_speakers(text.speakers)
        days = day_range(request)
        filtered = request.speakers or text.speakers or text.date_filters or days is not None
        if not text.has_words and not filtered:
            raise QueryError("empty query: give words to search for, or a --speaker or date filter")
        needed = request.speakers or text.speakers or "speaker" in request.facets
        identities, names = self._identities() if needed else (Identities({}), {})
        filters = [DOCUMENTS, *text.date_filters]
        for group in (request.speakers, *((name,) for name in text.speakers)):
            if group:
                filters.append(_speaker_filter(group, identities))
        dates = _date_filter(days, request.include_undated)
        parameters = {
            "q": text.q or "*",
            "query_by": SEARCHED,
            "query_by_weights": WEIGHTS,
            "prefix": str(text.prefix).lower(),
            "num_typos": 0,
            "typo_tokens_threshold": 0,
            "drop_tokens_threshold": DROP_WORDS_BELOW,
            "sort_by": SORTS[request.sort],
            "page": request.page,
            "per_page": request.limit,
            "highlight_fields": "quote_words,body_words",
            "highlight_full_fields": "quote_words,body_words",
            "highlight_start_tag": START,
            "highlight_end_tag": END,
        }
        if request.group:
            parameters.update(group_by="quote_key", group_limit=MOST_COPIES)
        facets = {"speaker": "speaker_key", "year": "year", "month": "month"}
        if request.facets:
            parameters.update(
                facet_by=",".join(facets[facet] for facet in request.facets),
                max_facet_values=ALL_VALUES,
            )
        found = self._search({**parameters, "filter_by": " && ".join([*filters, *dates])})
        groups = found.get("grouped_hits") or [{"hits": [hit]} for hit in found.get("hits", [])]
        undated = 0
        if days is not None and not request.include_undated:
            undated = self._search(
                {
                    **parameters,
                    "filter_by": " && ".join([*filters, "date:=0"]),
                    "per_page": 1,
                    "facet_by": "",
                }
            )["found"]
        counts = {item["field_name"]: item["counts"] for item in found.get("facet_counts", [])}
        total = found["found"]
        return SearchResult(
            query=request.query,
            total=total,
            hits=tuple(
                _hit(group["hits"], request, text.has_words) for group in groups if group["hits"]
            ),
            first=(request.page - 1) * request.limit + 1,
            facets={
                facet: _facet_counts(facet, counts.get(facets[facet], []), identities, names)
                for facet in request.facets
            },
            speaker_suggestions=(
                _suggest_speakers(request.speakers, identities, names) if total < FEW_HITS else {}
            ),
            undated_left_out=undated,
        )

    def _identities(self) -> tuple[Identities, dict[str, str]]:
        """The speakers quoted, as identities (`search.identities`) from how many quotations
        each speaker key has, and the name each key is most often written as; read again only
        when the index has changed since the last time."""
        version = self.version()
        if self._speakers is None or self._speakers[0] != version:
            self._speakers = version, self._read_identities()
        return self._speakers[1]

    def _read_identities(self) -> tuple[Identities, dict[str, str]]:
        found = self._search(
            {
                "q": "*",
                "filter_by": "kind:=quote",
                "facet_by": "speaker_key,speaker",
                "max_facet_values": ALL_VALUES,
                "per_page": 0,
            }
        )
        counts = {item["field_name"]: item["counts"] for item in found.get("facet_counts", [])}
        keys = {
            row["value"]: row["count"]
            for row in counts.get("speaker_key", [])
            if row["value"] and row["value"] != UNNAMED_KEY
        }
        names: dict[str, str] = {}
        written = sorted(counts.get("speaker", []), key=lambda row: (-row["count"], row["value"]))
        for row in written:
            names.setdefault(name_key(row["value"]), row["value"])
        return Identities(keys), names

    def quotes(
        self, speakers: tuple[str, ...] = (), min_confidence: float | None = None
    ) -> list[Record]:
        check_speakers(speakers)
        filters = ["kind:=quote"]
        if speakers:
            filters.append(_speaker_filter(speakers, self._identities()[0]))
        stored = sorted(
            self.store.export(" && ".join(filters)),
            key=lambda doc: (doc["source"], doc["position"], doc["reading_order"]),
        )
        records = [_record(doc) for doc in stored]
        if min_confidence is None:
            return records
        return [r for r in records if r.confidence is not None and r.confidence >= min_confidence]

    def speakers(self) -> list[SpeakerSummary]:
        return summarise_speakers(self.quotes(), self._identities()[0])

    def suggest_speakers(self, names: tuple[str, ...]) -> dict[str, list[str]]:
        return _suggest_speakers(names, *self._identities())

    def _stored(self, document_id: str) -> dict | None:
        from typesense.exceptions import ObjectNotFound

        documents = self.client.collections[self.alias].documents
        try:
            with cluster.cluster_errors(f"the index {self.alias!r}"):
                found = documents[typesense_id(document_id)].retrieve()
        except ObjectNotFound:
            return None
        return found if found.get("kind") not in (FILE_KIND, STATE_KIND) else None

    def record(self, document_id: str) -> Record | None:
        stored = self._stored(document_id)
        return _record(stored) if stored else None

    def copies(self, document_id: str) -> list[Record]:
        if (stored := self._stored(document_id)) is None:
            return []
        if stored.get("quote") is None:
            return [_record(stored)]
        copies = self.store.export(f"{DOCUMENTS} && quote_key:=`{stored['quote_key']}`")
        return [_record(doc) for doc in sorted(copies, key=lambda doc: doc["corpus_order"])]

    def wording_candidates(self, words: str, limit: int) -> list[Record]:
        plain = " ".join(re.findall(r"\w+", words))
        if not plain:
            raise QueryError("give the words to verify")
        found = self._search(
            {
                "q": plain,
                "query_by": SEARCHED,
                "filter_by": DOCUMENTS,
                "num_typos": 0,
                "typo_tokens_threshold": 0,
                "prefix": "false",
                "drop_tokens_threshold": limit,
                "per_page": min(limit, MOST_A_PAGE),
            }
        )
        return [_record(hit["document"]) for hit in found.get("hits", [])]

    def keep_open(self) -> None:
        """Nothing to do: the client keeps its connections, and every search asks the cluster."""

    def version(self) -> Hashable:
        """The live collection and its count of updates, from one read of its state document
        (an index written before the state named its collection asks the alias too)."""
        state = self.store.state() or {}
        collection = state.get("collection") or self.store.live_collection()
        return collection, state.get("updates")


def _speaker_filter(names: tuple[str, ...], identities: Identities) -> str:
    """Quotes by any of `names` and every other form of the identities they name, as the
    Whoosh engine finds them; a name matching no one matches nothing."""
    forms = speaker_forms(names, identities)
    if not forms:
        return "speaker_key:=`(nobody)`"
    return f"speaker_key:=[{','.join(f'`{form}`' for form in sorted(forms))}]"


def _date_filter(days: tuple[int, int] | None, include_undated: bool) -> list[str]:
    if days is None:
        return []
    start, end = max(days[0], 1), days[1]
    return [f"date:[{'0,' if include_undated else ''}{start}..{end}]"]


def _hit(hits: list[dict], request: SearchRequest, searched_words: bool) -> Hit:
    """The hit for a group of copies, in corpus order, with the best copy's score."""
    copies = sorted(hits, key=lambda hit: hit["document"]["corpus_order"])
    marked = {item["field"]: item.get("value") or "" for item in copies[0].get("highlights", [])}
    return hit_of(
        [hit["document"] for hit in copies],
        hits[0]["text_match"] if request.sort == "relevance" else None,
        lambda field, text: _spans(marked.get(f"{field}_words", ""), text),
        searched_words,
        request.snippet_chars,
        id_field="doc_id",
    )


def _spans(marked: str, text: str) -> list[tuple[int, int]]:
    """Where Typesense's highlight marks (in the searched form of `text`) stand in `text`."""
    spans, removed = [], 0
    for match in _MARKED.finditer(marked):
        start = match.start() - removed
        spans.append((start, start + len(match.group(1))))
        removed += len(START) + len(END)
    plain = marked.replace(START, "").replace(END, "")
    return spans if plain == searched_form(text) else []


def _facet_counts(
    facet: str, rows: list[dict], identities: Identities, names: dict[str, str]
) -> dict[str, int]:
    """Counts by speaker (one for each identity, most quoted first), year or month."""
    if facet != "speaker":
        return dict(sorted((row["value"], row["count"]) for row in rows))
    tally: dict[str, int] = {}
    for row in rows:
        if key := row["value"]:
            key = key if key == UNNAMED_KEY else identities.of(key).key
            tally[key] = tally.get(key, 0) + row["count"]
    ordered = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    return {key if key == UNNAMED_KEY else names.get(key, key): count for key, count in ordered}


def _suggest_speakers(
    asked: tuple[str, ...], identities: Identities, names: dict[str, str]
) -> dict[str, list[str]]:
    return {
        name: [names.get(key, key) for key in identities.closest(name_key(name))]
        for name in unknown_speakers(asked, identities)
    }


def _record(stored: dict) -> Record:
    """A stored document as the package's record (Typesense keeps its own `id`, so the index
    document's is `doc_id`)."""
    return record_of(stored, id_field="doc_id")
