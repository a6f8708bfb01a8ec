"""Articles written for the tests: invented people, places and dates."""

from pathlib import Path


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    """A corpus folder holding these articles, by file name."""
    folder.mkdir(parents=True)
    for name, text in articles.items():
        (folder / name).write_text(text, "utf-8")
    return folder


HARBOUR = """\
Harbour Authority Plans Night Dredging

PORTMERE, March 14, 2024 — The harbour authority will begin dredging the main channel at night.

“The channel is silting faster than any model predicted,” said Maria Okafor, the harbour director. “Night dredging is the only way to keep the ferries running.”

Fishermen fear the noise will drive away the herring shoals near the breakwater.

“We were never consulted about the dredging,” said Tomas Lu, who has worked a trawler for thirty years.
"""

COUNCIL = """\
Council Approves Lighthouse Repairs

BRENNA, June 2, 2023 — The council voted for repairs to the old lighthouse.

“The lighthouse is part of who we are,” said Lucia Ferreira, the mayor.

“We will watch every euro of the repair budget,” said José Peña, the council treasurer.

Work will start in the autumn.
"""

# The council story as another paper reprinted it a day earlier: the same quotation, once more.
COUNCIL_REPRINT = """\
Lighthouse To Be Repaired

BRENNA, June 1, 2023 — Councillors are expected to vote for repairs to the old lighthouse.

“The lighthouse is part of who we are,” said Lucia Ferreira, the mayor.
"""
