"""What a fact-checker does with a result set: sort, facet, page, group copies, get suggestions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import COUNCIL_REPRINT


def payload(result) -> dict:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


EVERYTHING = "lighthouse OR dredging OR budget OR trawler OR channel OR ferries"


def test_sort_by_date_oldest_and_newest_first(run):
    oldest = [
        hit["date"]
        for hit in payload(run(EVERYTHING, "--sort", "date", "--format", "json"))["hits"]
    ]
    newest = [
        hit["date"]
        for hit in payload(run(EVERYTHING, "--sort", "-date", "--format", "json"))["hits"]
    ]
    assert oldest == sorted(oldest) and oldest[0] == "2023-06-02"
    assert newest == sorted(newest, reverse=True) and newest[0] == "2024-03-14"


def test_date_sorted_hits_have_no_score(run):
    hits = payload(run("lighthouse", "--sort", "date", "--format", "json"))["hits"]
    assert all(hit["score"] is None for hit in hits)


def test_speaker_facet_counts_the_whole_result_not_the_page(run):
    result = payload(run(EVERYTHING, "--limit", "1", "--facet", "speaker", "--format", "json"))
    speakers = result["facets"]["speaker"]
    assert speakers["Maria Okafor"] == 2
    assert set(speakers) == {"Maria Okafor", "Tomas Lu", "Lucia Ferreira", "José Peña"}
    assert len(result["hits"]) == 1


def test_year_and_month_facets(run):
    result = payload(run(EVERYTHING, "--facet", "year", "--facet", "month", "--format", "json"))
    assert set(result["facets"]["year"]) == {"2023", "2024"}
    assert set(result["facets"]["month"]) == {"2023-06", "2024-03"}
    assert sum(result["facets"]["year"].values()) == result["total"]


def test_facets_print_as_tables_with_a_bar_per_month(run):
    text = run(EVERYTHING, "--facet", "month", "--facet", "speaker").stdout
    assert "month:" in text and "speaker:" in text
    month_lines = [line for line in text.splitlines() if line.strip().startswith("2024-03")]
    assert month_lines and "█" in month_lines[0]


def test_pages_step_through_the_hits(run):
    first = payload(run(EVERYTHING, "--limit", "2", "--format", "json"))
    second = payload(run(EVERYTHING, "--limit", "2", "--page", "2", "--format", "json"))
    assert second["first"] == 3
    assert not {hit["id"] for hit in first["hits"]} & {hit["id"] for hit in second["hits"]}
    last_line = run(EVERYTHING, "--limit", "2", "--page", "2").stdout.rstrip().splitlines()[-1]
    assert last_line == f"showing hits 3–4 of {first['total']}"


def test_context_sets_the_snippet_length(run):
    hit = payload(run("channel", "--context", "30", "--format", "json"))["hits"][0]
    assert len(hit["snippet"]) <= 32
    assert "channel" in hit["snippet"]


def test_copies_of_a_quotation_are_one_hit_with_the_earliest_date(run, corpus: Path):
    (corpus / "reprint.txt").write_text(COUNCIL_REPRINT, "utf-8")
    hits = payload(run("lighthouse", "--speaker", "Ferreira", "--format", "json"))["hits"]
    assert len(hits) == 1
    assert hits[0]["copies"] == 2
    assert hits[0]["sources"] == ["council.txt", "reprint.txt"]
    assert hits[0]["date"] == "2023-06-01"
    every = payload(run("lighthouse", "--speaker", "Ferreira", "--no-group", "--format", "json"))
    assert [hit["copies"] for hit in every["hits"]] == [1, 1]
    assert every["total"] == 2


def test_facets_count_copies_once_in_the_month_of_the_earliest(run, corpus: Path):
    for name, date in (("earlier.txt", "November 20, 2022"), ("later.txt", "May 2, 2025")):
        (corpus / name).write_text(COUNCIL_REPRINT.replace("June 1, 2023", date), "utf-8")
    facets = ("--facet", "speaker", "--facet", "year", "--facet", "month", "--format", "json")
    grouped = payload(run("lighthouse", "--speaker", "Ferreira", *facets))
    assert grouped["facets"] == {
        "speaker": {"Lucia Ferreira": 1},
        "year": {"2022": 1},
        "month": {"2022-11": 1},
    }
    every = payload(run("lighthouse", "--speaker", "Ferreira", "--no-group", *facets))
    assert every["facets"]["speaker"] == {"Lucia Ferreira": every["total"]}
    assert sum(every["facets"]["month"].values()) == every["total"] >= 3
    assert {"2022-11", "2025-05"} <= set(every["facets"]["month"])


def test_facets_and_date_order_count_an_update_that_adds_no_dates_or_quotes(run, corpus: Path):
    """The update's segment of the index has no value of the date and quotation columns."""
    before = payload(run(EVERYTHING, "--facet", "month", "--format", "json"))
    (corpus / "undated.txt").write_text(
        "Harbour notes\n\nThe lighthouse and the ferries were discussed at length.\n", "utf-8"
    )
    assert run("index").exit_code == 0
    facets = ("--facet", "speaker", "--facet", "month", "--limit", "50", "--format", "json")
    after = payload(run(EVERYTHING, "--sort", "-date", *facets))
    assert after["total"] == before["total"] + 1
    assert after["facets"]["month"] == before["facets"]["month"]
    dates = [hit["date"] for hit in after["hits"]]
    assert dates[-1] is None and None not in dates[:-1] and after["hits"][-1]["speaker"] is None
    assert after["hits"][-1]["sources"] == ["undated.txt"]


def test_a_misspelled_query_gets_a_suggestion_from_the_index_vocabulary(run):
    result = run("dreging")
    assert result.exit_code == 1
    assert "did you mean: dredging" in result.stdout
    assert payload(run("dreging", "--format", "json"))["suggestions"]["query"] == "dredging"


def test_a_known_word_gets_no_suggestion(run):
    assert "did you mean" not in run("dredging").stdout


def test_an_unknown_speaker_lists_the_closest_known_names(run):
    result = run("lighthouse", "--speaker", "Ferreria")
    assert result.exit_code == 1
    assert "no speaker matches 'Ferreria'; closest: Lucia Ferreira" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("x", "--page", "0"),
        ("x", "--sort", "size"),
        ("x", "--facet", "role"),
        ("x", "--context", "5"),
    ],
)
def test_bad_result_options_are_usage_errors(run, args):
    assert run(*args).exit_code == 2
