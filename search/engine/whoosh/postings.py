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
`ArrayLeafMatcher` as through its own. Vectors keep Whoosh's layout.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.reading import TermNotFound
from whoosh.util.numeric import length_to_byte

# A block's numbers: its first document number, the byte width of the gaps after it, and
# whether its frequencies are whole numbers below 256 (then a byte each, else 4-byte floats).
_NUMBERS = struct.Struct("<IBB")
GAPS = {1: np.dtype("u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
BYTE_WEIGHTS, FLOAT_WEIGHTS = np.dtype("u1"), np.dtype("<f4")
SIZES = np.dtype("<u4")
_LENGTH = struct.Struct("!i")  # a block's length, as Whoosh writes it (negative for the last)
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
    """Writes a block as its header (Whoosh's), the numbers (`_NUMBERS`, the gaps, the
    frequencies) and the values, compressed."""

    def _write_block(self, last=False):
        if self._byteids:  # a vector's postings, keyed by term: Whoosh's own layout
            return super()._write_block(last)
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = np.asarray(self._ids, dtype=np.int64)
        databytes = _numbers(ids, np.asarray(self._weights)) + self._encoded_values()
        info = (
            len(ids),
            int(ids[-1]),
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
            sizes = np.fromiter(map(len, self._values), dtype=SIZES, count=len(self._values))
            joined = sizes.tobytes() + joined
        return zlib.compress(joined, COMPRESSION)


def _numbers(ids: np.ndarray, weights: np.ndarray) -> bytes:
    gaps = np.diff(ids)
    width = next(w for w, kind in GAPS.items() if not len(gaps) or gaps.max() <= np.iinfo(kind).max)
    whole = bool(np.all((weights >= 0) & (weights < 256) & (weights == np.floor(weights))))
    kind = BYTE_WEIGHTS if whole else FLOAT_WEIGHTS
    return (
        _NUMBERS.pack(int(ids[0]), width, whole)
        + gaps.astype(GAPS[width]).tobytes()
        + weights.astype(kind).tobytes()
    )


class Block:
    """One block of a posting list: document numbers (of its segment) and frequencies as
    numpy arrays, and the encoded values (word positions), decompressed when first asked for."""

    __slots__ = ("_encoded", "_ends", "_joined", "_size", "ids", "weights")

    def __init__(self, raw: bytes, count: int, value_size: int | None) -> None:
        first, width, whole = _NUMBERS.unpack_from(raw)
        gaps, kind = GAPS[width], BYTE_WEIGHTS if whole else FLOAT_WEIGHTS
        self.ids = np.empty(count, dtype=np.int64)  # document numbers in the segment
        self.ids[0] = first
        self.ids[1:] = np.frombuffer(raw, dtype=gaps, count=count - 1, offset=_NUMBERS.size)
        np.cumsum(self.ids, out=self.ids)
        start = _NUMBERS.size + gaps.itemsize * (count - 1)
        self.weights = np.frombuffer(raw, dtype=kind, count=count, offset=start)
        self._encoded, self._size = raw[start + kind.itemsize * count :], value_size
        self._joined: bytes | None = None
        self._ends: list[int] = []

    def value(self, place: int) -> bytes | None:
        """The encoded value of the block's posting at `place`, as Whoosh's format decodes it."""
        if self._joined is None:
            self._decompress()
        size = self._size
        if size == 0:
            return None
        if size is not None and size > 0:
            return self._joined[place * size : (place + 1) * size]
        return self._joined[self._ends[place] : self._ends[place + 1]]

    @property
    def values(self) -> tuple:
        """Every posting's encoded value."""
        return tuple(map(self.value, range(len(self.ids))))

    def _decompress(self) -> None:
        count = len(self.ids)
        self._joined = zlib.decompress(self._encoded) if self._encoded else b""
        if not self._joined:  # a block whose postings all have empty values
            self._ends = [0] * (count + 1)
        elif self._size is None or self._size < 0:  # each value's size, then the values
            sizes = np.frombuffer(self._joined, dtype=SIZES, count=count)
            start = SIZES.itemsize * count
            self._ends = [start, *(np.cumsum(sizes) + start).tolist()]


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
        self._weights = self.block().weights.astype(np.float64).tolist()

    def _read_values(self):
        self._values = self.block().values


def read_blocks(reader, field: str, text: str) -> tuple[int, list[Block]]:
    """How many documents of one segment hold a term, deleted ones included, and its posting
    blocks there (none if it lacks the term): the whole posting list read in one call and
    split into blocks in memory, with none of the matcher objects Whoosh would make to walk
    it."""
    terms = getattr(reader, "_terms", None)
    if terms is None:  # the reader of an empty index
        return 0, []
    try:
        info = terms.term_info(field, reader._text_to_bytes(field, text))
    except TermNotFound:
        return 0, []
    offset, length = info.extent()  # never inlined (`ArrayCodec`)
    if isinstance(length, tuple):  # as Whoosh 2.7 reads it back (its own matcher never uses it)
        (length,) = length
    raw = memoryview(terms._postfile.get(offset, length))
    if raw[: len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no posting list where the term {field}:{text!r} says")
    value_size = reader.schema[field].format.fixed_value_size()
    stream = io.BytesIO(raw)
    position, found = len(WHOOSH3_HEADER_MAGIC), []
    while position < len(raw):
        (size,) = _LENGTH.unpack_from(raw, position)
        stream.seek(position + _LENGTH.size)
        count = pickle.load(stream)[0]  # the block's header (`ArrayPostingsWriter`)
        end = position + _LENGTH.size + abs(size)
        found.append(Block(raw[stream.tell() : end], count, value_size))
        position = end
    return info.doc_frequency(), found
