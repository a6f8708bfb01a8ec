"""Attribution benchmark: quote recall, speaker/role/date accuracy and speed against a gold file.

Usage: python benchmarks/attribution.py ARTICLES_DIR GOLD_JSON

Reads the folder with the project's own corpus reader and runs `search.extract.extract` on every
article. Two gold formats are accepted, both a mapping from file name to an entry with `quotes`:
the seeds format (each quote carries its own `date`) and the attribution-dev format (an entry
`date` that quotes inherit unless they give their own, `aliases`, and `ignore`d scare quotes).

Counting (attribution-dev/README.md): a gold quotation is found when an extracted quote contains
its text after normalising white space and quote marks; it is attributed when that quote's speaker
equals the gold speaker or one of its aliases, ignoring case. Speaker and date accuracy are over
all gold quotations (a quotation not found counts as wrong); role accuracy is over gold quotations
that give a role. Extracted quotes that carry a speaker but match no gold quotation are counted as
spurious attributions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.corpus import SourceFile, iter_corpus, read_articles
from search.extract import extract
from search.model import Article, Quote

SPEED_PASSES = 7
_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


@dataclass(frozen=True)
class GoldQuote:
    source: str
    text: str
    speaker: str | None
    names: frozenset[str]  # the speaker and its aliases, lower case
    role: str | None
    date: dt.date | None


@dataclass
class Tally:
    total: int = 0
    found: int = 0
    speakers: int = 0
    roles_total: int = 0
    roles: int = 0
    dates_total: int = 0
    dates: int = 0
    spurious: int = 0


def normalise(text: str) -> str:
    """White space collapsed, quote marks straight, case kept (the gold texts are substrings)."""
    return " ".join(text.translate(_MARKS).split())


def load_gold(path: Path) -> dict[str, tuple[list[GoldQuote], list[str]]]:
    """Gold quotations and ignored phrases per source file, from either gold format."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    gold: dict[str, tuple[list[GoldQuote], list[str]]] = {}
    for source, entry in raw.items():
        article_date = entry.get("date")
        quotes = []
        for item in entry.get("quotes", []):
            date_text = item.get("date") or article_date
            names = {item["speaker"], *item.get("aliases", [])} if item.get("speaker") else set()
            quotes.append(
                GoldQuote(
                    source=source,
                    text=normalise(item["text"]),
                    speaker=item.get("speaker"),
                    names=frozenset(name.lower() for name in names),
                    role=item.get("role"),
                    date=dt.date.fromisoformat(date_text) if date_text else None,
                )
            )
        gold[source] = (quotes, [normalise(text) for text in entry.get("ignore", [])])
    return gold


def read_folder(folder: Path) -> dict[str, Article]:
    articles = {}
    for item in iter_corpus(folder):
        if isinstance(item, SourceFile):
            for article in read_articles(item)[0]:
                articles[Path(article.source).name] = article
    return articles


def score(
    gold: dict[str, tuple[list[GoldQuote], list[str]]], extracted: dict[str, tuple[Quote, ...]]
) -> tuple[Tally, list[str]]:
    tally = Tally()
    misses: list[str] = []
    for source, (gold_quotes, ignored) in sorted(gold.items()):
        quotes = extracted.get(source, ())
        matched: set[int] = set()
        for item in gold_quotes:
            tally.total += 1
            hits = [i for i, quote in enumerate(quotes) if item.text in normalise(quote.text)]
            if not hits:
                misses.append(f"{source}: NOT FOUND “{item.text[:70]}”")
                tally.roles_total += item.role is not None
                tally.dates_total += item.date is not None
                continue
            matched.update(hits)
            quote = quotes[hits[0]]
            tally.found += 1
            if quote.speaker is not None and quote.speaker.lower() in item.names:
                tally.speakers += 1
            else:
                misses.append(
                    f"{source}: SPEAKER {quote.speaker!r} ≠ {item.speaker!r} “{item.text[:50]}”"
                )
            if item.role is not None:
                tally.roles_total += 1
                if (quote.role or "").lower() == item.role.lower():
                    tally.roles += 1
                else:
                    misses.append(f"{source}: ROLE {quote.role!r} ≠ {item.role!r} ({item.speaker})")
            if item.date is not None:
                tally.dates_total += 1
                if quote.date == item.date:
                    tally.dates += 1
                else:
                    misses.append(f"{source}: DATE {quote.date} ≠ {item.date} “{item.text[:50]}”")
        for i, quote in enumerate(quotes):
            if i in matched or quote.speaker is None:
                continue
            tally.spurious += 1
            kind = "SCARE QUOTE" if normalise(quote.text) in ignored else "SPURIOUS"
            misses.append(f"{source}: {kind} {quote.speaker!r} “{quote.text[:60]}”")
    return tally, misses


def articles_per_second(articles: list[Article]) -> float:
    """Median throughput over several passes (one process, one core)."""
    rates = []
    for _ in range(SPEED_PASSES):
        began = time.perf_counter()
        for article in articles:
            extract(article)
        rates.append(len(articles) / (time.perf_counter() - began))
    return statistics.median(rates)


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", type=Path)
    parser.add_argument("gold", type=Path)
    args = parser.parse_args()
    gold = load_gold(args.gold)
    articles = read_folder(args.articles)
    missing = sorted(set(gold) - set(articles))
    if missing:
        print(f"gold names files not in {args.articles}: {', '.join(missing)}", file=sys.stderr)
    extracted = {source: extract(article).quotes for source, article in articles.items()}
    tally, misses = score(gold, extracted)
    print(f"articles:           {len(articles)}")
    print(f"quote recall:       {_ratio(tally.found, tally.total)}")
    print(f"speaker accuracy:   {_ratio(tally.speakers, tally.total)}")
    print(f"role accuracy:      {_ratio(tally.roles, tally.roles_total)}")
    print(f"date accuracy:      {_ratio(tally.dates, tally.dates_total)}")
    print(f"spurious speakers:  {tally.spurious}")
    if articles:
        print(f"speed:              {articles_per_second(list(articles.values())):.0f} articles/s")
    for miss in misses:
        print(f"  {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
