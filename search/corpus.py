"""Reading the corpus folder: article files in, normalised `Article` records out.

Scraped news text carries noise that would otherwise leak into every later stage: non-breaking
spaces, a mix of straight and curly quote marks, paragraphs broken in the middle of a sentence and
stray punctuation before an opening quote mark. It is all repaired here, once, so the extractor
only ever sees clean paragraphs with curly quote marks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from search import formats
from search.errors import CorpusError
from search.model import Article, IndexedFile
from search.settings import DEFAULT_MAX_BYTES

PLAIN_TEXT = (".txt",)
MARKDOWN = (".md", ".markdown")
HTML = (".html", ".htm")
JSON_LINES = (".jsonl",)
ARTICLE_SUFFIXES = PLAIN_TEXT + MARKDOWN + HTML + JSON_LINES
FALLBACK_ENCODING = "cp1252"
RECENT_NS = 2_000_000_000  # coarser than any file system's time resolution (FAT: 2 s)


@dataclass(frozen=True, slots=True)  # slots: a build holds one for every changed file
class SourceFile:
    """An article file found in the corpus, with what identifies its content.

    The content itself is read again when the file is parsed, so that a scan of thousands of
    files holds none of them in memory.
    """

    path: str  # as found below the corpus folder
    source: str  # relative to the corpus folder, forward slashes: the stable name of the article
    content_hash: str
    signature: str = ""  # see `_signature`


@dataclass(frozen=True)
class Skipped:
    """A file that could not be used, and why, for the warnings a user reads on stderr."""

    source: str
    reason: str


_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t ]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_BLANK_LINE = re.compile(r"\n[ \t\u00a0\u2000-\u200a\u202f\u3000]*\n")
_STRAY_BEFORE_QUOTE = re.compile(r"^[.,;:]+\s*(?=[“‘])")
# A paragraph that stops without closing punctuation and a next one that starts in lower case
# are one sentence that a scraper broke in two.
_ENDS_MID_SENTENCE = re.compile(r"[\w,]$")
# Longer than any line of text wrapped by hand (72 to 80 characters, seldom 100).
_WRAP_WIDTH = 120
_STARTS_MID_SENTENCE = re.compile(r"^[a-z]")


def iter_corpus(
    root: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    indexed: Mapping[str, IndexedFile] | None = None,
) -> Iterator[SourceFile | Skipped]:
    """Every article file under `root` in a stable order, or the reason it was skipped.

    The folder is checked at once; files are read lazily, one at a time, to keep memory flat.
    A file whose `signature` is the one `indexed` holds for it is not read: its content hash is
    taken from there.
    """
    check_folder(root)
    indexed = indexed or {}
    return (_read_file(path, source, max_bytes, indexed) for path, source in _walk(root))


def count_files(root: Path) -> int:
    """How many article files `iter_corpus` will yield, for a progress bar."""
    check_folder(root)
    return sum(1 for _ in _walk(root))


def check_folder(root: Path) -> None:
    if not root.exists():
        raise CorpusError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise CorpusError(f"corpus path is not a folder: {root}")


def _read_file(
    path: str, source: str, max_bytes: int, indexed: Mapping[str, IndexedFile]
) -> SourceFile | Skipped:
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            return Skipped(source, "not a regular file")
        if status.st_size > max_bytes:
            return Skipped(source, f"larger than the limit of {max_bytes} bytes")
        signature = _signature(status)
        previous = indexed.get(source)
        if signature and previous and previous.signature == signature:
            return SourceFile(path, source, previous.content_hash, signature)
        data = Path(path).read_bytes()
    except OSError as error:
        return Skipped(source, f"unreadable: {error.strerror or error}")
    if not data.strip():
        return Skipped(source, "empty")
    if b"\x00" in data[:8192]:
        return Skipped(source, "binary, not text")
    return SourceFile(path, source, hashlib.sha256(data).hexdigest(), signature)


def _signature(status: os.stat_result) -> str:
    """Size, times and inode of a file: while they stay the same, so does its content.

    Git trusts the same facts to skip reading unchanged files, which made most of an update's
    time at 20,000 articles. The change time cannot be set back by tools that copy the
    modification time (`cp -p`, rsync). A file changed within the last `RECENT_NS` has no
    signature, and is always read: a second change within the clock's resolution could leave
    its times as they were.
    """
    changed = max(status.st_mtime_ns, status.st_ctime_ns)
    if time.time_ns() - changed < RECENT_NS:
        return ""
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


def _walk(root: Path) -> Iterator[tuple[str, str]]:
    """Article files below `root`, sorted, following links but never around a loop: each as
    its path and its name relative to `root` (its `source`).

    Plain strings, not `Path` objects: an update walks every file of the corpus, however few
    changed, and at 80,000 files making paths took longer than the system calls.
    """
    seen: set[tuple[int, int]] = set()
    top = os.fspath(root)
    for folder, dirs, files in os.walk(top, followlinks=True):
        status = os.stat(folder)
        if (status.st_dev, status.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((status.st_dev, status.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = Path(os.path.relpath(folder, top)).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        for name in sorted(files):
            if name.lower().endswith(ARTICLE_SUFFIXES) and not name.startswith("."):
                yield os.path.join(folder, name), prefix + name


def decode(data: bytes) -> tuple[str, bool]:
    """The file's text: UTF-8 where it is, else `FALLBACK_ENCODING` (the flag says which)."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODING, errors="replace"), True


