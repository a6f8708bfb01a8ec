"""Speed and memory at scale, against the ceiling bare Whoosh sets on the same text.

    python benchmarks/scale.py N [--work DIR] [--seed S] [--runs R] [--builds B]

With --work the corpus is kept there and used again by later runs with the same N and seed
(generating 80,000 articles takes minutes); the indexes are always built anew.

Generates a reproducible news-like corpus of N articles (dateline, narrative paragraphs,
several attributed quotes each, a few thousand distinct speakers), then measures in one run:
the project's full build (articles/s, documents/s, peak RSS), an incremental update after one
file changes, index size, in-process query latency over mixed queries with highlighting, and
the wall time of whole `search` processes; and beside them a minimal bare-Whoosh build of the
same paragraphs and a minimal open-and-query script. Every figure is printed with its ratio to
the bare-Whoosh figure it compares with. Each build runs in its own process so peak RSS is
its own. On this shared machine one build's time varies by a tenth between runs, so small
corpora are built three times each, alternately, and the medians compared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FIRST_NAMES = (
    "Anna Boris Carla Dmitri Elena Farid Greta Hugo Ines Jonas Katya Lars Mira Nikos Olga "
    "Pavel Rosa Sami Tilde Umar Vera Wim Xenia Yusuf Zora Aiko Bram Chen Dalia Emil Fleur "
    "Goran Hana Ivo Jade Kofi Lena Marek Nadia Oskar Priya Quinn Rafael Sofia Tomas Ulla "
    "Viktor Wanda Yara Zeno Amara Bjorn Celia Diego Edith Felix Gita Henrik Ilse Joao"
).split()
SURNAMES = (
    "Adler Bauer Costa Dahl Eriksen Ferreira Gallo Holm Ivanova Jensen Kowalski Lindqvist "
    "Moreau Novak Okafor Petrov Quist Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz Zimmer "
    "Abbott Brandt Castillo Dvorak Engel Fischer Gruber Hansen Iqbal Jovanovic Kaur Larsen "
    "Mendes Nilsen Ortiz Pereira Quinones Ramos Schmidt Tran Usman Vogel Walsh Young Zhou "
    "Alvarez Berg Cruz Duarte Esposito"
).split()
ROLES = (
    "energy minister", "mayor", "union leader", "harbour director", "spokeswoman",
    "finance minister", "professor of economics", "council member", "chief executive",
    "police chief", "health commissioner", "opposition leader",
)  # fmt: skip
CITIES = "VARNHOLM SOLVIK PORTMERE BRENNA KESTRAD ORLUND TAVERA MIRANO".split()
MONTHS = (
    "January February March April May June July August September October November December"
).split()
VERBS = ("said", "added", "told reporters", "stated", "warned", "explained")
WORDS = (
    "budget harbour energy grid outage council vote plan report water drought farmers "
    "school meals stadium club league airline flights cancelled regulator passengers rights "
    "minister election campaign debate tax reform hospital nurses strike wages union talks "
    "bridge repairs traffic rail line station expansion housing rents tenants court ruling "
    "appeal police inquiry evidence witnesses climate emissions target coal wind solar "
    "prices inflation bank rates mortgage exports port shipping fishing quota border trade "
    "museum library archive festival tourism season storm flood damage insurance claims"
).split()
QUERIES = (
    "energy grid", "budget vote", "harbour expansion", '"tax reform"', "drought farmers",
    "airline passengers rights", "hospital nurses strike", '"rail line"', "inflation",
    "court ruling appeal", "storm flood damage", "housing rents", "fishing quota border",
)  # fmt: skip


FUNCTION_WORDS = "the of and to in a that for on is was with as said by it at from".split()
SYLLABLES = "ka lo mi ne ru sa te vi do ga he ji ko lu ma no pe ri su ta".split()


def vocabulary() -> tuple[list[str], list[float]]:
    """News-like word frequencies: function words first, then a long tail holding topic words.

    Weights follow Zipf's law (1/rank), as word frequencies in news text roughly do. Topic
    words sit among ranks 200 to 1,300, where content words of a news vocabulary fall, so a
    query word matches a realistic share of paragraphs rather than nearly all of them.
    """
    tail = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:10]]
    words = FUNCTION_WORDS + tail
    for number, word in enumerate(WORDS):
        words.insert(200 + 10 * number, word)
    return words, [1 / rank for rank in range(1, len(words) + 1)]


VOCABULARY, WEIGHTS = vocabulary()


def sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = rng.choices(VOCABULARY, weights=WEIGHTS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def article(rng: random.Random, number: int, speakers: list[str]) -> str:
    """One article: title, dateline, narrative paragraphs and attributed quotes."""
    date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2025)}"
    lines = [f"{sentence(rng, 4, 8)[:-1].title()} ({number})", ""]
    lines += [f"{rng.choice(CITIES)}, {date} — {sentence(rng)}", ""]
    for _ in range(rng.randint(3, 5)):
        name = rng.choice(speakers)
        role = rng.choice(ROLES)
        lines += [" ".join(sentence(rng) for _ in range(rng.randint(2, 4))), ""]
        lines += [f"“{sentence(rng)[:-1]},” said {name}, the {role}.", ""]
        if rng.random() < 0.6:
            lines += [f"“{sentence(rng)}” {name.split()[-1]} {rng.choice(VERBS)}.", ""]
    return "\n".join(lines)


def generate(folder: Path, count: int, seed: int) -> None:
    """Write the corpus, or keep the one a finished earlier run wrote with these settings."""
    finished = folder / ".generated"
    if finished.is_file():
        return
    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(seed)
    speakers = [f"{first} {last}" for first in FIRST_NAMES for last in SURNAMES]
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"{number // 1000:03}" / f"a{number:06}.txt").parent.mkdir(exist_ok=True)
        (folder / f"{number // 1000:03}" / f"a{number:06}.txt").write_text(
            article(rng, number, speakers), "utf-8"
        )
    finished.touch()


# --- measurements that run in a child process of their own -------------------------------


def child_project_build(corpus: str, index: str) -> dict:
    from search.engine.whoosh import WhooshEngine

    start = time.perf_counter()
    report = WhooshEngine(Path(index)).update(Path(corpus), rebuild=True)
    elapsed = time.perf_counter() - start
    from search.engine.whoosh.query import read_index  # after: a build does not load it

    documents = read_index(Path(index), lambda searcher: searcher.doc_count())
    return {"seconds": elapsed, "articles": report.added, "documents": documents}


def child_incremental(corpus: str, index: str) -> dict:
    from search.engine.whoosh import WhooshEngine

    changed = sorted(Path(corpus).rglob("*.txt"))[0]
    original = changed.read_text("utf-8")
    changed.write_text(original + "\nA late paragraph about the zeppelin.\n")
    try:
        start = time.perf_counter()
        report = WhooshEngine(Path(index)).update(Path(corpus))
        return {"seconds": time.perf_counter() - start, "updated": report.updated}
    finally:
        changed.write_text(original, "utf-8")  # the corpus as generated, for the next run


def child_bare_build(corpus: str, index: str) -> dict:
    """The ceiling: the same paragraphs into a bare Whoosh index with comparable fields."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

    schema = Schema(
        id=ID(stored=True, unique=True),
        source=ID(stored=True),
        position=STORED(),
        speaker=TEXT(stored=True),
        date=DATETIME(stored=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
    )
    os.makedirs(index, exist_ok=True)
    start = time.perf_counter()
    ix = whoosh_index.create_in(index, schema)
    writer = ix.writer()
    documents = 0
    for path in sorted(Path(corpus).rglob("*.txt")):
        title, *paragraphs = [p for p in path.read_text("utf-8").split("\n\n") if p.strip()]
        for position, paragraph in enumerate(paragraphs):
            writer.add_document(
                id=f"{path.name}#{position}", source=path.name, position=position,
                title=title, body=paragraph,
            )  # fmt: skip
            documents += 1
    writer.commit()
    return {"seconds": time.perf_counter() - start, "documents": documents}


def mixed_requests(count: int = 240) -> list:
    """The same mixed queries every run: words, a speaker's surname, a half-year's dates, a
    phrase beside words (`benchmarks/serve.py` sends them over HTTP too)."""
    import datetime as dt

    from search.engine.request import SearchRequest

    rng = random.Random(7)
    speakers = [f"{first} {last}" for first in FIRST_NAMES for last in SURNAMES]
    requests = []
    for number in range(count):
        kind = number % 4
        text = rng.choice(QUERIES)
        if kind == 1:
            requests.append(SearchRequest(text, speakers=(rng.choice(speakers).split()[-1],)))
        elif kind == 2:
            year = rng.randint(2019, 2025)
            requests.append(
                SearchRequest(text, since=dt.date(year, 1, 1), until=dt.date(year, 6, 30))
            )
        elif kind == 3:
            requests.append(SearchRequest(f'"{" ".join(rng.sample(WORDS, 2))}" {text}'))
        else:
            requests.append(SearchRequest(text))
    return requests


def long_and_short_queries(count: int = 20) -> tuple[list[str], list[str]]:
    """The same queries of 60 words and of 3 words every run, drawn alike from the corpus's
    own word frequencies (function words left out, as the stop list would drop them)."""
    rng = random.Random(11)
    words = [(w, weight) for w, weight in zip(VOCABULARY, WEIGHTS, strict=True)]
    content = [(w, weight) for w, weight in words if w not in FUNCTION_WORDS]
    vocabulary, weights = [w for w, _ in content], [weight for _, weight in content]
    long = [" ".join(rng.choices(vocabulary, weights=weights, k=60)) for _ in range(count)]
    short = [" ".join(rng.choices(vocabulary, weights=weights, k=3)) for _ in range(count)]
    return long, short


def timed(index: Path, requests: list) -> tuple[list[float], list[float]]:
    """Each request's wall time and processor time, each list sorted: on this shared machine
    processor time is the steadier figure."""
    from search.engine.whoosh.query import search

    timings, processor = [], []
    for request in requests:
        start, start_processor = time.perf_counter(), time.process_time()
        search(index, request)
        timings.append(time.perf_counter() - start)
        processor.append(time.process_time() - start_processor)
    return sorted(timings), sorted(processor)


def child_project_queries(index: str) -> dict:
    """In-process latency of mixed queries, highlighting included; long against short queries;
    and the mixed queries with every facet."""
    import dataclasses

    from search.engine.request import FACETS, SearchRequest

    requests = mixed_requests()
    timed(Path(index), requests[:1])  # warm the operating system's file cache
    timings, processor = timed(Path(index), requests)
    long, short = long_and_short_queries()
    long_timings, long_processor = timed(Path(index), [SearchRequest(text) for text in long])
    short_timings, short_processor = timed(Path(index), [SearchRequest(text) for text in short])
    faceted = [dataclasses.replace(request, facets=FACETS) for request in requests]
    facet_timings, _ = timed(Path(index), faceted)
    return {
        "queries": len(timings),
        "p50_ms": 1000 * statistics.median(timings),
        "p95_ms": 1000 * percentile_95(timings),
        "processor_p50_ms": 1000 * statistics.median(processor),
        "processor_p95_ms": 1000 * percentile_95(processor),
        "long_p50_ms": 1000 * statistics.median(long_timings),
        "short_p50_ms": 1000 * statistics.median(short_timings),
        "long_processor_p50_ms": 1000 * statistics.median(long_processor),
        "short_processor_p50_ms": 1000 * statistics.median(short_processor),
        "facets_p50_ms": 1000 * statistics.median(facet_timings),
        "facets_p95_ms": 1000 * percentile_95(facet_timings),
    }


def percentile_95(timings: list[float]) -> float:
    return timings[int(len(timings) * 0.95) - 1]


BARE_QUERY_SCRIPT = """
import sys
from whoosh import index
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.highlight import ContextFragmenter
ix = index.open_dir(sys.argv[1])
with ix.searcher() as searcher:
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup.factory(0.9))
    query = parser.parse(sys.argv[2])
    results = searcher.search(query, limit=10)
    results.fragmenter = ContextFragmenter()
    for hit in results:
        print(hit["id"], hit.highlights("body"))
"""

CHILDREN = {
    "project-build": child_project_build,
    "incremental": child_incremental,
    "bare-build": child_bare_build,
    "project-queries": child_project_queries,
}


class TreeMemory(threading.Thread):
    """Samples the memory of this process and all it has forked, summed: a build's peak
    includes its index-writing helpers, which run at the same time.

    Two sums: resident memory (RSS), which counts a page the processes share once in each of
    them, and proportional memory (PSS), which splits a shared page between them and so adds
    up to what the machine gives them. Forked helpers share their parent's pages.
    """

    PSS_EVERY = 10  # samples: reading a process's smaps_rollup costs more than its statm

    def __init__(self) -> None:
        super().__init__(daemon=True)
        if not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").is_file():
            raise SystemExit("measuring memory needs /proc/PID/task/TID/children (Linux ≥ 3.5)")
        self.stop = threading.Event()
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0

    def run(self) -> None:
        sample = 0
        while not self.stop.wait(0.05):
            tree = self.tree()
            self.peak_mb = max(self.peak_mb, sum(map(self.rss_mb, tree)))
            if sample % self.PSS_EVERY == 0:
                self.peak_pss_mb = max(self.peak_pss_mb, sum(map(self.pss_mb, tree)))
            sample += 1

    @staticmethod
    def tree() -> list[int]:
        """This process and its descendants, found through each thread's list of children:
        scanning all of /proc twenty times a second took a tenth of a processor on a busy
        machine, from the build it measures."""
        seen, frontier = [], [os.getpid()]
        while frontier:
            pid = frontier.pop()
            if pid in seen:
                continue
            seen.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    children = Path(f"/proc/{pid}/task/{task}/children").read_text()
                    frontier += [int(child) for child in children.split()]
            except OSError:
                continue  # ended meanwhile
        return seen

    @staticmethod
    def rss_mb(pid: int) -> float:
        try:
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            return 0.0  # ended meanwhile
        return pages * resource.getpagesize() / 2**20

    @staticmethod
    def pss_mb(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass  # ended meanwhile, or no smaps_rollup (Linux < 4.14)
        return 0.0


def in_child(name: str, *args: str) -> dict:
    """Run one measurement in a fresh interpreter; add its peak RSS in MB."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", name, *args],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def wall_times(command: list[str], runs: int, env: dict | None = None) -> float:
    """Median wall time of a whole process, in milliseconds, after one untimed run.

    Python may cache compiled modules, as an installed program's are: this machine sets
    PYTHONDONTWRITEBYTECODE, which would make an editable install of the project compile its
    modules on every run while Whoosh's come compiled.
    """
    env = dict(env or os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(command, capture_output=True, env=env, check=False)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, check=False)
        timings.append(time.perf_counter() - start)
    return 1000 * statistics.median(timings)


def folder_megabytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def median_build(runs: list[dict]) -> dict:
    """One build's figures from several: the median time, the highest peak of memory."""
    return {
        **runs[-1],
        "seconds": statistics.median(run["seconds"] for run in runs),
        "cpu_seconds": statistics.median(run["cpu_seconds"] for run in runs),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "peak_pss_mb": max(run["peak_pss_mb"] for run in runs),
    }


def each_build(runs: list[dict]) -> str:
    return ", ".join(
        f"{run['seconds']:.1f} s ({run['cpu_seconds']:.0f} s of processor, "
        f"peak {run['peak_rss_mb']:.0f} MB RSS, {run['peak_pss_mb']:.0f} MB PSS)"
        for run in runs
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("--work", type=Path, help="folder for corpus and indexes (kept)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--builds", type=int, help="builds of each kind (default 3 up to 5,000 articles, else 1)"
    )
    arguments = parser.parse_args()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="scale-"))
    corpus = work / f"corpus-{arguments.articles}-{arguments.seed}"
    project_index, bare_index = work / "index", work / "bare"
    for built in (project_index, bare_index):
        shutil.rmtree(built, ignore_errors=True)
    generate(corpus, arguments.articles, arguments.seed)
    print(f"corpus: {arguments.articles} articles in {corpus}")

    builds = arguments.builds or (3 if arguments.articles <= 5000 else 1)
    bare_runs, our_runs = [], []
    for _ in range(builds):  # alternated, so a slow spell of the shared machine hits both
        shutil.rmtree(bare_index, ignore_errors=True)
        bare_runs.append(in_child("bare-build", str(corpus), str(bare_index)))
        our_runs.append(in_child("project-build", str(corpus), str(project_index)))
    bare, ours = median_build(bare_runs), median_build(our_runs)
    print(f"builds: {builds} of each, alternated (medians below)")
    print(f"  project: {each_build(our_runs)}")
    print(f"  bare:    {each_build(bare_runs)}")
    incremental = in_child("incremental", str(corpus), str(project_index))
    queries = in_child("project-queries", str(project_index))

    query = "energy grid expansion"
    environment = {**os.environ, "SEARCH_INDEX": str(project_index), "SEARCH_CORPUS": str(corpus)}
    # The command installed beside this interpreter: `search` need not be on PATH (a virtual
    # environment run without activating it), and another on PATH could be another install.
    search_command = str(Path(sys.executable).with_name("search"))
    if not Path(search_command).is_file():
        raise SystemExit(f"{search_command} is missing: pip install -e . with this interpreter")
    whole_search = wall_times([search_command, query], arguments.runs, environment)
    bare_script = work / "bare_query.py"
    bare_script.write_text(BARE_QUERY_SCRIPT)
    whole_bare = wall_times(
        [sys.executable, str(bare_script), str(bare_index), query], arguments.runs
    )
    help_time = wall_times([search_command, "--help"], arguments.runs)
    imports = wall_times(
        [sys.executable, "-c", "import whoosh.index, whoosh.qparser, whoosh.highlight, click"],
        arguments.runs,
    )

    rows = [
        ("build: articles/s", ours["articles"] / ours["seconds"], None, ""),
        (
            "build: index documents/s",
            ours["documents"] / ours["seconds"],
            bare["documents"] / bare["seconds"],
            "bare Whoosh docs/s",
        ),
        ("build: seconds", ours["seconds"], bare["seconds"], "target ≤ 1.3× bare"),
        ("build: processor seconds", ours["cpu_seconds"], bare["cpu_seconds"], "all processes"),
        (
            "build: peak RSS MB, all processes",
            ours["peak_rss_mb"],
            bare["peak_rss_mb"],
            "target ≤ 500 MB",
        ),
        (
            "build: peak PSS MB, all processes",
            ours["peak_pss_mb"],
            bare["peak_pss_mb"],
            "shared pages counted once",
        ),
        ("build: documents", ours["documents"], bare["documents"], "bare = paragraphs"),
        (
            "incremental update of one file: s",
            incremental["seconds"],
            None,
            f"target ≤ 1 s; {incremental['cpu_seconds']:.2f} s of processor",
        ),
        (
            "index size MB",
            folder_megabytes(project_index),
            folder_megabytes(bare_index),
            "",
        ),
        ("query p50 ms (in-process)", queries["p50_ms"], None, f"{queries['queries']} queries"),
        ("query p95 ms (in-process)", queries["p95_ms"], None, "target ≤ 30 ms at 80,000"),
        (
            "query p50 processor ms",
            queries["processor_p50_ms"],
            None,
            f"p95 {queries['processor_p95_ms']:.1f} ms",
        ),
        (
            "query p50 ms, 60 words / 3 words",
            queries["long_p50_ms"],
            queries["short_p50_ms"],
            "target ≤ 3×",
        ),
        (
            "query p50 processor ms, 60 / 3 words",
            queries["long_processor_p50_ms"],
            queries["short_processor_p50_ms"],
            "",
        ),
        ("query p50 ms with every facet", queries["facets_p50_ms"], None, ""),
        ("query p95 ms with every facet", queries["facets_p95_ms"], None, ""),
        ("whole `search` process ms", whole_search, whole_bare, "target ≤ 0.8× bare"),
        ("`search --help` ms", help_time, imports, "target ≤ 0.8× import whoosh+click"),
    ]
    print(f"{'figure':<36}{'project':>12}{'bare Whoosh':>14}{'ratio':>8}  note")
    for label, value, reference, note in rows:
        ratio = f"{value / reference:.2f}" if reference else ""
        shown = f"{reference:.1f}" if reference is not None else ""
        print(f"{label:<36}{value:>12.1f}{shown:>14}{ratio:>8}  {note}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        # The sampler scans /proc in a thread of this process, which would slow what it
        # shares the interpreter with: query latencies are measured without it.
        sampler = TreeMemory() if sys.argv[2] != "project-queries" else None
        if sampler:
            sampler.start()
        measured = CHILDREN[sys.argv[2]](*sys.argv[3:])
        if sampler:
            sampler.stop.set()
            sampler.join()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak = max(own, sampler.peak_mb if sampler else 0)
        pss = sampler.peak_pss_mb if sampler else 0
        usages = [
            resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        ]
        cpu = sum(usage.ru_utime + usage.ru_stime for usage in usages)
        print(json.dumps({**measured, "peak_rss_mb": peak, "peak_pss_mb": pss, "cpu_seconds": cpu}))
    else:
        main()
