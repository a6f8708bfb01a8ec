"""What every engine stores alike and every layer compares with: name keys, day numbers,
quotation and article keys, and the stop list.

Engines must agree on these, or a speaker filter, a date range or a quotation's copies would
find different documents on each. Folding uses Sphinx's accent table as Whoosh ships it, and
the stop list Whoosh's and NLTK's words: data tables, not the Whoosh engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from whoosh.analysis import STOP_WORDS
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

from search.model import IndexDocument

UNNAMED_KEY = "(unnamed)"
# Words as written, keeping inner full stops ("j.k") and asterisks ("f***"): the pattern of
# Whoosh's default tokenizer.
EXACT_WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")
# Whoosh's stop words and NLTK's English list: words such as "what", "which" and "about" only
# add noise to a ranking. NLTK's "s" and "t" stay words, or "U.S." would be cut down to "u".
# Shorter lists (Lucene's 33 words, Whoosh's 34 alone) ranked worse on TIME and Cranfield
# (`benchmarks/relevance.py`): lower nDCG@10 on both, and no more relevant documents in the
# first 100 (Recall@100 within 0.001 on TIME, lower on Cranfield).
TEXT_STOP_WORDS = (STOP_WORDS | stoplists["en"]) - {"s", "t"}


def fold(text: str) -> str:
    """Lower case, accents folded: a query's prefix as the `written` field keeps its words."""
    return text.lower().translate(accent_map)


def name_key(name: str) -> str:
    """The exact, case- and accent-insensitive form of a speaker name, for equality filters.

    The exact analyzer's words, joined. Indexing computes it for every quotation's whole
    wording (`quote_key`), so it folds the string in one pass instead of token by token.
    """
    return " ".join(EXACT_WORD.findall(name)).lower().translate(accent_map)


def day_number(date: dt.date) -> int:
    """A date as the number the index keeps: 2023-02-06 → 20230206."""
    return date.year * 10000 + date.month * 100 + date.day


def number_day(number: int) -> dt.date:
    return dt.date(number // 10000, number // 100 % 100, number % 100)


def quote_key(document: IndexDocument) -> int:
    """What copies of one quotation by one speaker share, however the articles punctuate it.

    A 64-bit hash of speaker and wording, never 0 (which marks "no quotation"): a fixed-width
    number a search reads for every document in one go, where a string column is read one
    document at a time.
    """
    wording = f"{name_key(document.speaker or '')}|{name_key(document.quote or '')}"
    digest = hashlib.blake2b(wording.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


def article_key(source: str) -> int:
    """A number every document of one article shares, never 0 (which the file records have)."""
    digest = hashlib.blake2b(source.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1
