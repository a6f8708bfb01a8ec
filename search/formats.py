"""Article file formats other than plain text, each turned into the plain-text convention.

The plain-text convention (title on the first line, paragraphs split by blank lines) is what
`search.corpus` normalises, so every format gets the same repairs. A date a format carries as
metadata travels beside the text: it is the article's own date. So do the article's address
and the publication that printed it, where a format gives them, for citing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass


class FormatError(ValueError):
    """Content that does not hold an article in the format its name promises."""


@dataclass(frozen=True)
class PlainArticle:
    """An article in the plain-text convention, with its key inside the file and metadata."""

    text: str
    date: dt.date | None = None
    key: str | None = None  # which article of a many-article file (a JSON Lines line number)
    warning: str | None = None  # something the user should hear about, though the article is kept
    url: str | None = None  # where the article is published (an HTML page's canonical address)
    publication: str | None = None  # who published it (`Reuters`, a site's name)


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`([^`]*)`")
_LINE_PREFIX = re.compile(r"^\s{0,3}(?:>\s?|[-*+]\s+|\d+[.)]\s+)+")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def from_markdown(text: str) -> PlainArticle:
    """Title from the first heading (else the first line); markup dropped, words kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title, body_lines = None, []
    for number, line in enumerate(lines):
        underlined = number + 1 < len(lines) and _SETEXT_UNDERLINE.match(lines[number + 1])
        if title is None and (heading := _HEADING.match(line)):
            title = heading.group(1)
        elif title is None and line.strip() and underlined and lines[number + 1].strip()[0] == "=":
            title = line.strip()
            lines[number + 1] = ""
        elif _RULE.match(line) or _REFERENCE_DEFINITION.match(line):
            body_lines.append("")
        elif heading := _HEADING.match(line):
            body_lines += ["", heading.group(1), ""]  # a subheading is a paragraph of its own
        else:
            body_lines.append(_inline_markdown(_LINE_PREFIX.sub("", line)))
    body = "\n".join(body_lines).strip()
    if title is None:
        return PlainArticle(body)
    return PlainArticle(f"{_inline_markdown(title)}\n\n{body}")


def _inline_markdown(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(lambda match: match.group(1) or match.group(2), line)
    line = _CODE.sub(r"\1", line)
    line = _HTML_TAG.sub("", line)
    previous = None
    while previous != line:  # nested emphasis: ***bold italic***, **_both_**
        previous, line = line, _EMPHASIS.sub(r"\2", line)
    return line


def from_html(html: str) -> PlainArticle:
    """The article's own text, without navigation or boilerplate, via trafilatura.

    Extracting the main text of a news page well is a research problem of its own; trafilatura
    is maintained, benchmarked on news pages and reads the publication date from the page's
    metadata too. It is imported here, only when a corpus holds HTML, because it is slow to load.
    """
    import trafilatura

    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None or not (document.text or "").strip():
        raise FormatError("no article text found in the page")
    paragraphs = [line.strip() for line in document.text.split("\n") if line.strip()]
    title = (document.title or "").strip()
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    if not title:
        title, *paragraphs = paragraphs
    return PlainArticle(
        "\n\n".join([title, *paragraphs]),
        metadata_date(document.date),
        url=_text_or_none(document.url),
        publication=_text_or_none(document.sitename),
    )


def from_json_lines(text: str) -> Iterator[PlainArticle | FormatError]:
    """One article a line, `{"title", "body", "date"?, "url"?, "source"?}`; a bad line is an error
    for that line alone."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            yield FormatError(f"line {number}: not valid JSON")
            continue
        if not isinstance(record, dict) or not all(
            isinstance(record.get(key), str) for key in ("title", "body")
        ):
            yield FormatError(f'line {number}: needs string fields "title" and "body"')
            continue
        date = metadata_date(record.get("date"))
        warnings = []
        if record.get("date") and date is None:
            warnings.append(f"line {number}: cannot read the date {record['date']!r}; ignored it")
        for key in ("url", "source"):
            if record.get(key) is not None and not isinstance(record[key], str):
                warnings.append(f'line {number}: "{key}" is not a string; ignored it')
        yield PlainArticle(
            f"{record['title']}\n\n{record['body']}",
            date,
            str(number),
            "; ".join(warnings) or None,
            url=_text_or_none(record.get("url")),
            publication=_text_or_none(record.get("source")),
        )


def _text_or_none(value: object) -> str | None:
    """A metadata string without surrounding space; None for anything else or an empty one."""
    return value.strip() or None if isinstance(value, str) else None


def metadata_date(value: object) -> dt.date | None:
    """An ISO date or date-time (`2024-03-14`, `2024-03-14T09:30:00Z`), else None."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
