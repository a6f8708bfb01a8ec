"""The errors a user can act on, each with a one-line message that names the fix.

Kept apart from the modules that raise them so the command line can tell them apart without
loading the engine.
"""


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
