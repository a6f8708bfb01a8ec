"""The errors a user can act on, each with a one-line message that names the fix.

Kept apart from the modules that raise them so the command line can tell them apart without
loading the engine; with the two helpers every message uses to name what it is about.
"""

from __future__ import annotations

import os

SHOWN_CHARS = 60  # of a query or name a message echoes back


def shown(text: str) -> str:
    """`text` quoted for a message, cut short: a 10,000-word query must not fill the screen."""
    return repr(text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}…")


def folder(path: os.PathLike | str) -> str:
    """A folder as a message names it: `./index`, never a bare `index` that reads as a word."""
    name = os.fspath(path)
    return name if os.path.isabs(name) or name.startswith(".") else f".{os.sep}{name}"


class CorpusError(Exception):
    """The corpus folder itself cannot be used (missing, not a folder)."""


class IndexProblem(Exception):
    """Base for index problems a user can act on; the message names the fix."""


class IndexMissing(IndexProblem):
    """No index has been built in this folder yet."""


class IndexIncompatible(IndexProblem):
    """The index was written by a program with another schema."""


class IndexDamaged(IndexProblem):
    """The index files cannot be read."""


class IndexBusy(IndexProblem):
    """Another process holds the update lock for longer than we may wait."""


class QueryError(Exception):
    """A query or filter this program cannot use; the message says why in one line."""


class EngineUnavailable(IndexProblem):
    """The chosen engine cannot be used: unknown, not installed, or its servers do not answer
    as configured (nodes down, a wrong API key, mixed versions)."""
