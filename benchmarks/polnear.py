"""Attribution on real news: PolNeAR dev scored by its own `score.py`, and extraction speed.

Usage: python benchmarks/polnear.py POLNEAR_ARTICLES_JSONL [--split dev]

POLNEAR_ARTICLES_JSONL is the file `../shared/polnear/prepare.sh` writes outside the project (the
articles are copyrighted news and never enter the repository). The scorer indexes the split with
the `search` command installed beside this Python and prints found and speaker-right rates per
mention type and the calibration table; this script then times `search.extract.extract` over the
split's articles (median of several passes, one core).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.corpus import parse_article
from search.extract import extract

SCORER = Path(__file__).resolve().parent.parent.parent / "shared" / "polnear" / "score.py"
SPEED_PASSES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=Path)
    parser.add_argument("--split", default="dev", choices=("train", "dev"))
    options = parser.parse_args()
    search = Path(sys.executable).with_name("search")
    command = [sys.executable, str(SCORER), str(options.articles), "--split", options.split]
    subprocess.run([*command, "--search", str(search)], check=True)
    texts = [
        row["title"] + "\n\n" + row["text"]
        for row in map(json.loads, options.articles.open(encoding="utf-8"))
        if row["split"] == options.split
    ]
    articles = [parse_article(f"{n}.txt", text) for n, text in enumerate(texts)]
    usable = [article for article in articles if article is not None]
    seconds = []
    for _ in range(SPEED_PASSES):
        started = time.perf_counter()
        for article in usable:
            extract(article)
        seconds.append(time.perf_counter() - started)
    rate = len(usable) / statistics.median(seconds)
    print(f"  extraction speed: {rate:.0f} articles/s (median of {SPEED_PASSES} passes, one core)")


if __name__ == "__main__":
    main()
