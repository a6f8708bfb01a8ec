"""Relevance of the `search` command's ranking on a test collection with human judgments.

    python benchmarks/relevance.py COLLECTION_DIR [COLLECTION_DIR ...]
    python benchmarks/relevance.py --engine typesense --nodes http://127.0.0.1:8108 COLLECTION_DIR

(the typesense engine takes its API key from SEARCH_TYPESENSE_API_KEY)

A collection folder holds `corpus.jsonl` ({"id", "title", "text"}), `queries.jsonl`
({"id", "text"}) and `qrels.tsv` (query id, document id, grade). Every document becomes an
article file, the project's own indexer indexes them, and every query runs through
the engine's search exactly as the `search` command runs it. Index documents are paragraphs
or quotations, so an article ranks by its best hit. Prints nDCG@10, MAP@100 and Recall@100
(queries with no hit count as 0) beside the reference figures of the README next to the
collections, when there is one.

Needs the `bench` extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import ir_measures
from ir_measures import AP, R, nDCG

from search.engine import ENGINES, Engine, open_engine
from search.engine.request import SearchRequest

RANKING_DEPTH = 100
PAGE = 100  # hits a request
MEASURES = (nDCG @ 10, AP @ RANKING_DEPTH, R @ RANKING_DEPTH)
MEASURE_NAMES = ("nDCG@10", "MAP@100", "Recall@100")
# A title the analyzer turns into no words at all. A collection without titles must not get
# invented ones that queries can match: `Document 17` would rank document 17 first for any
# query holding the number 17, and a word every document shares still shifts scores slightly.
UNTITLED = "—"
_PUNCTUATION = re.compile(r"[^\w\s]")
_FIGURES = re.compile(r"(\d\.\d+)\s*/\s*(\d\.\d+)\s*/\s*(\d\.\d+)")

Run = dict[str, dict[str, float]]


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                query_id, doc_id, grade = line.split("\t")
                qrels.setdefault(query_id, {})[doc_id] = int(grade)
    return qrels


def write_articles(corpus_path: Path, folder: Path) -> None:
    """One article file per document: a title line, a blank line, then the text."""
    for document in read_jsonl(corpus_path):
        title = " ".join(document.get("title", "").split()) or UNTITLED
        (folder / f"{document['id']}.txt").write_text(f"{title}\n\n{document['text']}\n", "utf-8")


def plain_words(text: str) -> str:
    """The query as lower-case words: upper-case AND/OR/NOT, `?` and `*` are words, not syntax."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def rank_articles(engine: Engine, text: str) -> list[str]:
    """Article ids in the order of their best hit, up to `RANKING_DEPTH` of them.

    Several hits may come from one article, so pages of hits are fetched until the ranking is
    full or no hits are left.
    """
    articles: dict[str, None] = {}
    for page in range(1, 1000):
        result = engine.search(SearchRequest(query=text, limit=PAGE, page=page))
        articles.update(dict.fromkeys(hit.source.removesuffix(".txt") for hit in result.hits))
        if len(articles) >= RANKING_DEPTH or page * PAGE >= result.total:
            break
    return list(articles)[:RANKING_DEPTH]


def run_queries(engine: Engine, queries_path: Path) -> Run:
    """Each query's article ranking, scored by rank so the evaluator keeps the engine's order."""
    run: Run = {}
    for query in read_jsonl(queries_path):
        articles = rank_articles(engine, plain_words(query["text"]))
        run[query["id"]] = {article: float(-rank) for rank, article in enumerate(articles)}
    return run


def evaluate(qrels: dict[str, dict[str, int]], run: Run) -> tuple[float, ...]:
    """Mean of each measure over all judged queries; a query with no hit scores 0."""
    totals = dict.fromkeys(MEASURES, 0.0)
    answered = {query_id: ranking for query_id, ranking in run.items() if ranking}
    for metric in ir_measures.iter_calc(MEASURES, qrels, answered):
        totals[metric.measure] += metric.value
    return tuple(totals[measure] / len(qrels) for measure in MEASURES)


def reference_figures(collection: Path) -> dict[str, tuple[float, ...]]:
    """Engine name → figures for this collection, from the README table beside the collections.

    The table has one column per collection, headed by the folder name in any case, and cells
    of the form `nDCG@10 / MAP@100 / Recall@100`.
    """
    readme = collection.parent / "README.md"
    if not readme.is_file():
        return {}
    column = None
    figures: dict[str, tuple[float, ...]] = {}
    for line in readme.read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 2:
            column = None
            continue
        headers = [cell.lower() for cell in cells]
        if collection.name.lower() in headers:
            column = headers.index(collection.name.lower())
        elif column is not None and column < len(cells):
            match = _FIGURES.fullmatch(cells[column])
            if match:
                figures[cells[0]] = tuple(float(value) for value in match.groups())
    return figures


def report(collection: Path, ours: tuple[float, ...], queries: int, engine: str) -> str:
    rows = [(f"this project (search command's ranking, {engine})", ours)]
    rows += list(reference_figures(collection).items())
    width = max(len(name) for name, _ in rows)
    lines = [
        f"{collection.name}: {queries} judged queries",
        f"  {'engine':<{width}}  " + "  ".join(f"{name:>10}" for name in MEASURE_NAMES),
    ]
    lines += [
        f"  {name:<{width}}  " + "  ".join(f"{value:>10.3f}" for value in values)
        for name, values in rows
    ]
    return "\n".join(lines)


def benchmark(collection: Path, engine_name: str, nodes: str | None) -> str:
    """Index the collection in a temporary folder (or collection), run its queries and report
    the measures."""
    qrels = read_qrels(collection / "qrels.tsv")
    with tempfile.TemporaryDirectory(prefix="relevance-") as temporary:
        corpus, index_root = Path(temporary, "corpus"), Path(temporary, "index")
        corpus.mkdir()
        write_articles(collection / "corpus.jsonl", corpus)
        engine = open_engine(engine_name, index_root=index_root, nodes=nodes)
        indexing = engine.update(corpus, rebuild=True)
        if indexing.skipped:
            raise SystemExit(f"{collection}: {len(indexing.skipped)} documents were not indexed")
        run = run_queries(engine, collection / "queries.jsonl")
    return report(collection, evaluate(qrels, run), len(qrels), engine_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collections", nargs="+", type=Path, metavar="COLLECTION_DIR")
    parser.add_argument("--engine", choices=ENGINES, default="whoosh")
    parser.add_argument("--nodes", default=os.environ.get("SEARCH_NODES"))
    options = parser.parse_args()
    for collection in options.collections:
        print(benchmark(collection, options.engine, options.nodes))


if __name__ == "__main__":
    main()
