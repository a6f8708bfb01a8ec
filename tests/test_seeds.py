"""The product's acceptance on the project's own corpus, `seeds/`, through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from search.cli import cli

SEEDS = Path(__file__).parent.parent / "seeds"
GOLD = Path(__file__).parent / "data" / "seeds-gold.json"


def search(tmp_path: Path, *args: str):
    corpus = tmp_path / "seeds"
    if not corpus.exists():
        shutil.copytree(SEEDS, corpus)
    env = {"SEARCH_CORPUS": str(corpus), "SEARCH_INDEX": str(tmp_path / "index")}
    return CliRunner().invoke(cli, list(args), env=env)


def test_nato_expansion_puts_quotes_with_both_words_first_with_both_highlighted(tmp_path):
    result = search(tmp_path, "NATO expansion", "--format", "json")
    assert result.exit_code == 0
    hits = json.loads(result.stdout)["hits"]
    both = [
        hit["kind"] == "quote"
        and "nato" in hit["quote"].lower()
        and "expansion" in hit["quote"].lower()
        for hit in hits
    ]
    assert any(both)
    assert both == sorted(both, reverse=True), "a hit with both words ranks below one without"
    leaders = [hit for hit, has_both in zip(hits, both, strict=True) if has_both]
    assert "Lu Shaye" in {hit["speaker"] for hit in leaders}
    for hit in leaders:
        marked = {hit["snippet"][start:end].lower() for start, end in hit["highlights"]}
        assert marked == {"nato", "expansion"}


def test_every_seed_quote_is_listed_with_its_gold_speaker_and_date(tmp_path):
    result = search(tmp_path, "quotes", "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    gold = json.loads(GOLD.read_text("utf-8"))
    expected = [
        (source, quote["text"], quote["speaker"], quote["date"])
        for source, article in sorted(gold.items())
        for quote in article["quotes"]
    ]
    assert [(r["source"], r["quote"], r["speaker"], r["date"]) for r in rows] == expected


def test_speaker_filter_finds_lavrov_in_any_spelling(tmp_path):
    for name in ("lavrov", "Sergey Lavrov", "LAVROV"):
        result = search(tmp_path, "NATO", "--speaker", name, "--format", "json")
        assert {hit["speaker"] for hit in json.loads(result.stdout)["hits"]} == {"Sergey Lavrov"}