def parse_article(
    source: str,
    text: str,
    content_hash: str = "",
    date: dt.date | None = None,
    url: str | None = None,
    publication: str | None = None,
) -> Article | None:
    """An `Article` from plain text: the first non-empty line is the title, blank lines split
    paragraphs, and so do line breaks in a block whose lines are too long to be wrapped text.

    Returns None when the text holds nothing but white space.
    """
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _split_title(text)
    blocks = [
        _clean_line(" ".join(lines))
        for block in _BLANK_LINE.split(text)
        for lines in _paragraph_lines(block.split("\n"))
    ]
    blocks = [block for block in blocks if block]
    if not blocks:
        return None
    title, *paragraphs = blocks
    return Article(
        source, title, tuple(_join_broken(paragraphs)), content_hash, date, url, publication
    )


def read_articles(file: SourceFile, data: bytes | None = None) -> tuple[list[Article], list[str]]:
    """The articles one file holds (several for JSON Lines), and warnings for the user.

    `data` is the file's content when it was read elsewhere: a Dask worker gets it with the
    file, so it need not see the corpus folder. A file that holds no article at all yields none
    and says why in a warning.
    """
    try:
        data = Path(file.path).read_bytes() if data is None else data
    except OSError as error:
        return [], [f"unreadable: {error.strerror or error}"]
    text, fell_back = decode(data)
    warnings = [f"not valid UTF-8, read as {FALLBACK_ENCODING}"] if fell_back else []
    name = file.source.lower()
    try:
        if name.endswith(JSON_LINES):
            plain = list(formats.from_json_lines(text))
        elif name.endswith(HTML):
            plain = [formats.from_html(text)]
        elif name.endswith(MARKDOWN):
            plain = [formats.from_markdown(text)]
        else:
            plain = [formats.PlainArticle(text)]
    except formats.FormatError as error:
        return [], [*warnings, str(error)]
    articles = []
    for item in plain:
        if isinstance(item, formats.FormatError):
            warnings.append(f"{item}; skipped it")
            continue
        if item.warning:
            warnings.append(item.warning)
        source = f"{file.source}:{item.key}" if item.key else file.source
        article = parse_article(
            source, item.text, file.content_hash, item.date, item.url, item.publication
        )
        if article is not None:
            articles.append(article)
    if not articles and not warnings:
        warnings.append("holds no text")
    return articles, warnings


def _paragraph_lines(lines: list[str]) -> list[list[str]]:
    """The lines of a block between blank lines, grouped into paragraphs.

    Text wrapped by hand keeps every line short, and its lines are one paragraph. A block with
    a line longer than any wrapping width was written one paragraph a line, as many sites and
    exports do, with no blank line between paragraphs.
    """
    if all(len(line) <= _WRAP_WIDTH for line in lines):
        return [lines]
    return [[line] for line in lines]


def _split_title(text: str) -> str:
    """Make the first non-empty line a block of its own, even with no blank line under it."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.strip():
            return "\n".join([*lines[: number + 1], "", *lines[number + 1 :]])
    return text


def _clean_line(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return _STRAY_BEFORE_QUOTE.sub("", normalise_quote_marks(text))


def normalise_quote_marks(text: str) -> str:
    """Turn straight and foreign quote marks into curly ones.

    Doubled apostrophes (`''It is,'' he said`, the style of the New York Times archive) and
    TeX's opening pair of backticks are straight double marks. Straight double marks alternate
    open/close through the paragraph (curly ones set the state),
    because in tokenised text (`SAID . " WE WILL , " HE`) both kinds stand between spaces and
    position alone would misread them; position only settles an unmatched mark.
    """
    text = text.translate(_FOREIGN_MARKS).replace("``", '"').replace("''", '"')
    if '"' in text:
        text = _curl_double_marks(text)
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)  # apostrophes inside words
    text = re.sub(r"(^|(?<=[\s(\[{—–“-]))'", "‘", text)
    return text.replace("'", "’")


def _curl_double_marks(text: str) -> str:
    """Alternate straight double marks, starting closed unless the first mark of the paragraph
    is glued to the word before it (`the end," he said`): then the paragraph opens mid-quotation.
    """
    marks = [m.start() for m in re.finditer(r'["“”]', text)]
    is_open = text[marks[0]] == '"' and _looks_closing(text, marks[0])
    chars = list(text)
    for at in marks:
        if text[at] == '"':
            chars[at] = "”" if is_open else "“"
        is_open = chars[at] == "“"
    return "".join(chars)


def _looks_closing(text: str, at: int) -> bool:
    """A mark right after a word or punctuation and before a space or the end (`it," he`)."""
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return (
        not before.isspace() and before not in "([{—–:-" and (after.isspace() or after in ".,;:!?)")
    )


_FOREIGN_MARKS = str.maketrans({"«": "“", "»": "”", "„": "“", "‟": "“", "″": "”", "‚": "‘"})


def _join_broken(paragraphs: list[str]) -> list[str]:
    joined: list[str] = []
    for paragraph in paragraphs:
        if (
            joined
            and _ENDS_MID_SENTENCE.search(joined[-1])
            and _STARTS_MID_SENTENCE.match(paragraph)
        ):
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined
