"""The command line has no surprises: options before the command name work, a missing value
is a usage error, and every usage error is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_shared_options_before_the_command_name_apply_to_it(run, corpus: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    result = run("--index", str(elsewhere), "--corpus", str(corpus), "index")
    assert result.exit_code == 0, result.output
    assert (elsewhere / "CURRENT").is_file()
    assert "2 added" in result.stderr
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


@pytest.mark.parametrize(
    "args",
    [
        ("lighthouse", "--speaker"),
        ("lighthouse", "--speaker", "--limit", "3"),
        ("--corpus", "--quiet", "quotes"),
        ("quotes", "--speaker", "--format", "json"),
        ("lighthouse", "--limit", "many"),
        ("lighthouse", "--no-such-option"),
    ],
)
def test_a_missing_or_bad_option_value_is_a_one_line_usage_error(run, args):
    result = run(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("search: error: ")
    assert "--help" in result.stderr


@pytest.mark.parametrize(
    "query", ["source:harbour", "paragraph:x", "aliases:Okafor", "position:1", "quote_exact:x"]
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
