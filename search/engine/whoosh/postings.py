"""Whoosh's posting blocks in a layout of the project's own: numbers apart from positions.

Whoosh 2.7 writes each block of a posting list as one zlib-compressed pickle of document
numbers (as gaps), frequencies and encoded values (a document's word positions): reading a
block's numbers unpickles every position as a bytes object too. Ranking a query reads tens of
thousands of postings, and decoding them that way took longer than scoring them.

Here a block holds two parts: the document numbers (as gaps) and frequencies as little-endian
arrays of the narrowest width that holds them, which numpy reads without a copy or a
decompression (`Block`); then the values, compressed, decompressed only when a phrase or an
adjacency bonus asks for positions. The block headers Whoosh reads to skip blocks are
unchanged, so Whoosh's own matchers, merges and phrase queries work through
`ArrayLeafMatcher` (`search.engine.whoosh.blocks`) as through its own. Vectors keep Whoosh's
layout.

Writing needs no numpy: the processes that write an index do not load it (about 14 MB each).
"""

from __future__ import annotations

import pickle
import struct
import sys
import zlib
from array import array
from itertools import pairwise

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter, W3Segment
from whoosh.util.numeric import length_to_byte

from search.engine.whoosh.stored import StoredOnDemand

# A block's numbers: its first document number, the byte width of the gaps after it, and
# whether its frequencies are whole numbers below 256 (then a byte each, else 4-byte floats);
# then the gaps and the frequencies, little-endian.
NUMBERS = struct.Struct("<IBB")
GAPS = {1: "B", 2: "H", 4: "I"}  # array type codes, by width
# After the numbers, the values compressed: for values of varying size (word positions), each
# value's size (4 bytes, little-endian) before the values joined.
SIZE = "I"
LENGTH = struct.Struct("!i")  # a block's length, as Whoosh writes it (negative for the last)
COMPRESSION = 1  # zlib level of the values: positions compress well at the fastest level
# Postings a block (Whoosh's default is 128): a search reads whole posting lists, and each block
# costs some Python besides its postings.
BLOCK_POSTINGS = 1024


class ArrayCodec(W3Codec):
    """Whoosh 3's codec with `ArrayPostingsWriter`'s blocks."""

    def __init__(self, blocklimit: int = BLOCK_POSTINGS, inlinelimit: int = 0, **options) -> None:
        # Postings are never inlined into the term index: every list is read by its extent.
        super().__init__(blocklimit=blocklimit, inlinelimit=inlinelimit, **options)

    def postings_writer(self, dbfile, byteids=False):
        return ArrayPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=COMPRESSION,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        # Imported here, with numpy, only by a process that reads postings.
        from search.engine.whoosh.blocks import ArrayLeafMatcher

        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def new_segment(self, storage, indexname):
        return ArraySegment(self, indexname)

    def per_document_reader(self, storage, segment):
        return StoredOnDemand(storage, segment)


class ArraySegment(W3Segment):
    """A segment written with `ArrayCodec`, which its readers must use too (the table of
    contents keeps the segment object, pickled)."""

    def codec(self, **kwargs):
        return ArrayCodec(**kwargs)


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes a block as its header (Whoosh's), the numbers (`NUMBERS`, the gaps, the
    frequencies) and the values, compressed."""

    def _write_block(self, last=False):
        if self._byteids:  # a vector's postings, keyed by term: Whoosh's own layout
            return super()._write_block(last)
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        databytes = _numbers(ids, self._weights) + self._encoded_values()
        info = (
            len(ids),
            ids[-1],
            self._maxweight,
            COMPRESSION,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = pickle.dumps(info, 2)
        length = len(infobytes) + len(databytes)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()

    def _encoded_values(self) -> bytes:
        """The block's values: none for a format without them, else each value's size (for
        values of varying size) and the values joined, compressed."""
        size = self._format.fixed_value_size()
        if size == 0 or not self._values:
            return b""
        joined = b"".join(self._values)
        if size is None or size < 0:
            joined = _little_endian(array(SIZE, map(len, self._values))) + joined
        return zlib.compress(joined, COMPRESSION)


def _numbers(ids: array, weights: array) -> bytes:
    """A block's document numbers and frequencies, as `NUMBERS` says."""
    gaps = [after - before for before, after in pairwise(ids)]
    largest = max(gaps, default=0)
    width = next(width for width, code in GAPS.items() if largest < 1 << (8 * width))
    whole = all(0 <= weight < 256 and weight.is_integer() for weight in weights)
    frequencies = array("B", map(int, weights)) if whole else array("f", weights)
    return (
        NUMBERS.pack(ids[0], width, whole)
        + _little_endian(array(GAPS[width], gaps))
        + _little_endian(frequencies)
    )


def _little_endian(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()
