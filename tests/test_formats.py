"""Markdown, HTML and JSON Lines articles in the same corpus folder, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from search.formats import from_markdown

MARKDOWN = """\
Some front text before the heading

# Quarry Reopens After **Two** Years

*By our [staff reporter](https://example.org/staff)*

KESTRAD, May 3, 2024 — The old quarry reopened on Friday.

> “We waited a long time for this,” said Ilse Marquardt, the quarry manager.

## Background

- The quarry closed in 2022.
"""

HTML = """<!doctype html><html><head><title>Ferry Strike Ends | The Coast Daily</title>
<meta property="article:published_time" content="2024-06-01T08:00:00Z"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Ferry Strike Ends</h1>
<p>Ferry crews returned to work after a nine-day strike over rosters and pay.</p>
<p>“The crews have won a fair roster at last,” said Oskar Lindahl, the union secretary.</p>
<p>Passengers queued at the terminal from early morning as the first sailings left.</p>
</article><footer>Subscribe to our newsletter for more ferry news.</footer></body></html>
"""


def write_jsonl(path: Path, records: list) -> None:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", "utf-8"
    )


def test_markdown_title_comes_from_the_first_heading_and_markup_is_dropped():
    article = from_markdown(MARKDOWN)
    title, _, body = article.text.partition("\n\n")
    assert title == "Quarry Reopens After Two Years"
    assert "staff reporter" in body and "https://" not in body and "*" not in body
    assert "“We waited a long time for this,” said Ilse Marquardt" in body
    assert "\nBackground\n" in body


def test_markdown_quotes_are_extracted_and_searchable(run, corpus: Path):
    (corpus / "quarry.md").write_text(MARKDOWN, "utf-8")
    result = run("waited", "--format", "json")
    hit = json.loads(result.stdout)["hits"][0]
    assert hit["speaker"] == "Ilse Marquardt"
    assert hit["title"] == "Quarry Reopens After Two Years"
    assert hit["date"] == "2024-05-03"


def test_html_article_text_without_navigation_and_metadata_date(run, corpus: Path):
    (corpus / "ferry.html").write_text(HTML, "utf-8")
    hit = json.loads(run("fair roster", "--format", "json").stdout)["hits"][0]
    assert hit["speaker"] == "Oskar Lindahl"
    assert hit["title"] == "Ferry Strike Ends"
    assert hit["date"] == "2024-06-01"
    assert run("newsletter").exit_code == 1
    assert run("sport").exit_code == 1


def test_html_page_without_article_text_is_skipped_with_a_reason(run, corpus: Path):
    (corpus / "empty.html").write_text("<html><body><script>var x = 1;</script></body></html>")
    result = run("index")
    assert result.exit_code == 0
    assert "skipped empty.html" in result.stderr


def test_json_lines_hold_one_article_a_line_with_metadata_dates(run, corpus: Path):
    write_jsonl(
        corpus / "wire.jsonl",
        [
            {"title": "Bridge Opens", "body": "“It is finished,” said Dana Whitcombe.\n\nCars crossed.",
             "date": "2022-09-30", "url": "https://example.org/bridge"},
            "not json at all",
            {"title": "No body here"},
            {"title": "Dam Report", "body": "The dam report was published.", "date": "someday"},
        ],
    )  # fmt: skip
    result = run("index")
    assert result.exit_code == 0
    assert "wire.jsonl: line 2: not valid JSON; skipped it" in result.stderr
    assert 'wire.jsonl: line 3: needs string fields "title" and "body"' in result.stderr
    assert "wire.jsonl: line 4: cannot read the date 'someday'" in result.stderr
    hit = json.loads(run("finished", "--format", "json").stdout)["hits"][0]
    assert (hit["speaker"], hit["date"], hit["source"]) == (
        "Dana Whitcombe",
        "2022-09-30",
        "wire.jsonl:1",
    )
    assert json.loads(run("dam", "--format", "json").stdout)["hits"][0]["source"] == "wire.jsonl:4"


def test_changing_a_json_lines_file_replaces_all_its_articles(run, corpus: Path):
    write_jsonl(corpus / "wire.jsonl", [{"title": "Alpha", "body": "The zeppelin landed."}])
    run("index")
    write_jsonl(corpus / "wire.jsonl", [{"title": "Beta", "body": "The airship left."}])
    assert "1 updated" in run("index").stderr
    assert run("zeppelin").exit_code == 1
    assert run("airship").exit_code == 0
