"""The index on disk: atomic rebuilds, locking, damage, versions, concurrent reads."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from updating import updates_running

from search.engine.keys import name_key
from search.engine.request import SearchRequest
from search.engine.whoosh import WhooshEngine
from search.engine.whoosh.index import (
    CURRENT_FILE,
    RETIRED_FILE,
    RETIRED_KEPT_SECONDS,
    IndexBusy,
    exact_analyzer,
    open_index,
    update_lock,
)
from search.engine.whoosh.query import search
from search.model import SearchResult


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["J.K. Rowling", "Élodie Ñúñez", "f*** off", "a..b. c", "ΟΔΟΣ Σ", "İstanbul"]
))  # fmt: skip
def test_name_key_is_the_exact_analyzer_words_joined(text: str):
    """Speaker filters and quotation keys compare these forms: they must never drift apart."""
    assert name_key(text) == " ".join(token.text for token in exact_analyzer()(text))


def generations(index: Path) -> list[Path]:
    return sorted(index.glob("gen-*"))


def segment_files(generation: Path) -> list[Path]:
    """The files holding a generation's postings (compound `.seg` or separate `.pst`)."""
    files = sorted(generation.glob("*.seg")) + sorted(generation.glob("*.pst"))
    assert files, f"no segment files in {generation}"
    return files


def test_rebuild_replaces_the_generation_and_removes_the_old_one_after_a_while(
    corpus: Path, tmp_path: Path
):
    """The replaced generation stays for searches that opened it just before the swap, until
    an update finds it retired for longer than `RETIRED_KEPT_SECONDS`."""
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    (first,) = generations(index)
    opened = open_index(index).searcher()
    WhooshEngine(index).update(corpus, rebuild=True)
    second = index / json.loads((index / CURRENT_FILE).read_text())["generation"]
    assert first != second
    assert generations(index) == sorted([first, second])
    assert all(opened.stored_fields(number) for number in range(opened.doc_count_all()))
    opened.close()
    WhooshEngine(index).update(corpus)
    assert generations(index) == sorted([first, second])  # retired a moment ago: kept
    retired = time.time() - RETIRED_KEPT_SECONDS - 1
    os.utime(first / RETIRED_FILE, (retired, retired))
    WhooshEngine(index).update(corpus)
    assert generations(index) == [second]


