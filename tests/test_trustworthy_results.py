"""Results a fact-checker can trust: quote marks hold only the speaker's own words, titles
lift matching paragraphs without making others hits, a damaged index says so, links show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import write_articles

ORCHARD = """\
Orchard Growers Count Frost Losses

VELDHAM, April 9, 2025 — Growers in the valley counted their losses after a late frost.

“The blossoms turned brown overnight,” said Ilse Marwood, standing beside a smudge pot. “Insurance will not cover half of the apricots.”
"""

# A quotation running on into a paragraph where someone else is quoted after it.
CANAL = """\
Canal Lock Repairs Delayed

“The lock gates are rotten through,” said Hanne Vosk, the canal warden. “We have patched them for years.

“The parts come from one foundry in the north,” she said. Engineer Piet Oram disagreed. “The gates could last another winter,” Oram said.
"""

# A title sharing the searched words, page furniture, and the words together deep down.
TOLLS = """\
Kesswick Harbour Tolls Rise for Yachts

Dec. 3, 2026

By Petra Lind

KESSWICK — The port board voted on Tuesday to raise mooring fees for visiting boats.

Owners of small craft said the increase would keep them away next summer.

Read more | Subscribe

Share on Facebook Share on Twitter

Harbour tolls for yachts over twelve metres will double from March, the board said.

(Reporting by Petra Lind; Editing by Omar Haddad)

More
"""

# One statement interrupted by its attribution.
HARBOURMASTER = """\
Ferry Council Turns Down Harbourmaster Candidates

TALLOW BAY, May 2, 2025 — The ferry council rejected all three candidates for harbourmaster.

“It is baffling that the council turned down every one of the candidates,” said Ruth Agnello, a ferry captain. “I cannot see the sense in that.”
"""


# A title whose words the one quotation below it does not hold.
SEAWALL = """\
Seawall Funding Approved

