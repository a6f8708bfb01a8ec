"""Updates of the index running without pause beside a test, for checking that searches answer
while generations are swapped under them."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from search.engine.whoosh import WhooshEngine

JOIN_SECONDS = 60


@contextlib.contextmanager
def updates_running(corpus: Path, index: Path, rebuild_every: int = 2) -> Iterator[list[int]]:
    """Update `index` from `corpus` again and again (every `rebuild_every`-th a rebuild), each
    time with one article changed, while the block runs. Yields the numbers of the updates
    started so far; raises the first error any of them met once the block ends."""
    stop = threading.Event()
    errors: list[BaseException] = []
    started: list[int] = []

    def keep_updating() -> None:
        while not stop.is_set():
            number = len(started) + 1
            started.append(number)
            (corpus / "extra.txt").write_text(
                f"Extra {number}\n\nThe lighthouse count is {number}.\n", "utf-8"
            )
            try:
                WhooshEngine(index).update(corpus, rebuild=number % rebuild_every == 0)
            except BaseException as error:
                errors.append(error)

    updater = threading.Thread(target=keep_updating)
    updater.start()
    try:
        yield started
    finally:
        stop.set()
        updater.join(timeout=JOIN_SECONDS)
    if errors:
        raise errors[0]