def test_a_failed_rebuild_leaves_the_old_index_answering(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    before = search(index, SearchRequest("lighthouse"))

    def interrupt(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr("search.indexer.article_documents", interrupt)
    with pytest.raises(KeyboardInterrupt):
        WhooshEngine(index).update(corpus, rebuild=True)
    assert search(index, SearchRequest("lighthouse")) == before
    assert len(generations(index)) == 1


def test_a_killed_rebuild_leaves_the_old_index_and_the_next_update_recovers(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(1500):
        (corpus / f"{number:05}.txt").write_text(
            f"Report {number}\n\nThe lighthouse keeper logged ship {number}.\n", "utf-8"
        )
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    before = search(index, SearchRequest("lighthouse"))
    (live,) = generations(index)
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "index", "--rebuild"],
        env={**os.environ, "SEARCH_CORPUS": str(corpus), "SEARCH_INDEX": str(index)},
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(generations(index)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # let it write part of the new generation
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(generations(index)) == 2, "the rebuild was not caught partway"
    assert search(index, SearchRequest("lighthouse")) == before
    report = WhooshEngine(index).update(corpus)
    assert not report.changed
    assert generations(index) == [live]


def test_a_second_update_gives_up_after_the_wait(run, corpus: Path, tmp_path: Path):
    run("index")
    with update_lock(tmp_path / "index", timeout=0):
        result = run("index", "--wait", "0.2")
        with pytest.raises(IndexBusy):
            WhooshEngine(tmp_path / "index").update(corpus, lock_timeout=0)
    assert result.exit_code == 3
    assert "another `search index`" in result.stderr
    assert run("index").exit_code == 0


def test_a_damaged_index_names_the_fix(run, tmp_path: Path):
    run("index")
    (generation,) = generations(tmp_path / "index")
    for segment in segment_files(generation):
        segment.write_bytes(segment.read_bytes()[:40])
    result = run("lighthouse")
    assert result.exit_code == 2
    assert "search index --rebuild" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert run("index", "--rebuild").exit_code == 0
    assert run("lighthouse").exit_code == 0


def test_an_index_from_an_incompatible_version_is_rebuilt_from_the_corpus(run, tmp_path: Path):
    run("index")
    current = tmp_path / "index" / CURRENT_FILE
    current.write_text(json.dumps({**json.loads(current.read_text()), "schema": -1}))
    result = run("lighthouse")
    assert result.exit_code == 0
    assert "incompatible version" in result.stderr


def test_an_incompatible_index_without_a_corpus_is_reported(run, tmp_path: Path):
    run("index")
    current = tmp_path / "index" / CURRENT_FILE
    current.write_text(json.dumps({**json.loads(current.read_text()), "schema": -1}))
    result = run("lighthouse", "--corpus", str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert "incompatible" in result.stderr


def test_the_index_records_schema_and_program_version(run, tmp_path: Path):
    run("index")
    current = json.loads((tmp_path / "index" / CURRENT_FILE).read_text())
    assert {"generation", "schema", "version"} <= set(current)


def test_searches_during_updates_always_answer(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    with updates_running(corpus, index, rebuild_every=3):
        results = [search(index, SearchRequest("lighthouse")) for _ in range(150)]
    assert all(isinstance(result, SearchResult) and result.total >= 1 for result in results)


def test_leftovers_of_a_first_build_that_never_finished_are_cleared(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    (index / "gen-unfinished").mkdir(parents=True)
    WhooshEngine(index).update(corpus)
    assert [path.name for path in generations(index)] != ["gen-unfinished"]
    assert len(generations(index)) == 1


def test_a_missing_segment_file_names_the_fix(run, tmp_path: Path):
    run("index")
    (generation,) = generations(tmp_path / "index")
    for segment in segment_files(generation):
        segment.unlink()
    result = run("lighthouse")
    assert result.exit_code == 2
    assert "search index --rebuild" in result.stderr


def test_index_with_a_missing_corpus_is_a_one_line_error(run, tmp_path: Path):
    result = run("index", "--corpus", str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"search: error: corpus folder not found: {tmp_path / 'absent'}"


def test_a_full_disk_during_a_rebuild_is_one_line_and_keeps_the_old_index(
    run, monkeypatch: pytest.MonkeyPatch
):
    run("index")

    def disk_full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("search.engine.whoosh.index.IndexWriter.commit", disk_full)
    result = run("index", "--rebuild")
    assert result.exit_code == 2
    assert result.stderr.strip() == "search: error: No space left on device"
    monkeypatch.undo()
    assert run("lighthouse").exit_code == 0


def test_a_rebuild_without_fork_writes_in_one_process(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("multiprocessing.get_start_method", lambda: "spawn")
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus, rebuild=True)
    assert search(index, SearchRequest("lighthouse")).total >= 1


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files that updates read."""
    names: list[str] = []
    original = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        names.append(path.name)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return names


@pytest.fixture
def no_recent_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust a file's signature however recently it changed, as tests write files just now."""
    import search.corpus

    monkeypatch.setattr(search.corpus, "RECENT_NS", 0)


@pytest.mark.usefixtures("no_recent_window")
def test_an_update_reads_only_files_whose_signature_changed(
    corpus: Path, tmp_path: Path, reads: list[str]
):
    WhooshEngine(tmp_path / "index").update(corpus)
    reads.clear()
    report = WhooshEngine(tmp_path / "index").update(corpus)
    assert (report.unchanged, reads) == (2, [])


@pytest.mark.usefixtures("no_recent_window")
def test_a_rewrite_of_the_same_size_is_found(corpus: Path, tmp_path: Path):
    WhooshEngine(tmp_path / "index").update(corpus)
    harbour = corpus / "harbour.txt"
    harbour.write_text(harbour.read_text("utf-8").replace("harbour", "HARBOUR"), "utf-8")
    report = WhooshEngine(tmp_path / "index").update(corpus)
    assert report.updated == 1
    assert search(tmp_path / "index", SearchRequest("HARBOUR")).total >= 1


@pytest.mark.usefixtures("no_recent_window")
def test_a_touched_file_is_read_once_then_trusted(corpus: Path, tmp_path: Path, reads: list[str]):
    WhooshEngine(tmp_path / "index").update(corpus)
    os.utime(corpus / "council.txt", (1_000_000_000, 1_000_000_000))
    reads.clear()
    first = WhooshEngine(tmp_path / "index").update(corpus)
    assert (first.unchanged, first.changed, reads) == (2, False, ["council.txt"])
    reads.clear()
    WhooshEngine(tmp_path / "index").update(corpus)
    assert reads == []


def test_files_changed_a_moment_ago_are_always_read(corpus: Path, tmp_path: Path, reads: list[str]):
    """Within the clock's resolution a second change could leave a file's times as they were."""
    WhooshEngine(tmp_path / "index").update(corpus)
    reads.clear()
    WhooshEngine(tmp_path / "index").update(corpus)
    assert sorted(reads) == ["council.txt", "harbour.txt"]


def _write_piers(folder: Path, count: int, word: str = "ferry") -> None:
    """Enough articles for an update to write them in several processes (`PARALLEL_FROM`)."""
    folder.mkdir(exist_ok=True)
    for number in range(count):
        (folder / f"pier{number:03}.txt").write_text(
            f"Pier {number} Reopens\n\nKELDMOUTH, March {number % 28 + 1}, 2024 — The {word} "
            f"returned to pier {number}.\n\n“We rebuilt berth {number},” said Ansel Morrow, "
            "the pier master.\n",
            "utf-8",
        )


def _everything(index: Path) -> list[SearchResult]:
    return [
        search(index, SearchRequest(words, limit=200))
        for words in ("ferry", "pier master", '"rebuilt berth"', "berth 7", "ansel")
    ]


def test_many_files_written_in_several_processes_index_as_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from search.engine.whoosh.index import PARALLEL_FROM

    corpus = tmp_path / "corpus"
    _write_piers(corpus, PARALLEL_FROM + 16)
    in_processes = WhooshEngine(tmp_path / "parallel").update(corpus)
    with monkeypatch.context() as patched:
        patched.setattr("multiprocessing.get_start_method", lambda: "spawn")
        in_one = WhooshEngine(tmp_path / "serial").update(corpus)
    assert in_processes.summary() == in_one.summary()
    assert in_processes.added == PARALLEL_FROM + 16
    assert _everything(tmp_path / "parallel") == _everything(tmp_path / "serial")

    _write_piers(corpus, PARALLEL_FROM + 8, word="tugboat")  # changed, in processes again
    report = WhooshEngine(tmp_path / "parallel").update(corpus)
    assert (report.updated, report.unchanged) == (PARALLEL_FROM + 8, 8)
    assert search(tmp_path / "parallel", SearchRequest("ferry")).total == 8
    assert search(tmp_path / "parallel", SearchRequest("tugboat")).total == PARALLEL_FROM + 8


def _file_lists(index: Path) -> list[Path]:
    (generation,) = generations(index)
    return sorted(generation.glob("files-*"))


@pytest.mark.usefixtures("no_recent_window")
def test_the_list_of_indexed_files_agrees_with_their_records_after_every_update(
    corpus: Path, tmp_path: Path
):
    from search.engine.whoosh.index import indexed_files

    index = tmp_path / "index"

    def listed_and_recorded() -> tuple[dict, dict]:
        (listing,) = _file_lists(index)
        listed = indexed_files(index)
        listing.unlink()  # read from the per-file records instead
        return listed, indexed_files(index)

    WhooshEngine(index).update(corpus)
    for change in (
        lambda: (corpus / "ferry.txt").write_text("Ferry\n\nThe ferry sailed late.\n", "utf-8"),
        lambda: (corpus / "ferry.txt").write_text("Ferry\n\nThe ferry sailed at noon.\n", "utf-8"),
        lambda: os.utime(corpus / "council.txt", (1_000_000_000, 1_000_000_000)),
        lambda: (corpus / "ferry.txt").unlink(),
    ):
        change()
        WhooshEngine(index).update(corpus)  # each commits, writing a list
        listed, recorded = listed_and_recorded()
        assert listed == recorded
        assert sorted(listed) == sorted(path.name for path in corpus.glob("*.txt"))


def test_a_damaged_list_of_indexed_files_is_read_from_the_records(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    (listing,) = _file_lists(index)
    listing.write_bytes(b"\x00garbled")
    report = WhooshEngine(index).update(corpus)
    assert (report.unchanged, report.added, report.updated) == (2, 0, 0)


def _postings(index: Path) -> dict:
    """Every posting of every word, with what its block records of the lengths it holds."""
    from search.engine.whoosh.index import open_index

    postings = {}
    with open_index(index).reader() as reader:
        for field, word in reader.all_terms():
            matcher, items = reader.postings(field, word), []
            while matcher.is_active():
                block = (matcher.block_min_length(), matcher.block_max_length())
                items.append((matcher.id(), matcher.weight(), matcher.value(), *block))
                matcher.next()
            postings[field, word] = items
    return postings


def test_postings_spilled_to_disk_and_lengths_read_whole_are_as_whoosh_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The index's faster writing (`_PostingPool`, `_FieldLengths`) against Whoosh's own, in
    one process so that documents are numbered alike."""
    from whoosh.writing import PostingPool, SegmentWriter

    from search.engine.whoosh import index as engine

    corpus = tmp_path / "corpus"
    _write_piers(corpus, 40)
    monkeypatch.setattr("multiprocessing.get_start_method", lambda: "spawn")
    monkeypatch.setattr(engine, "WRITER_MEMORY_MB", 0.05)  # a run every few hundred postings
    WhooshEngine(tmp_path / "ours").update(corpus)
    monkeypatch.setattr(engine._PostingPool, "_write_run", PostingPool._write_run)
    monkeypatch.setattr(engine._PostingPool, "_read_run", PostingPool._read_run)
    monkeypatch.setattr(
        engine._SegmentWriter, "per_document_reader", SegmentWriter.per_document_reader
    )
    WhooshEngine(tmp_path / "whoosh").update(corpus)
    ours = _postings(tmp_path / "ours")
    assert len(ours) > 100
    assert ours == _postings(tmp_path / "whoosh")


def test_a_full_disk_in_a_writing_process_is_one_line_and_keeps_the_index(
    run, corpus: Path, monkeypatch: pytest.MonkeyPatch
):
    from search.engine.whoosh.index import PARALLEL_FROM

    assert run("index").exit_code == 0
    _write_piers(corpus, PARALLEL_FROM)

    def disk_full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        "search.engine.whoosh.index._add_file", disk_full
    )  # in the processes it forks too
    result = run("index")
    assert result.exit_code == 2
    assert result.stderr.strip() == "search: error: No space left on device"
    monkeypatch.undo()
    assert run("lighthouse").exit_code == 0
    assert run("pier").exit_code == 1  # none of the failed update's documents
    assert run("index").exit_code == 0
    assert run("pier").exit_code == 0