“Every family on the front can sleep easier tonight,” said Bram Keel, the county engineer.
"""

# A wire feed whose lines give each article's address and publication (`url`, `source`).
FEED = [
    {"title": "Glassworks Reopens", "body": "The old glassworks in Brantby reopened on Friday."},
    {
        "title": "Lighthouse Keeper Retires",
        "body": "“The lamp never failed once in forty winters,” said Odile Fenwick.",
        "date": "2026-11-30",
        "url": "https://coastwire.example/2026/11/30/keeper-retires",
        "source": "Coast Wire",
    },
    {"title": "Tide Tables", "body": "The tide tables for Brantby are out.", "url": 17},
]
# A page naming its canonical address and its site.
PAGE = """<!doctype html><html><head><title>Saltmarsh Ponies Counted</title>
<link rel="canonical" href="https://marshnews.example/ponies-counted">
<meta property="og:site_name" content="Marsh News"></head><body><article>
<h1>Saltmarsh Ponies Counted</h1>
<p>Volunteers counted ninety-one wild ponies on the saltmarsh at Hollin Sands this week.</p>
<p>The herd has grown by a dozen since the last count, the volunteers reported.</p>
</article></body></html>"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """This module's articles alone, for conftest's `run` to search."""
    folder = write_articles(
        tmp_path / "corpus",
        {
            "orchard.txt": ORCHARD,
            "tolls.txt": TOLLS,
            "harbourmaster.txt": HARBOURMASTER,
            "seawall.txt": SEAWALL,
            "canal.txt": CANAL,
        },
    )
    (folder / "wire").mkdir()
    lines = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in FEED)
    (folder / "wire" / "feed.jsonl").write_text(lines, "utf-8")
    (folder / "ponies.html").write_text(PAGE, "utf-8")
    return folder


def hits(result) -> list[dict]:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["hits"]


def test_a_quotation_never_matches_through_another_quotation_of_its_paragraph(run) -> None:
    found = hits(run("apricots", "--format", "json"))
    assert [hit["quote"] for hit in found] == ["Insurance will not cover half of the apricots."]
    assert found[0]["in_quotation"] is True


def test_a_quotation_never_matches_through_one_running_on_into_its_paragraph(run) -> None:
    found = hits(run("foundry", "--format", "json"))
    assert [hit["speaker"] for hit in found] == ["Hanne Vosk"]


def test_a_match_in_the_narrative_shows_as_narrative_outside_quote_marks(run) -> None:
    found = {hit["quote"]: hit for hit in hits(run("smudge", "--format", "json"))}
    blossoms = found["The blossoms turned brown overnight"]
    assert blossoms["in_quotation"] is False
    assert "smudge pot" in blossoms["snippet"] and "apricots" not in blossoms["snippet"]
    snippet_lines = [line.strip() for line in run("smudge").stdout.splitlines()]
    assert blossoms["snippet"] in snippet_lines  # as the paragraph writes it, no marks added


def test_cite_says_when_the_searched_words_are_beside_the_quotation(run) -> None:
    lines = run("smudge", "--cite").stdout.splitlines()
    assert lines and all(
        line.endswith("(the searched words are not in the quotation)") for line in lines
    )
    assert not run("apricots", "--cite").stdout.rstrip().endswith("not in the quotation)")


def test_a_quotation_found_by_its_title_is_not_cited_as_saying_the_words(run) -> None:
    [hit] = hits(run("seawall funding", "--format", "json"))
    assert hit["kind"] == "quote" and hit["in_quotation"] is False
    [line] = run("seawall funding", "--cite").stdout.splitlines()
    assert line.endswith("(the searched words are not in the quotation)")


def test_a_title_word_lifts_matching_paragraphs_without_making_others_hits(run) -> None:
    found = hits(run("harbour tolls", "--format", "json"))
    assert [hit["snippet"] for hit in found] == [
        "Harbour tolls for yachts over twelve metres will double from March, the board said."
    ]


def test_words_in_the_title_alone_find_the_article_by_its_lead(run) -> None:
    found = hits(run("kesswick rise", "--format", "json"))
    assert [hit["snippet"] for hit in found] == [
        "KESSWICK — The port board voted on Tuesday to raise mooring fees for visiting boats."
    ]


@pytest.mark.parametrize("furniture", ["Lind", "Haddad", "subscribe", "facebook", "twitter"])
def test_page_furniture_is_no_passage(run, furniture: str) -> None:
    assert run(furniture).exit_code == 1


SPLIT_STATEMENT = (
    "It is baffling that the council turned down every one of the candidates. "
    "I cannot see the sense in that."
)


def test_verify_finds_a_split_quotation_whole_and_shows_where_the_attribution_stood(run) -> None:
    result = run("verify", SPLIT_STATEMENT)
    assert result.exit_code == 0, result.output
    assert (
        "“It is baffling that the council turned down every one of the candidates,” said Ruth "
        "Agnello, a ferry captain. “I cannot see the sense in that”"
    ) in result.stdout
    assert result.stdout.rstrip().endswith("1 found (1 exact)")


def test_verify_matches_a_wording_across_the_attribution(run) -> None:
    result = run("verify", "every one of the candidates I cannot see the sense", "--format", "json")
    assert result.exit_code == 0, result.output
    [occurrence] = json.loads(result.stdout)["occurrences"]
    assert occurrence["exact"] and occurrence["speaker"] == "Ruth Agnello"
    [interruption] = occurrence["interruptions"]
    assert interruption["words"] == ",” said Ruth Agnello, a ferry captain. “"
    assert occurrence["found"][: interruption["at"]].endswith("candidates")


def cut_short(index: Path, pattern: str, keep: float) -> None:
    """Cut every file of the live generation matching `pattern` to `keep` of its length."""
    files = [
        path for path in index.glob(f"gen-*/{pattern}") if not path.name.endswith("_stored.col")
    ]
    assert files
    for path in files:
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])


def test_cut_short_columns_are_a_damaged_index_not_a_wrong_answer(run, tmp_path: Path) -> None:
    assert run("apricots", "--since", "2025-01-01").exit_code == 0
    cut_short(tmp_path / "index", "*.col", keep=0.5)
    for args in (("apricots", "--since", "2025-01-01"), ("index",)):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("search: error: the index in ")
        assert "is damaged" in result.stderr and "search index --rebuild" in result.stderr
    assert run("index", "--rebuild").exit_code == 0
    assert run("apricots", "--since", "2025-01-01").exit_code == 0


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_cut_short_postings_file_is_reported_in_one_line(run, tmp_path: Path, keep) -> None:
    assert run("harbour tolls").exit_code == 0
    cut_short(tmp_path / "index", "*.pst", keep)
    for args in (("harbour tolls",), ("index",)):
        result = run(*args)
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1 and "search index --rebuild" in result.stderr
        assert "Block tag" not in result.output and "Traceback" not in result.output


KEEPER_URL = "https://coastwire.example/2026/11/30/keeper-retires"


def test_hits_show_and_cite_the_article_address_and_publication(run) -> None:
    [hit] = hits(run("lamp forty", "--format", "json"))
    assert (hit["url"], hit["publication"], hit["source"]) == (
        KEEPER_URL,
        "Coast Wire",
        "wire/feed.jsonl:2",
    )
    assert f"Lighthouse Keeper Retires · Coast Wire · wire/feed.jsonl:2 · {KEEPER_URL}" in (
        run("lamp forty").stdout
    )
    assert run("lamp forty", "--cite").stdout.splitlines() == [
        'Odile Fenwick, "The lamp never failed once in forty winters", Lighthouse Keeper Retires, '
        f"Coast Wire, 2026-11-30, {KEEPER_URL}"
    ]
    shown = run("show", hit["id"]).stdout
    assert "Coast Wire" in shown and KEEPER_URL in shown


def test_without_an_address_the_corpus_file_is_cited(run) -> None:
    [line] = run("glassworks", "--cite").stdout.splitlines()
    assert line.endswith(", wire/feed.jsonl:1")


def test_an_address_that_is_not_a_string_is_named_and_ignored(run) -> None:
    result = run("index")
    assert result.exit_code == 0
    assert 'line 3: "url" is not a string; ignored it' in result.stderr
    [hit] = hits(run("tide tables", "--format", "json"))
    assert hit["url"] is None


def test_an_html_page_gives_its_canonical_address_and_site(run) -> None:
    found = hits(run("ponies herd", "--format", "json"))
    assert {(hit["url"], hit["publication"]) for hit in found} == {
        ("https://marshnews.example/ponies-counted", "Marsh News")
    }
