"""Reading articles here against reading them on a local Dask cluster, on scale.py's corpus.

    python benchmarks/dask_extraction.py N [--workers W] [--runs R] [--work DIR]

In one run, alternately, R times each: a whole `search index --rebuild` (reading here: the
default), the same with `--workers W` (a local Dask cluster, started and stopped by the
command, whose start is counted), and the reading alone, without writing an index, here and
on an already started cluster of W workers. Prints articles a second, medians, and each ratio
to reading here. Needs `pip install -e '.[cluster]'`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scale import generate

from search.corpus import SourceFile, iter_corpus
from search.distributed import DaskCluster
from search.indexer import _extracted
from search.settings import DEFAULT_MAX_BYTES

SEARCH = Path(sys.executable).with_name("search")  # the command installed beside Python


def build_seconds(corpus: Path, index: Path, *options: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(SEARCH), "index", "--rebuild", "--quiet", "--corpus", str(corpus),
         "--index", str(index), *options],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def reading_seconds(files: list[SourceFile], cluster: DaskCluster | None) -> float:
    """Every file read, extracted and laid out as documents, and nothing written."""
    start = time.perf_counter()
    here = (_extracted(file, None) for file in files)
    results = cluster.map(_extracted, files) if cluster else here
    documents = sum(len(result[1]) for result in results)
    assert documents > len(files)
    return time.perf_counter() - start


def rate(articles: int, seconds: list[float]) -> str:
    middle = statistics.median(seconds)
    return f"{articles / middle:6.0f} articles/s ({middle:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--work", type=Path, help="folder for corpus and indexes (kept)")
    arguments = parser.parse_args()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="dask-extraction-"))
    corpus = work / "corpus"
    if not corpus.exists():
        generate(corpus, arguments.articles, arguments.seed)
    workers = ("--workers", str(arguments.workers))
    builds: dict[str, list[float]] = {"here": [], "workers": []}
    for _ in range(arguments.runs):
        builds["here"].append(build_seconds(corpus, work / "index-here"))
        builds["workers"].append(build_seconds(corpus, work / "index-workers", *workers))
    files = [file for file in iter_corpus(corpus, DEFAULT_MAX_BYTES, {})]
    readings: dict[str, list[float]] = {"here": [], "workers": []}
    with DaskCluster(workers=arguments.workers) as cluster:
        reading_seconds(files[:64], cluster)  # the cluster started, the workers' imports done
        for _ in range(arguments.runs):
            readings["here"].append(reading_seconds(files, None))
            readings["workers"].append(reading_seconds(files, cluster))
    count, cluster_name = arguments.articles, f"{arguments.workers} local Dask workers"
    print(f"{count} articles of scale.py's corpus; {cluster_name}; medians of {arguments.runs}")
    for name, seconds in [("build, reading here", builds["here"]),
                          (f"build, --workers {arguments.workers}", builds["workers"]),
                          ("reading alone, here", readings["here"]),
                          (f"reading alone, on {cluster_name}", readings["workers"])]:  # fmt: skip
        here = builds["here"] if name.startswith("build") else readings["here"]
        ratio = statistics.median(here) / statistics.median(seconds)
        print(f"{name:38} {rate(count, seconds)}  x{ratio:.2f} of reading here")
    if not arguments.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
