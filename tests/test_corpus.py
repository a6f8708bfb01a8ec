"""Reading article files: titles, paragraphs and the repairs scraped text needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from search.corpus import (
    CorpusError,
    Skipped,
    SourceFile,
    iter_corpus,
    normalise_quote_marks,
    parse_article,
    read_articles,
)


def test_first_non_empty_line_is_the_title_and_blank_lines_split_paragraphs():
    article = parse_article(
        "a.txt", "\n\n  Storm Hits Coast  \nFirst line\ncontinues.\n\nSecond.\n"
    )
    assert article.title == "Storm Hits Coast"
    assert article.paragraphs == ("First line continues.", "Second.")


def test_a_line_too_long_to_be_wrapped_text_is_a_paragraph_of_its_own():
    long = "The harbour board met on Monday to decide the fate of the old ferry pier, " * 2
    article = parse_article("a.txt", f"Pier Vote\n\n{long}\n“It stays,” she said.\n{long}\n")
    assert article.paragraphs == (long.strip(), "“It stays,” she said.", long.strip())


def test_non_breaking_and_odd_spaces_become_plain_spaces():
    article = parse_article("a.txt", "Title\u00a0\n\nOne\u00a0two\u202fthree \u200bfour.\n")
    assert article.title == "Title"
    assert article.paragraphs == ("One two three four.",)


def test_a_paragraph_broken_mid_sentence_is_joined():
    article = parse_article("a.txt", "T\n\nRussia can count on China to not\u00a0\n\noppose it.\n")
    assert article.paragraphs == ("Russia can count on China to not oppose it.",)


def test_a_paragraph_ending_a_sentence_is_not_joined():
    article = parse_article("a.txt", "T\n\nIt ended.\n\nlowercase start.\n")
    assert len(article.paragraphs) == 2


def test_stray_punctuation_before_an_opening_quote_is_dropped():
    article = parse_article("a.txt", "T\n\n.“We know,” she said.\n")
    assert article.paragraphs == ("“We know,” she said.",)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('"We know," he said.', "“We know,” he said."),
        ('He said: "It\'s fine."', "He said: “It’s fine.”"),
        ("\"It was 'so-called' help,\" she said.", "“It was ‘so-called’ help,” she said."),
        ("«Oui», dit-il.", "“Oui”, dit-il."),
    ],
)
def test_straight_and_foreign_quote_marks_become_curly(raw, clean):
    assert normalise_quote_marks(raw) == clean


def test_white_space_only_text_is_no_article():
    assert parse_article("a.txt", " \n\u00a0\n") is None


def test_corpus_lists_text_files_in_order_and_skips_bad_ones(tmp_path: Path):
    (tmp_path / "b.txt").write_text("B\n\nbody.\n", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("A\n\nbody.\n", "utf-8")
    (tmp_path / "notes.md.bak").write_text("ignored", "utf-8")
    (tmp_path / "big.txt").write_text("x" * 200, "utf-8")
    (tmp_path / "empty.txt").write_text("", "utf-8")
    found = list(iter_corpus(tmp_path, max_bytes=100))
    assert [item.source for item in found] == ["b.txt", "big.txt", "empty.txt", "sub/a.txt"]
    reasons = {item.source: item.reason for item in found if isinstance(item, Skipped)}
    assert reasons == {"big.txt": "larger than the limit of 100 bytes", "empty.txt": "empty"}


def test_symbolic_link_loops_are_walked_once(tmp_path: Path):
    (tmp_path / "a.txt").write_text("A\n\nbody.\n", "utf-8")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert [item.source for item in iter_corpus(tmp_path)] == ["a.txt"]


def test_identical_content_has_the_same_hash(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Same\n\nbody.\n", "utf-8")
    (tmp_path / "b.txt").write_text("Same\n\nbody.\n", "utf-8")
    first, second = iter_corpus(tmp_path)
    assert isinstance(first, SourceFile) and isinstance(second, SourceFile)
    assert first.content_hash == second.content_hash


def test_text_that_is_not_utf8_is_read_with_the_fallback(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes("Café\n\nna\xefve.\n".encode("cp1252"))
    (file,) = iter_corpus(tmp_path)
    (article,), warnings = read_articles(file)
    assert warnings == ["not valid UTF-8, read as cp1252"]
    assert article.title == "Café" and article.paragraphs == ("naïve.",)


def test_missing_corpus_folder_is_an_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="not found"):
        iter_corpus(tmp_path / "absent")


def test_broken_links_and_special_files_are_skipped_with_a_reason(tmp_path: Path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    reasons = {item.source: item.reason for item in iter_corpus(tmp_path)}
    assert reasons["gone.txt"].startswith("unreadable")
    assert reasons["pipe.txt"] == "not a regular file"
