"""The command line has no surprises: options before the command name work, a missing value
is a usage error, every error is one line that says what is wrong in the user's terms, a closed
pipe or Ctrl-C stops the command quietly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def test_shared_options_before_the_command_name_apply_to_it(run, corpus: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    result = run("--index", str(elsewhere), "--corpus", str(corpus), "index")
    assert result.exit_code == 0, result.output
    assert (elsewhere / "CURRENT").is_file()
    assert "index built: 2 added" in result.stderr
    speakers = run("--index", str(elsewhere), "speakers", "--format", "json")
    assert {entry["name"] for entry in json.loads(speakers.stdout)} >= {"Maria Okafor"}


def test_quiet_before_the_command_name_silences_it(run):
    result = run("--quiet", "index")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert not result.stdout


def test_an_option_after_the_command_name_wins(run, tmp_path: Path):
    before, after = tmp_path / "before", tmp_path / "after"
    assert run("--index", str(before), "index", "--index", str(after)).exit_code == 0
    assert (after / "CURRENT").is_file()
    assert not before.exists()


def test_the_command_alone_shows_the_help(run):
    result = run()
    assert result.exit_code == 2
    assert "[OPTIONS] COMMAND [ARGS]" in result.output
    assert "Commands:" in result.output


@pytest.mark.parametrize(
    ("args", "help_of"),
    [
        (("lighthouse", "--speaker"), "cli query"),
        (("lighthouse", "--speaker", "--limit", "3"), "cli query"),
        (("--corpus", "--quiet", "quotes"), "cli"),
        (("quotes", "--speaker", "--format", "json"), "cli quotes"),
        (("lighthouse", "--limit", "many"), "cli query"),
        (("lighthouse", "--no-such-option"), "cli query"),
    ],
)
def test_a_missing_or_bad_option_value_is_a_one_line_usage_error(run, args, help_of: str):
    result = run(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("search: error: ")
    assert result.stderr.endswith(f"(see `{help_of} --help`)\n")  # the runner calls it cli


@pytest.mark.parametrize(
    "query",
    [
        "source:harbour",
        "paragraph:x",
        "aliases:Okafor",
        "position:1",
        "quote_exact:x",
        'source:"harbour.txt"',
        "confidence:>0.5",
    ],
)
def test_a_field_only_the_index_uses_is_refused_naming_the_fields_to_use(run, query: str):
    result = run(query, "--quiet")
    assert result.exit_code == 2
    field = query.split(":")[0]
    assert result.stderr == (
        f"search: error: {field}: is not a field you can search; "
        "use one of quote:, body:, title:, speaker:, role:, date:\n"
    )


@pytest.mark.parametrize("query", ["<dredging", "dredging>", "<<dredging>>"])
def test_angle_brackets_outside_a_date_clause_are_punctuation(run, query: str):
    result = run(query)
    assert result.exit_code == 0, result.output
    assert "Harbour Authority Plans Night Dredging" in result.stdout


def _error(run, *args: str) -> str:
    """The one line a failing command prints, after checking it is one line and exit code 2."""
    result = run(*args, "--quiet")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize("query", ["!!!", "🎉", "— … ¶"])
def test_a_query_without_words_says_so(run, query: str):
    assert "it holds no words to search for" in _error(run, query)


def test_a_query_of_common_words_says_so(run):
    assert "it holds only very common words" in _error(run, "the of which")


@pytest.mark.parametrize("query", ["date:[2023-06-01 to", "date:[x to", "date:{2023"])
def test_an_unclosed_date_range_says_what_is_missing(run, query: str):
    message = _error(run, query)
    assert "has no closing" in message
    assert "2023-06-0'" not in message and "did you mean" not in message


def test_a_reversed_date_range_is_the_same_error_as_reversed_since_and_until(run):
    in_query = _error(run, "lighthouse date:[2023-07-01 to 2023-05-01]")
    as_options = _error(run, "lighthouse", "--since", "2023-07-01", "--until", "2023-05-01")
    assert in_query.endswith(": the range ends before it starts\n")
    assert as_options.endswith(": the range ends before it starts\n")
    assert "date:[2023-07-01 to 2023-05-01]" in in_query


def test_a_missing_index_is_named_as_a_folder(run, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("lighthouse", "--index", "fresh")
    assert "no index in ./fresh: building it from" in result.stderr


def test_a_huge_query_is_echoed_cut_short(run):
    query = " ".join(["zzyzx"] * 50)
    result = run(query)
    assert result.exit_code == 1
    echoed = result.stdout.strip().splitlines()[-1]
    assert echoed.startswith("no hits for 'zzyzx zzyzx") and echoed.endswith("…'")
    assert len(echoed) < 100


def test_a_reader_that_goes_away_stops_the_output_quietly(run, corpus: Path, tmp_path: Path):
    assert run("index").exit_code == 0
    reading, writing = os.pipe()
    os.close(reading)  # the reader is gone before the first line is written, as `| head -0`
    environment = {
        **os.environ,
        "SEARCH_CORPUS": str(corpus),
        "SEARCH_INDEX": str(tmp_path / "index"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "quotes"],
        stdout=writing,
        stderr=subprocess.PIPE,
        env=environment,
    )
    os.close(writing)
    try:
        _, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 141
    assert errors == b""


def _write_many_articles(folder: Path, count: int) -> Path:
    """Enough invented articles for a rebuild to take seconds, with its helper processes."""
    folder.mkdir()
    for number in range(count):
        (folder / f"pier{number:04}.txt").write_text(
            f"Pier {number} Reopens\n\n"
            f"KELDMOUTH, March {number % 28 + 1}, 2024 — Pier {number} reopened to boats.\n\n"
            f"“We rebuilt berth {number} in a month,” said Ansel Morrow, the pier master.\n",
            "utf-8",
        )
    return folder


def test_ctrl_c_during_a_rebuild_prints_one_line_and_leaves_the_index(run, tmp_path: Path):
    assert run("index").exit_code == 0
    index = tmp_path / "index"
    live = (index / "CURRENT").read_text()
    many = _write_many_articles(tmp_path / "many", 1500)
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "index", "--rebuild", "--corpus", str(many)],
        env={**os.environ, "SEARCH_INDEX": str(index)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, which Ctrl-C in a terminal signals whole
    )
    try:
        deadline = time.monotonic() + 30
        while len(list(index.glob("gen-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # until the new generation is being written
        time.sleep(0.3)
        assert process.poll() is None, "the rebuild ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert errors.decode() == "search: error: interrupted\n"
    assert (index / "CURRENT").read_text() == live
    assert run("lighthouse").exit_code == 0


def test_an_operator_with_nothing_to_act_on_is_explained(run):
    message = _error(run, "NOT NOT lighthouse")
    assert "AND, OR and NOT go between words" in message
    assert "index out of range" not in message


@pytest.mark.parametrize("query", ["body:[a to m]", "[harbour to lighthouse]", "title:{a to z}"])
def test_a_range_of_words_is_refused_as_only_dates_have_ranges(run, query: str):
    assert "ranges compare dates only" in _error(run, query)
