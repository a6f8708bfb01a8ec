"""The `search` command end to end through Click's runner, on corpora written for the tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli


def hits(result) -> list[dict]:
    return json.loads(result.stdout)["hits"]


def test_first_search_builds_the_index_and_says_so_on_stderr(run):
    result = run("dredging")
    assert result.exit_code == 0
    assert "building it from" in result.stderr
    assert "index built: 2 added" in result.stderr
    second = run("dredging")
    assert "building" not in second.stderr


def test_text_output_has_rank_speaker_role_date_title_source_and_count(run):
    result = run("trawler")
    assert result.exit_code == 0
    first_block = result.stdout.split("\n\n")[0]
    assert first_block.startswith("1. Tomas Lu · 2024-03-14")
    assert "Harbour Authority Plans Night Dredging · harbour.txt" in first_block
    assert result.stdout.rstrip().endswith("1 hit")


def test_narrative_hits_show_a_dash_for_the_speaker(run):
    result = run("herring")
    assert result.stdout.startswith("1. — · 2024-03-14")


def test_last_line_says_how_many_are_shown_of_all(run):
    result = run("the harbour dredging lighthouse", "--limit", "2")
    total = json.loads(run("the harbour dredging lighthouse", "--format", "json").stdout)["total"]
    assert total > 2
    assert result.stdout.rstrip().splitlines()[-1] == f"showing hits 1–2 of {total}"


def test_json_output_has_every_documented_field(run):
    result = run("channel silting", "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["query"] == "channel silting"
    assert payload["total"] >= 1
    hit = payload["hits"][0]
    assert set(hit) == {
        "id", "kind", "score", "speaker", "role", "date", "quote",
        "snippet", "highlights", "title", "source", "copies", "sources", "confidence", "described_as",
        "in_quotation", "url", "publication",
    }  # fmt: skip
    assert hit["kind"] == "quote"
    assert hit["speaker"] == "Maria Okafor"
    assert hit["date"] == "2024-03-14"
    assert hit["quote"].startswith("The channel is silting faster")
    assert hit["source"] == "harbour.txt"


def test_highlights_are_spans_of_the_query_words_in_the_snippet(run):
    hit = hits(run("silting channel", "--format", "json"))[0]
    marked = [hit["snippet"][start:end].lower() for start, end in hit["highlights"]]
    assert sorted(marked) == ["channel", "silting"]


def test_highlights_follow_stemming(run):
    hit = hits(run("silt", "--format", "json"))[0]
    assert [hit["snippet"][s:e] for s, e in hit["highlights"]] == ["silting"]


def test_jsonl_prints_one_hit_a_line(run):
    result = run("dredging", "--format", "jsonl")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == json.loads(run("dredging", "--format", "json").stdout)["total"]
    assert all(json.loads(line)["source"] for line in lines)


def test_colour_only_when_asked_or_on_a_terminal(run):
    coloured = run("silting", "--color", "always")
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in run("silting").stdout  # the runner is not a terminal
    assert "\x1b[" not in run("silting", "--color", "never").stdout
    assert "\x1b[" not in run("silting", env={"NO_COLOR": "1"}).stdout


def test_highlighted_words_are_styled_in_colour(run):
    coloured = run("silting", "--color", "always").stdout
    assert "\x1b[33m\x1b[1msilting\x1b[0m" in coloured


def test_exit_code_one_and_a_message_when_nothing_matches(run):
    result = run("zeppelin")
    assert result.exit_code == 1
    assert "no hits" in result.stdout


def test_words_without_quotes_are_one_query(run):
    assert hits(run("channel", "silting", "--format", "json"))[0]["speaker"] == "Maria Okafor"


def test_a_query_equal_to_a_command_name_runs_with_the_query_command(run, corpus: Path):
    (corpus / "speakers.txt").write_text(
        "Panel Lists Its Speakers\n\nThe index of speakers was published.\n", "utf-8"
    )
    result = run("query", "index", "--format", "json")
    assert result.exit_code == 0
    assert hits(result)[0]["source"] == "speakers.txt"


def test_options_may_come_before_the_words(run):
    result = run("--speaker", "Okafor", "ferries", "--format", "json")
    assert result.exit_code == 0
    assert {hit["speaker"] for hit in hits(result)} == {"Maria Okafor"}


@pytest.mark.parametrize("name", ["okafor", "Maria Okafor", "OKAFOR", "maria"])
def test_speaker_filter_ignores_case_and_matches_whole_name_parts(run, name):
    result = run("channel OR ferries OR dredging", "--speaker", name, "--format", "json")
    assert result.exit_code == 0
    assert {hit["speaker"] for hit in hits(result)} == {"Maria Okafor"}


def test_speaker_filter_does_not_match_part_of_a_name_part(run):
    everything = "lighthouse OR dredging OR budget OR trawler"
    result = run(everything, "--speaker", "Lu", "--format", "json")
    assert {hit["speaker"] for hit in hits(result)} == {"Tomas Lu"}


def test_speaker_filter_ignores_accents(run):
    result = run("budget", "--speaker", "jose pena", "--format", "json")
    assert {hit["speaker"] for hit in hits(result)} == {"José Peña"}


def test_speaker_filter_is_repeatable(run):
    result = run(
        "lighthouse OR budget OR channel", "--speaker", "Ferreira", "--speaker", "Okafor",
        "--format", "json",
    )  # fmt: skip
    assert {hit["speaker"] for hit in hits(result)} == {"Lucia Ferreira", "Maria Okafor"}


def test_unknown_speaker_finds_nothing(run):
    assert run("lighthouse", "--speaker", "Nobody").exit_code == 1


def test_date_filters_are_inclusive(run):
    until = hits(run("lighthouse OR dredging", "--until", "2023-06-02", "--format", "json"))
    assert until and {hit["date"] for hit in until} == {"2023-06-02"}
    since = hits(run("lighthouse OR dredging", "--since", "2023-06-02", "--format", "json"))
    assert {hit["date"] for hit in since} == {"2023-06-02", "2024-03-14"}
    assert run("lighthouse", "--since", "2023-06-03", "--until", "2024-01-01").exit_code == 1


def test_date_field_in_the_query_takes_iso_dates(run):
    result = run("date:2023-06-02", "--format", "json")
    assert result.exit_code == 0
    assert {hit["source"] for hit in hits(result)} == {"council.txt"}
    ranged = hits(run("date:[2024-03-01 to 2024-03-31]", "--format", "json"))
    assert {hit["source"] for hit in ranged} == {"harbour.txt"}
    after = hits(run("date:>2024-01-01", "--format", "json"))
    assert {hit["source"] for hit in after} == {"harbour.txt"}


def test_speaker_field_in_the_query(run):
    result = run("speaker:ferreira", "--format", "json")
    assert {hit["speaker"] for hit in hits(result)} == {"Lucia Ferreira"}


def test_phrases_match_exact_word_order(run):
    assert run('"repair budget"').exit_code == 0
    assert run('"budget repair"').exit_code == 1


def test_boolean_operators(run):
    both = hits(run("lighthouse AND mayor", "--format", "json"))
    assert both and all(hit["speaker"] == "Lucia Ferreira" for hit in both)
    excluded = hits(run("lighthouse NOT mayor", "--format", "json"))
    assert all(hit["speaker"] != "Lucia Ferreira" for hit in excluded)


def test_prefix_wildcard(run):
    result = hits(run("sil*", "--format", "json"))
    assert result[0]["speaker"] == "Maria Okafor"


def test_any_word_matches_and_more_matching_words_rank_higher(run):
    result = hits(run("trawler zeppelin", "--format", "json"))
    assert result and result[0]["speaker"] == "Tomas Lu"
    ranked = hits(run("lighthouse repair budget", "--format", "json"))
    assert ranked[0]["speaker"] == "José Peña"  # the one hit holding all three words


def test_a_matching_quote_outranks_a_narrative_paragraph(run):
    result = hits(run("dredging", "--format", "json"))
    assert result[0]["kind"] == "quote"
    assert "passage" in {hit["kind"] for hit in result}


def test_title_words_are_searchable(run):
    result = hits(run("approves", "--format", "json"))
    assert result and {hit["source"] for hit in result} == {"council.txt"}


def test_narrative_sharing_a_paragraph_with_a_quote_is_searchable(run):
    hit = hits(run("thirty years", "--format", "json"))[0]
    assert hit["kind"] == "quote" and hit["speaker"] == "Tomas Lu"


def test_limit_caps_the_hits(run):
    assert len(hits(run("the OR harbour OR lighthouse", "--limit", "1", "--format", "json"))) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("",),
        ("the", "of"),
        ("date:yesterday",),
        ("date:2023-02-30",),
        ("x", "--since", "2023/01/01"),
        ("x", "--limit", "-1"),
        ("x", "--limit", "0"),
        ("x", "--since", "2024-01-02", "--until", "2024-01-01"),
        ("x", "--format", "xml"),
        ("x", "--speaker", "!!"),
    ],
)
def test_bad_queries_and_options_give_exit_code_two_without_traceback(run, args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.strip()


def test_missing_corpus_and_index_is_a_one_line_error(run, tmp_path: Path):
    result = run("x", "--corpus", str(tmp_path / "absent"), "--index", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "absent" in result.stderr


def test_index_command_updates_incrementally(run, corpus: Path):
    assert run("index").exit_code == 0
    unchanged = run("index")
    assert "nothing to do" in unchanged.stderr
    (corpus / "council.txt").write_text(
        (corpus / "council.txt").read_text("utf-8") + "\nA zeppelin was seen.\n", "utf-8"
    )
    (corpus / "new.txt").write_text("Late News\n\nThe quarry reopened.\n", "utf-8")
    (corpus / "harbour.txt").unlink()
    result = run("index")
    assert result.exit_code == 0
    assert "1 added, 1 updated, 1 removed, 0 unchanged, 0 skipped" in result.stderr
    assert run("zeppelin").exit_code == 0
    assert run("quarry").exit_code == 0
    assert run("dredging").exit_code == 1


def test_rebuild_starts_from_nothing(run, corpus: Path):
    run("index")
    result = run("index", "--rebuild")
    assert "index rebuilt: 2 added" in result.stderr
    assert run("lighthouse").exit_code == 0


def test_bad_files_are_skipped_with_a_reason_and_the_rest_indexed(run, corpus: Path):
    (corpus / "blob.txt").write_bytes(b"\x00\x01binary")
    (corpus / "blank.txt").write_text("  \n\n", "utf-8")
    (corpus / "latin.txt").write_bytes("Caf\xe9 News\n\nThe caf\xe9 opened.\n".encode("cp1252"))
    result = run("index")
    assert result.exit_code == 0
    assert "skipped blob.txt: binary" in result.stderr
    assert "skipped blank.txt: empty" in result.stderr
    assert "latin.txt: not valid UTF-8" in result.stderr
    assert hits(run("café", "--format", "json"))[0]["source"] == "latin.txt"


def test_quotes_command_lists_every_quote_as_jsonl(run):
    result = run("quotes", "--format", "jsonl")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert {row["speaker"] for row in rows} == {
        "Maria Okafor", "Tomas Lu", "Lucia Ferreira", "José Peña",
    }  # fmt: skip
    assert set(rows[0]) == {
        "id",
        "speaker",
        "role",
        "date",
        "quote",
        "title",
        "source",
        "confidence",
        "described_as",
        "url",
        "publication",
    }
    assert all(0 <= row["confidence"] <= 1 for row in rows)


def test_quotes_command_filters_by_speaker(run):
    rows = run("quotes", "--speaker", "okafor", "--format", "jsonl").stdout.strip().splitlines()
    quotes = [json.loads(row) for row in rows]
    assert len(quotes) == 2 and {quote["speaker"] for quote in quotes} == {"Maria Okafor"}


def test_speakers_command_counts_quotes_and_roles(run):
    result = run("speakers")
    assert result.exit_code == 0
    okafor = next(line for line in result.stdout.splitlines() if "Maria Okafor" in line)
    assert okafor.split()[0] == "2"
    assert "harbour director" in okafor


def test_index_folder_from_option_is_used(run, tmp_path: Path, corpus: Path):
    elsewhere = tmp_path / "elsewhere"
    assert run("index", "--index", str(elsewhere)).exit_code == 0
    assert (elsewhere / "CURRENT").is_file()
    shutil.rmtree(elsewhere)


def test_cite_prints_one_line_a_hit_ready_to_paste(run):
    result = run("silting", "--cite")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        'Maria Okafor (harbour director), "The channel is silting faster than any model '
        'predicted", Harbour Authority Plans Night Dredging, 2024-03-14, harbour.txt'
    )


def test_show_prints_the_quote_the_paragraph_and_the_article(run):
    hit = hits(run("trawler", "--format", "json"))[0]
    result = run("show", hit["id"])
    assert result.exit_code == 0
    assert "Tomas Lu" in result.stdout
    assert "“We were never consulted about the dredging”" in result.stdout
    assert "who has worked a trawler for thirty years." in result.stdout
    assert "Harbour Authority Plans Night Dredging" in result.stdout
    shown = json.loads(run("show", hit["id"], "--format", "json").stdout)
    assert shown["quote"] == hit["quote"] and shown["speaker"] == "Tomas Lu"
    assert "trawler" in shown["paragraph"]


def test_show_of_an_unknown_id_exits_one(run):
    result = run("show", "nothing.txt#q9")
    assert result.exit_code == 1
    assert "no document with id" in result.stderr


def test_quiet_silences_the_summary_but_not_warnings(run, corpus: Path):
    (corpus / "blob.txt").write_bytes(b"\x00binary")
    result = run("index", "--quiet")
    assert result.exit_code == 0
    assert "index rebuilt" not in result.stderr
    assert "skipped blob.txt" in result.stderr
    assert run("lighthouse", "-q").stderr == ""


@pytest.mark.parametrize(
    "command", [(), ("query",), ("index",), ("quotes",), ("speakers",), ("show",), ("verify",)]
)
def test_every_help_documents_exit_codes_and_ends_with_examples(run, command):
    text = run(*command, "--help").stdout
    assert "Exit codes:" in text
    last_block = text.strip().split("\n\n")[-1].strip()
    assert last_block.startswith("Examples:\n    search")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts_are_available(shell):
    runner = CliRunner()
    result = runner.invoke(cli, [], prog_name="search", env={"_SEARCH_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0
    assert "_SEARCH_COMPLETE" in result.output


@pytest.mark.parametrize(
    ("query", "sources"),
    [
        ("date:2023", {"council.txt"}),
        ("date:2024-03", {"harbour.txt"}),
        ("date:[2023-07 to]", {"harbour.txt"}),
        ("date:[to 2023]", {"council.txt"}),
        ("date:{2023 to 2025}", {"harbour.txt"}),
        ("date:<=2023-06-02", {"council.txt"}),
        ("date:>2023-06-02", {"harbour.txt"}),
    ],
)
def test_date_clauses_take_years_months_and_open_ranges(run, query, sources):
    assert {
        hit["source"] for hit in hits(run(query, "--limit", "50", "--format", "json"))
    } == sources


def test_narrative_hits_highlight_their_words_too(run):
    hit = hits(run("herring breakwater", "--format", "json"))[0]
    assert hit["kind"] == "passage"
    assert sorted(hit["snippet"][s:e] for s, e in hit["highlights"]) == ["breakwater", "herring"]


def test_prefix_matches_are_highlighted(run):
    hit = hits(run("breakw*", "--format", "json"))[0]
    assert [hit["snippet"][s:e] for s, e in hit["highlights"]] == ["breakwater"]
