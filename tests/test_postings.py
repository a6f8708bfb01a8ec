"""The project's posting blocks hold what Whoosh's own blocks hold.

The same documents are written once with Whoosh's codec and once with the project's, and every
posting list is read back through Whoosh's matchers (as its own queries and merges read it)
and as arrays (as ranking reads it). The documents give blocks of every kind the layout
distinguishes: gaps of one and two bytes, frequencies that fit a byte and ones that do not
(a boosted field), lists of one block and of several, positions of varying length; and lists
whose blocks differ in their gaps' width or their frequencies' type, which a list read whole
decodes apart. The codec's stored fields, read a document at a time, are Whoosh's too.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PerDocReader
from whoosh.columns import VarBytesColumn
from whoosh.fields import ID, TEXT, Schema
from whoosh.writing import SegmentWriter

from search.engine.whoosh.blocks import read_postings
from search.engine.whoosh.postings import BLOCK_POSTINGS, LENGTH, ArrayCodec
from search.errors import IndexDamaged

COMMON = "alpha beta gamma delta harbour vote budget".split()
WORDS = [*COMMON, "rare", "tide"]


def documents(count: int) -> list[dict]:
    rng = random.Random(3)
    found = []
    for number in range(count):
        words = rng.choices(COMMON, weights=[40, 20, 10, 5, 3, 2, 1], k=rng.randint(1, 40))
        if number % 300 == 0:  # a word far apart: gaps wider than a byte
            words.append("rare")
        if number == 7:
            words += ["alpha"] * 300  # a frequency above 255
        # In every document of the first block, twice (a whole weight in the boosted field),
        # then once in a few (gaps wider than a byte, weights of 1.5) after a few more.
        if number < BLOCK_POSTINGS + 50 or number % 300 == 0:
            words += ["tide"] * (2 if number < BLOCK_POSTINGS else 1)
        text = " ".join(words)
        found.append({"key": f"d{number}", "text": text, "boosted": text})
    return found


def build(folder: Path, codec, docs: list[dict], compound: bool = True):
    schema = Schema(key=ID(stored=True), text=TEXT, boosted=TEXT(field_boost=1.5))
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = SegmentWriter(ix, codec=codec, compound=compound)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return ix


def postings(reader, field: str, text: str) -> list[tuple]:
    matcher = reader.postings(field, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("postings")
    docs = documents(3 * BLOCK_POSTINGS)
    return build(folder / "whoosh", W3Codec(), docs), build(folder / "ours", ArrayCodec(), docs)


@pytest.mark.parametrize("field", ["text", "boosted"])
@pytest.mark.parametrize("word", WORDS)
def test_whoosh_reads_the_postings_it_wrote(indexes, field: str, word: str):
    theirs, ours = indexes
    with theirs.reader() as expected, ours.reader() as found:
        assert postings(found, field, word) == postings(expected, field, word)
        assert found.doc_frequency(field, word) == expected.doc_frequency(field, word)


@pytest.mark.parametrize("field", ["text", "boosted"])
@pytest.mark.parametrize("word", WORDS)
def test_the_arrays_hold_the_same_postings(indexes, field: str, word: str):
    theirs, ours = indexes
    with theirs.reader() as expected, ours.reader() as found:
        read = read_postings(found, field, word)
        assert read.ids.dtype == np.int64
        ids, weights = read.ids.tolist(), read.frequencies().astype(float).tolist()
        values = read.values(np.arange(len(read.ids)))
        assert list(zip(ids, weights, values, strict=True)) == postings(expected, field, word)
        assert read.doc_frequency == expected.doc_frequency(field, word)


def test_the_blocks_decoded_alone_hold_the_postings_of_the_whole_list(indexes):
    _, ours = indexes
    with ours.reader() as reader:
        read = read_postings(reader, "boosted", "tide")
        blocks = [read.block(number) for number in range(len(read.starts))]
        assert len(blocks) > 1
        widest = [int(np.diff(block.ids).max(initial=0)) for block in blocks]
        assert min(widest) < 256 <= max(widest)  # gaps of a byte and of two
        assert {np.dtype("u1"), np.dtype("<f4")} == {block.weights.dtype for block in blocks}
        assert np.concatenate([block.ids for block in blocks]).tolist() == read.ids.tolist()
        weights = np.concatenate([block.weights.astype(float) for block in blocks])
        assert weights.tolist() == read.frequencies().astype(float).tolist()


def test_a_word_no_document_holds_has_no_postings(indexes):
    _, ours = indexes
    with ours.reader() as reader:
        assert read_postings(reader, "text", "absent") is None


def test_a_garbled_posting_list_is_reported_as_damage(tmp_path: Path):
    ix = build(tmp_path / "index", ArrayCodec(), documents(2 * BLOCK_POSTINGS), compound=False)
    with ix.reader() as reader:
        offset, _ = reader._terms.term_info("text", b"alpha").extent()
        [postings_file] = (tmp_path / "index").glob("*.pst")
        header = offset + len(WHOOSH3_HEADER_MAGIC) + LENGTH.size
    with postings_file.open("r+b") as garbled:
        garbled.seek(header)
        garbled.write(b"\x00")  # no pickle's first byte
    with ix.reader() as reader, pytest.raises(IndexDamaged, match="search index --rebuild"):
        read_postings(reader, "text", "alpha")


@pytest.mark.parametrize("offsets_kept", [False, True])
def test_stored_fields_read_one_document_at_a_time_are_whoosh_s(
    tmp_path: Path, monkeypatch, offsets_kept: bool
):
    """Whoosh keeps every document's offset in the stored-fields column only past 32,768
    documents a segment: the cut-off is lowered to write them for a few documents."""
    if offsets_kept:
        monkeypatch.setattr(VarBytesColumn.Writer.__init__, "__defaults__", (True, 0))
    schema = Schema(key=ID(stored=True), text=TEXT(stored=True), plain=TEXT)
    docs = [
        {"key": f"d{number}", "text": "é" * number} if number % 5 else {"plain": "no stored"}
        for number in range(300)
    ]
    folder = tmp_path / "index"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = SegmentWriter(ix, codec=ArrayCodec(), compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    [column] = folder.glob("*._stored.col")
    assert (column.read_bytes()[-1:] == b"X") is offsets_kept
    with ix.reader() as reader:
        segment = reader.segment()
        whoosh_own = W3PerDocReader(ix.storage, segment)
        assert [reader.stored_fields(n) for n in range(len(docs))] == [
            whoosh_own.stored_fields(n) for n in range(len(docs))
        ]
        assert reader.stored_fields(7) == {"key": "d7", "text": "é" * 7}
        assert reader.stored_fields(5) == {}
        with pytest.raises(IndexError):
            reader.stored_fields(len(docs))
