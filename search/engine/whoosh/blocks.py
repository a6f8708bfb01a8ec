"""Reading the posting blocks `search.engine.whoosh.postings` writes, as numpy arrays.

A search reads millions of postings: numpy takes their document numbers and frequencies from
the blocks' bytes without a Python object a posting, and a whole posting list with a few calls
rather than a few a block (`read_postings`). Whoosh's own matchers read the blocks one at a
time through `ArrayLeafMatcher`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher
from whoosh.reading import TermNotFound

from search.engine.whoosh.postings import GAPS, LENGTH, NUMBERS, SIZE
from search.errors import IndexDamaged

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
        self._ends = np.zeros(0, dtype=np.int64)

    def value(self, place: int) -> bytes | None:
        """The encoded value of the block's posting at `place`, as Whoosh's format decodes it."""
        return self._values([place])[0]

    @property
    def values(self) -> tuple:
        """Every posting's encoded value."""
        return tuple(self._values(range(len(self.ids))))

    def _values(self, places: Iterable[int]) -> list[bytes | None]:
        if self._joined is None:
            self._decompress()
        size, joined = self._size, self._joined
        if size == 0:
            return [None for _ in places]
        if size is not None and size > 0:
            return [joined[place * size : (place + 1) * size] for place in places]
        ends = self._ends
        return [joined[ends[place] : ends[place + 1]] for place in places]

    def _decompress(self) -> None:
        """The values, and where each ends: a few are asked for in a block of a thousand, so
        the ends stay a numpy array (a list of them cost half as much as the decompression)."""
        count = len(self.ids)
        self._joined = zlib.decompress(self._encoded) if self._encoded else b""
        self._ends = np.zeros(count + 1, dtype=np.int64)
        if self._joined and (self._size is None or self._size < 0):  # sizes, then the values
            start = SIZES.itemsize * count
            np.cumsum(np.frombuffer(self._joined, dtype=SIZES, count=count), out=self._ends[1:])
            self._ends += start


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


class PostingList:
    """One term's postings in one segment, read whole: every document number (of the segment,
    ascending) decoded at once, frequencies when asked for, and the values (word positions)
    a block at a time, as a phrase or an adjacency bonus asks for them.

    A whole list takes a few numpy calls rather than several a block: a query of sixty words
    reads about two thousand blocks.
    """

    __slots__ = (
        "_blocks",
        "_counts",
        "_ends",
        "_raw",
        "_size",
        "_starts",
        "_weights",
        "doc_frequency",
        "ids",
    )

    def __init__(
        self,
        doc_frequency: int,
        ids: np.ndarray,
        counts: list[int],
        weights: tuple[list, list[bool]],
        raw: memoryview,
        ends: list[int],
        value_size: int | None,
    ) -> None:
        self.doc_frequency = doc_frequency  # deleted documents included
        self.ids = ids  # int64
        self._counts = counts  # each block's postings
        self._weights = weights  # each block's frequencies as bytes, and whether whole numbers
        self._raw, self._ends, self._size = raw, ends, value_size
        self._blocks: dict[int, Block] = {}
        self._starts: np.ndarray | None = None

    def frequencies(self) -> np.ndarray:
        """Each posting's frequency, as the blocks hold it (bytes or 4-byte floats, which
        float64 arithmetic takes exactly)."""
        pieces, whole = self._weights
        return _joined(pieces, 1, whole, WEIGHT_TYPES, self._counts)

    @property
    def starts(self) -> np.ndarray:
        """Where each block's postings start in `ids`: worked out when first asked for."""
        if self._starts is None:
            counts = np.array(self._counts)
            self._starts = np.cumsum(counts) - counts
        return self._starts

    def values(self, places: np.ndarray) -> list[bytes | None]:
        """The encoded values of the postings at `places` in `ids`."""
        starts = self.starts
        blocks = np.searchsorted(starts, places, "right") - 1
        inside = (places - starts[blocks]).tolist()
        return [
            self.block(block).value(at) for block, at in zip(blocks.tolist(), inside, strict=True)
        ]

    def block(self, number: int) -> Block:
        """The list's `number`-th block, decoded on its own when first asked for."""
        if number not in self._blocks:
            start, end = self._ends[number], self._ends[number + 1]
            data = HEADER.match(self._raw, start + LENGTH.size).end()
            self._blocks[number] = Block(self._raw[data:end], self._counts[number], self._size)
        return self._blocks[number]


