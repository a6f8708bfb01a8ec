"""Whoosh's posting blocks in a layout of the project's own: numbers apart from positions.

Whoosh 2.7 writes each block of a posting list as one zlib-compressed pickle of document
numbers (as gaps), frequencies and encoded values (a document's word positions): reading a
block's numbers unpickles every position as a bytes object too. Ranking a query reads tens of
thousands of postings, and decoding them that way took longer than scoring them.

Here a block holds two compressed parts: the document numbers and frequencies as raw
little-endian arrays, which numpy reads without a copy (`PostingBlocks`), then the values,
decompressed only when a phrase or an adjacency bonus asks for positions. The block headers
Whoosh reads to skip blocks are unchanged, so Whoosh's own matchers, merges and phrase queries
work through `ArrayLeafMatcher` as through its own. Vectors keep Whoosh's layout.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.util.numeric import length_to_byte

IDS = np.dtype("<u4")
WEIGHTS = np.dtype("<f4")
SIZES = np.dtype("<u4")
_PART = struct.Struct("<I")  # the byte length of a block's compressed numbers
COMPRESSION = 1  # zlib level: the numbers decompress as fast, and level 3 saved little


class ArrayCodec(W3Codec):
    """Whoosh 3's codec with `ArrayPostingsWriter`'s blocks."""

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
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def new_segment(self, storage, indexname):
        return ArraySegment(self, indexname)


class ArraySegment(W3Segment):
    """A segment written with `ArrayCodec`, which its readers must use too (the table of
    contents keeps the segment object, pickled)."""

    def codec(self, **kwargs):
        return ArrayCodec(**kwargs)


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes a block as its header (Whoosh's), the compressed numbers' length, the numbers
    (document numbers, then frequencies) and the values, each part compressed on its own."""

    def _write_block(self, last=False):
        if self._byteids:  # a vector's postings, keyed by term: Whoosh's own layout
            return super()._write_block(last)
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = np.asarray(self._ids, dtype=IDS)
        weights = np.asarray(self._weights, dtype=WEIGHTS)
        numbers = zlib.compress(ids.tobytes() + weights.tobytes(), COMPRESSION)
        databytes = _PART.pack(len(numbers)) + numbers + self._encoded_values()
        info = (
            len(ids),
            int(ids[-1]),
            self._maxweight,
            COMPRESSION,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = dumps(info, 2)
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
            sizes = np.fromiter(map(len, self._values), dtype=SIZES, count=len(self._values))
            joined = sizes.tobytes() + joined
        return zlib.compress(joined, COMPRESSION)


class Block:
    """One block of a posting list: document numbers (of its segment) and frequencies as
    numpy arrays, and the encoded values (word positions), decompressed when first asked for."""

    __slots__ = ("_encoded", "_size", "_values", "ids", "weights")

    def __init__(self, raw: bytes, count: int, value_size: int | None) -> None:
        (size,) = _PART.unpack_from(raw)
        numbers = zlib.decompress(raw[_PART.size : _PART.size + size])
        self.ids = np.frombuffer(numbers, dtype=IDS, count=count)
        self.weights = np.frombuffer(
            numbers, dtype=WEIGHTS, count=count, offset=IDS.itemsize * count
        )
        self._encoded, self._size = raw[_PART.size + size :], value_size
        self._values: tuple | None = None

    @property
    def values(self) -> tuple:
        """Each posting's encoded value, as Whoosh's format decodes it."""
        if self._values is None:
            self._values = self._decode()
        return self._values

    def _decode(self) -> tuple:
        size, count = self._size, len(self.ids)
        if size == 0:
            return (None,) * count
        joined = zlib.decompress(self._encoded) if self._encoded else b""
        if size is not None and size > 0:
            return tuple(joined[i : i + size] for i in range(0, len(joined), size))
        sizes = np.frombuffer(joined, dtype=SIZES, count=count)
        ends = np.cumsum(sizes) + SIZES.itemsize * count
        return tuple(map(joined.__getitem__, map(slice, (ends - sizes).tolist(), ends.tolist())))


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's matcher over `ArrayPostingsWriter`'s blocks; `block` gives the current block
    as arrays, without making a Python object a posting."""

    def _read_data(self):
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        self._data = Block(raw, self._blocklength, self._fixedsize)

    def block(self) -> Block:
        if self._data is None:
            self._read_data()
        return self._data

    def _read_ids(self):
        self._ids = self.block().ids.tolist()

    def _read_weights(self):
        self._weights = self.block().weights.tolist()

    def _read_values(self):
        self._values = self.block().values


def blocks(matcher) -> Iterator[Block]:
    """A posting list's blocks in turn, deleted documents included."""
    if hasattr(matcher, "child"):  # the filter that hides deletions, and has read past some
        matcher = matcher.child
        matcher.reset()
    while matcher.is_active():
        yield matcher.block()
        matcher._next_block()
