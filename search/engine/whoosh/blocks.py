"""Reading the posting blocks `search.engine.whoosh.postings` writes, as numpy arrays.

A search reads tens of thousands of postings: numpy takes a block's document numbers and
frequencies from its bytes without a Python object a posting. Whoosh's own matchers read them
through `ArrayLeafMatcher`.
"""

from __future__ import annotations

import io
import pickle
import zlib

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher
from whoosh.reading import TermNotFound

from search.engine.whoosh.postings import GAPS, LENGTH, NUMBERS, SIZE

GAP_TYPES = {width: np.dtype(code).newbyteorder("<") for width, code in GAPS.items()}
BYTE_WEIGHTS, FLOAT_WEIGHTS = np.dtype("u1"), np.dtype("<f4")
SIZES = np.dtype(SIZE).newbyteorder("<")


class Block:
    """One block of a posting list: document numbers (of its segment) and frequencies as
    numpy arrays, and the encoded values (word positions), decompressed when first asked for."""

    __slots__ = ("_encoded", "_ends", "_joined", "_size", "ids", "weights")

    def __init__(self, raw: bytes, count: int, value_size: int | None) -> None:
        first, width, whole = NUMBERS.unpack_from(raw)
        gaps, kind = GAP_TYPES[width], BYTE_WEIGHTS if whole else FLOAT_WEIGHTS
        self.ids = np.empty(count, dtype=np.int64)  # document numbers in the segment
        self.ids[0] = first
        self.ids[1:] = np.frombuffer(raw, dtype=gaps, count=count - 1, offset=NUMBERS.size)
        np.cumsum(self.ids, out=self.ids)
        start = NUMBERS.size + gaps.itemsize * (count - 1)
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
        (size,) = LENGTH.unpack_from(raw, position)
        stream.seek(position + LENGTH.size)
        count = pickle.load(stream)[0]  # the block's header (`ArrayPostingsWriter`)
        end = position + LENGTH.size + abs(size)
        found.append(Block(raw[stream.tell() : end], count, value_size))
        position = end
    return info.doc_frequency(), found