# A block's header as `ArrayPostingsWriter` pickles it (protocol 2): a tuple of its number of
# postings, its last document number, its largest weight (a float) and three numbers below
# 256. Matched rather than unpickled, which cost more than the rest of a block's reading.
_INTEGER = rb"K.|M..|J...."  # a whole number below 256, 65,536 or 2**31
HEADER = re.compile(
    rb"\x80\x02\((K.|M..)(" + _INTEGER + rb")(?:G.{8}|" + _INTEGER + rb")K.K.K.tq\x00\.",
    re.DOTALL,
)
ROOM = {width: bytes(width) for width in GAPS}  # where a block's first number goes among gaps
WEIGHT_TYPES = {1: BYTE_WEIGHTS, 0: FLOAT_WEIGHTS}  # by whether whole numbers
BLOCK_PARTS = LENGTH.unpack_from, HEADER.match, NUMBERS.unpack_from  # looked up once a list


def read_postings(reader, field: str, text: str) -> PostingList | None:
    """One term's posting list in one segment (None if the segment lacks the term), read in
    one call, with none of the matcher objects Whoosh would make to walk it."""
    terms = getattr(reader, "_terms", None)
    if terms is None:  # the reader of an empty index
        return None
    try:
        info = terms.term_info(field, reader._text_to_bytes(field, text))
    except TermNotFound:
        return None
    offset, length = info.extent()  # never inlined (`ArrayCodec`)
    if isinstance(length, tuple):  # as Whoosh 2.7 reads it back (its own matcher never uses it)
        (length,) = length
    raw = terms._postfile.get(offset, length)
    if len(raw) != length or raw[: len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        raise _damaged(field)
    view, unpack_length, header_at, unpack_numbers = memoryview(raw), *BLOCK_PARTS
    last, total, ends = 0, 0, [len(WHOOSH3_HEADER_MAGIC)]
    counts, starts, firsts, widths, gaps, whole, weights = [], [], [], [], [], [], []
    while (position := ends[-1]) < length:
        (size,) = unpack_length(raw, position)
        end = position + LENGTH.size + abs(size)
        if (header := header_at(raw, position + LENGTH.size, end)) is None:
            raise _damaged(field)
        first, width, whole_numbers = unpack_numbers(raw, data := header.end())
        count = int.from_bytes(header[1][1:], "little")
        gaps_end = data + NUMBERS.size + width * (count - 1)
        weights_end = gaps_end + count * (1 if whole_numbers else FLOAT_WEIGHTS.itemsize)
        if width not in ROOM or whole_numbers not in WEIGHT_TYPES or weights_end > end:
            raise _damaged(field)
        # Room for the first number before the gaps, which gets its distance from the last
        # number of the block before (the header's): one running sum then decodes them all.
        gaps += (ROOM[width], view[data + NUMBERS.size : gaps_end])
        firsts.append(first - last)
        last = int.from_bytes(header[2][1:], "little")
        weights.append(view[gaps_end:weights_end])
        starts.append(total)
        total += count
        counts.append(count)
        widths.append(width)
        whole.append(whole_numbers)
        ends.append(end)
    if not counts:
        raise _damaged(field)
    ids = _joined(gaps, 2, widths, GAP_TYPES, counts).astype(np.int64)
    ids[starts] = firsts
    np.cumsum(ids, out=ids)
    value_size = reader.schema[field].format.fixed_value_size()
    return PostingList(info.doc_frequency(), ids, counts, (weights, whole), view, ends, value_size)


def _joined(pieces: list, each: int, kinds: list, types: dict, counts) -> np.ndarray:
    """One array of the blocks' numbers: `each` pieces of bytes a block, of the type
    `types[kind]` for the block's kind, `counts[block]` numbers in all."""
    if kinds.count(kinds[0]) == len(kinds):
        return np.frombuffer(b"".join(pieces), dtype=types[kinds[0]])
    present = sorted(set(kinds))
    found = np.empty(sum(counts), dtype=np.result_type(*(types[kind] for kind in present)))
    of_posting = np.repeat(kinds, counts)
    for kind in present:
        mine = [
            piece
            for block, block_kind in enumerate(kinds)
            if block_kind == kind
            for piece in pieces[block * each : (block + 1) * each]
        ]
        found[of_posting == kind] = np.frombuffer(b"".join(mine), dtype=types[kind])
    return found


def _damaged(field: str) -> IndexDamaged:
    return IndexDamaged(
        f"the index is damaged (a posting list of {field!r} cannot be read): "
        "run `search index --rebuild`"
    )
