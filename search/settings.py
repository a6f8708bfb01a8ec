"""Defaults shared by the command line and the modules that apply them.

Kept free of imports so `search --help` can show them without loading the engine.
"""

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # larger article files are skipped with a warning
DEFAULT_LOCK_TIMEOUT = 10.0  # seconds an update waits for another one to finish
