"""A document's stored fields read alone, without the table of every document's places.

Whoosh 2.7 keeps stored fields in one column per segment: each document's pickled fields,
compressed, then the offset and length of every document's value. Its column reader reads both
tables whole when a search first asks for one document's fields: 3 MB and some 2 ms for a
segment of 500,000 documents, which a search pays again each time it opens the index (every
`search` command does). A hit needs its copies' fields only, so here the two numbers of each
document asked for are read from the tables where they lie.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from array import array

from whoosh.codec.whoosh3 import W3PerDocReader

STORED = "_stored"  # the column's name in a segment


class StoredOnDemand(W3PerDocReader):
    """Whoosh 3's per-document reader, reading one document's stored fields at a time.

    The layout read is `VarBytesColumn`'s: values, then (when the column holds many) every
    document's offset, then every length, then the lengths' type code, the offsets' type code
    and `X`; fewer documents keep only the lengths, and Whoosh's own reader, which sums them,
    reads those.
    """

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        # (file, start, offsets' start and type, lengths' start and type); empty for a column
        # Whoosh's own reader reads; None until first asked for.
        self._places: tuple | None = None

    def stored_fields(self, docnum: int) -> dict:
        if docnum >= self._doccount:
            raise IndexError(f"asked for document {docnum} of {self._doccount}")
        places = self._stored_places()
        if not places:
            return super().stored_fields(docnum)
        column, start, offsets_at, offset_type, lengths_at, length_type = places
        length = _number(column, lengths_at, length_type, docnum)
        if not length:
            return {}
        offset = _number(column, offsets_at, offset_type, docnum)
        pickled = zlib.decompress(column.get(start + offset, length))
        return pickle.loads(pickled) if pickled else {}  # a document stored without fields

    def _stored_places(self) -> tuple:
        """Where the column's offsets and lengths start, and their type codes; empty for a
        column without offsets (or without any value). Worked out once a reader."""
        if self._places is None:
            self._places = ()
            if self.has_column(STORED):
                if STORED not in self._colfiles:
                    self._colfiles[STORED] = self._get_column_file(STORED)
                column, start, length = self._colfiles[STORED]
                last = start + length - 1
                if column.get(last, 1) == b"X":
                    length_type, offset_type = column.get(last - 2, 2).decode("ascii")
                    offsets_at = last - 2 - self._doccount * array(offset_type).itemsize
                    lengths_at = offsets_at - self._doccount * array(length_type).itemsize
                    self._places = (column, start, offsets_at, offset_type, lengths_at, length_type)
        return self._places


def _number(column, start: int, typecode: str, docnum: int) -> int:
    """The `docnum`-th number of an array Whoosh wrote at `start` (its items big-endian)."""
    size = array(typecode).itemsize
    value = array(typecode, column.get(start + docnum * size, size))
    if sys.byteorder == "little":
        value.byteswap()
    return value[0]
