"""The `search` command: a thin Click layer over the package's own functions.

Heavy modules (the engine, the extractor) are imported inside the commands that need them, so
`search --help` stays fast. Every failure a user can cause ends in one line on stderr and a
documented exit code, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from itertools import pairwise, takewhile
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource
from click_default_group import DefaultGroup

from search import __version__
from search.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from search.engine import Engine

EXIT_HITS = 0
EXIT_NO_HITS = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, as a shell reports grep stopped by `| head`

EXIT_CODES_HELP = f"""\b
Exit codes:
  {EXIT_HITS}  success (for a search: hits found)
  {EXIT_NO_HITS}  a search found no hits
  {EXIT_USAGE}  bad usage, query, corpus folder, index or Dask cluster (the message names the fix)
  {EXIT_BUSY}  another `search index` is updating the index and did not finish in time
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); the index is left as it was
  {EXIT_PIPE_CLOSED}  the reader of the output went away (`search quotes | head`), quietly
"""


def _epilog(*examples: str) -> str:
    """Exit codes, then examples: every command's help ends with what to type."""
    lines = "\n".join(f"  {example}" for example in examples)
    return f"{EXIT_CODES_HELP}\n\b\nExamples:\n{lines}\n"


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"search: error: {message}", err=True)
    sys.exit(code)


def _stop_writing() -> None:
    """Stop quietly when the reader of stdout has gone (`search quotes | head -2`), as grep
    does: later writes, even Python's last flush of stdout, go nowhere instead of failing."""
    with contextlib.suppress(OSError, ValueError):  # stdout may be no file (a test's buffer)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(EXIT_PIPE_CLOSED)


def _user_errors(command: Callable) -> Callable:
    """Turn the package's own errors into one line on stderr and the right exit code."""

    @wraps(command)
    def run(*args, **kwargs):
        from search.errors import ClusterError, CorpusError, IndexBusy, IndexProblem, QueryError

        try:
            return command(*args, **kwargs)
        except IndexBusy as error:
            _fail(str(error), EXIT_BUSY)
        except (CorpusError, IndexProblem, QueryError, ClusterError) as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:
            _stop_writing()
        except OSError as error:
            _fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
        except Exception as error:
            if os.environ.get("SEARCH_DEBUG"):
                raise
            _fail(f"unexpected {type(error).__name__}: {error} (SEARCH_DEBUG=1 shows where)")

    return run


def _emit(
    output_format: str, color: str, as_json: Callable[[], object], as_text: Callable[[bool], str]
) -> None:
    """Print JSON, or text coloured as --color and the terminal say."""
    if output_format == "json":
        click.echo(json.dumps(as_json(), ensure_ascii=False))
    else:
        use_color = _color(color)
        click.echo(as_text(use_color), color=use_color)


def _color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or "NO_COLOR" in os.environ:
        return False
    return sys.stdout.isatty()


# The options every command shares, which may come before the command name too.
SHARED_OPTIONS = ("corpus", "index_root", "quiet", "engine_name", "nodes")
# Where articles are read when a command builds or updates the index: shared too, but kept
# in the context for `_update` rather than passed to every command (search/distributed.py).
EXTRACTION_OPTIONS = ("dask", "workers")
EXTRACTION = "search.extraction"


def _extraction_options(command: Callable) -> Callable:
    """--dask ADDRESS and --workers N: read articles on a Dask cluster when indexing."""
    command = click.option(
        "--workers",
        type=click.IntRange(min=1),
        metavar="N",
        help="When indexing, read articles in N processes of a local Dask cluster.",
    )(command)
    return click.option(
        "--dask",
        metavar="ADDRESS",
        envvar="SEARCH_DASK",
        help="When indexing, read articles on the Dask cluster whose scheduler is at ADDRESS"
        " (tcp://HOST:8786; env SEARCH_DASK).",
    )(command)


def _shared_options(command: Callable) -> Callable:
    """The --index, --corpus, --engine, --nodes and --quiet options (and --dask and
    --workers), on the group and on every command."""
    command = _extraction_options(command)
    command = click.option(
        "--nodes",
        envvar="SEARCH_NODES",
        metavar="URL,…",
        help="With --engine typesense: the cluster's nodes, http://HOST:PORT,… (env SEARCH_NODES;"
        " the API key only from env SEARCH_TYPESENSE_API_KEY).",
    )(command)
    command = click.option(
        "--engine",
        "engine_name",
        type=click.Choice(["whoosh", "typesense"], case_sensitive=False),
        default="whoosh",
        envvar="SEARCH_ENGINE",
        show_default=True,
        help="Which engine keeps the index (env SEARCH_ENGINE).",
    )(command)
    command = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="No progress bar or summary on stderr (warnings and errors still show).",
    )(command)
    command = click.option(
        "--corpus",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("seeds"),
        envvar="SEARCH_CORPUS",
        show_default=True,
        help="Folder of article files (env SEARCH_CORPUS).",
    )(command)
    return click.option(
        "--index",
        "index_root",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("index"),
        envvar="SEARCH_INDEX",
        show_default=True,
        help="Folder of the index; with --engine typesense its last part names the collection"
        " (env SEARCH_INDEX).",
    )(command)


def _shared(command: Callable) -> Callable:
    """The shared options on a command, which takes those written before its name as well:
    `search --index DIR speakers` is `search speakers --index DIR`."""

    @wraps(command)
    def run(**options):
        context = click.get_current_context()
        group = context.parent
        for name in SHARED_OPTIONS + EXTRACTION_OPTIONS:
            if _given(group, name) and not _given(context, name):
                options[name] = group.params[name]
        context.meta[EXTRACTION] = _extraction_place(
            options.pop("dask"), options.pop("workers"), group, context
        )
        return command(**options)

    return _shared_options(run)


def _given(context: click.Context | None, name: str) -> bool:
    return bool(context) and context.get_parameter_source(name) is ParameterSource.COMMANDLINE


def _extraction_place(
    dask: str | None, workers: int | None, *contexts: click.Context | None
) -> tuple[str | None, int | None]:
    """The Dask scheduler's address or the number of local workers, at most one: --workers
    on the command line wins over SEARCH_DASK, but not over --dask given beside it."""
    if dask is not None and workers is not None:
        if any(_given(context, "dask") for context in contexts):
            _fail("--dask and --workers do not go together: give one")
        dask = None
    return dask, workers


def _refuse_options_as_values(
    command: click.Command, context: click.Context, args: list[str]
) -> None:
    """A value option followed by another option lacks its value: `search NATO --speaker
    --limit 3` names no speaker, rather than one called `--limit`."""
    options = [param for param in command.get_params(context) if isinstance(param, click.Option)]
    names = {name for option in options for name in option.opts + option.secondary_opts}
    taking_values = {name for option in options if not option.is_flag for name in option.opts}
    for name, value in pairwise(takewhile(lambda arg: arg != "--", args)):
        if name in taking_values and value in names:
            raise click.BadOptionUsage(name, f"Option '{name}' requires an argument.", context)


class _Command(click.Command):
    """A command whose usage errors know the command they are about, for the help they name."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            _refuse_options_as_values(self, ctx, args)
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            error.ctx = error.ctx or ctx
            raise


class _Group(DefaultGroup):
    """The `search` group: the query command by default, and every Click error in one line
    (`search: error: …`) instead of Click's usage block."""

    command_class = _Command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _refuse_options_as_values(self, ctx, args)
        return super().parse_args(ctx, args)

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as error:  # `search` alone: the help
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx else "search"
            _fail(f"{error.format_message().rstrip('.')} (see `{where} --help`)", error.exit_code)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except click.Abort:
            _fail("interrupted", EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_HITS)  # an int is Click's ctx.exit(n)


def _output(formats: tuple[str, ...]) -> Callable[[Callable], Callable]:
    def decorate(command: Callable) -> Callable:
        command = click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour: auto is on for a terminal unless NO_COLOR is set.",
        )(command)
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(formats),
            default=formats[0],
            show_default=True,
            help="Output format.",
        )(command)

    return decorate


def _speaker_option(command: Callable) -> Callable:
    return click.option(
        "--speaker",
        "speakers",
        multiple=True,
        metavar="NAME",
        help="Only quotes by NAME (whole name parts, any case; repeat for several).",
    )(command)


@click.group(
    cls=_Group,
    default="query",
    context_settings={"help_option_names": ["-h", "--help"], "ignore_unknown_options": True},
    epilog=_epilog(
        'search "NATO expansion"',
        "search NATO --speaker Lavrov",
        "search NATO --since 2023-01-01 --until 2023-12-31",
        "search index            # bring the index up to date",
        'search quotes --speaker "Lu Shaye" --format jsonl',
        "search speakers",
    ),
)
@click.version_option(__version__, prog_name="search")
@_shared_options
def cli(
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
    dask: str | None,
    workers: int | None,
) -> None:
    """Quote-aware search over a folder of news articles: who said what, about what, and when.

    --index, --corpus, --engine, --nodes, --quiet, --dask and --workers may come before the
    command or after it.
    """


def _engine(index_root: Path, name: str, nodes: str | None) -> Engine:
    """The engine keeping the index the options name."""
    from search.engine import open_engine

    return open_engine(name, index_root=index_root, nodes=nodes)


def _ensure_index(engine: Engine, corpus: Path, quiet: bool) -> None:
    """Build the index from the corpus when there is none, or none this program can read."""
    from search.errors import folder

    reason = engine.problem()
    if reason is None:
        return
    if not corpus.is_dir():
        _fail(f"{reason}, and no corpus folder {folder(corpus)} to build it from (use --corpus)")
    if not quiet:
        click.echo(f"search: {reason}: building it from {folder(corpus)}…", err=True)
    _update(engine, corpus, quiet=quiet)


@contextlib.contextmanager
def _extraction() -> Iterator[Callable | None]:
    """The Dask cluster --dask or --workers names, as the indexer's extraction, let go of
    when the update ends; None reads articles here."""
    dask, workers = click.get_current_context().meta.get(EXTRACTION, (None, None))
    if dask is None and workers is None:
        yield None
        return
    import logging

    from search.distributed import DaskCluster

    # Dask's own log lines (a lost scheduler, a worker's end) would say over many lines, and
    # after the command's own error, what that error says in one.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with DaskCluster(dask, workers) as cluster:
        yield cluster.map


def _update(engine: Engine, corpus: Path, *, quiet: bool, **options) -> None:
    """Run an index update with a progress bar on a terminal, then report what it did."""
    from search.corpus import count_files

    with _extraction() as extraction:
        if quiet or not sys.stderr.isatty():
            report = engine.update(corpus, extraction=extraction, **options)
        else:
            with click.progressbar(
                length=count_files(corpus), label="indexing", file=sys.stderr
            ) as bar:
                report = engine.update(
                    corpus,
                    progress=lambda: bar.update(1),
                    extraction=extraction,
                    **options,
                )
    for skipped in report.skipped:
        click.echo(f"search: warning: skipped {skipped.source}: {skipped.reason}", err=True)
    for warning in report.warnings:
        click.echo(f"search: warning: {warning}", err=True)
    if not quiet:
        click.echo(f"search: {report.summary()}", err=True)


@cli.command(
    "query",
    epilog=_epilog(
        'search "NATO expansion"',
        "search '\"eastward expansion\" OR missiles' --limit 5",
        "search NATO --speaker Lavrov --format json",
        'search query index       # search for the word "index"',
        'search "eastward expansion" --cite',
        "search NATO --sort -date --facet speaker --facet month",
        "search NATO --page 2 --context 120",
    ),
)
@click.argument("words", nargs=-1)
@_speaker_option
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Said on or after this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Said on or before this date.")
@click.option(
    "--include-undated",
    is_flag=True,
    help="With --since/--until, also keep hits whose date is not known.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Hits to show."
)
@click.option("--page", type=click.IntRange(min=1), default=1, help="Which page of hits to show.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date", "-date"]),
    default="relevance",
    show_default=True,
    help="Order: by relevance, oldest first (date) or newest first (-date).",
)
@click.option(
    "--facet",
    "facets",
    type=click.Choice(["speaker", "year", "month"]),
    multiple=True,
    help="Count all hits by speaker, year or month (repeatable).",
)
@click.option(
    "--context",
    type=click.IntRange(min=20),
    default=240,
    show_default=True,
    help="Snippet length in characters.",
)
@click.option(
    "--no-group",
    is_flag=True,
    help="List every copy of a quotation that several articles carry, not one hit for all.",
)
@click.option("--cite", is_flag=True, help='Each hit as one line: Speaker (Role), "quote", …')
@_output(("text", "json", "jsonl"))
@_shared
@_user_errors
def query_command(
    words: tuple[str, ...],
    speakers: tuple[str, ...],
    since: dt.datetime | None,
    until: dt.datetime | None,
    include_undated: bool,
    limit: int,
    page: int,
    sort: str,
    facets: tuple[str, ...],
    context: int,
    no_group: bool,
    cite: bool,
    output_format: str,
    color: str,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """Ranked quotes and passages matching WORDS (the default command).

    WORDS may use "phrases", AND/OR/NOT, prefix*, speaker:NAME and date:YYYY-MM-DD
    (or date:[2023-01-01 to 2023-06-30], date:>2023-01-01).
    """
    from search import render
    from search.engine.request import MAX_EXPANSIONS, SearchRequest

    engine = _engine(index_root, engine_name, nodes)
    _ensure_index(engine, corpus, quiet)
    request = SearchRequest(
        query=" ".join(words),
        speakers=speakers,
        since=since.date() if since else None,
        until=until.date() if until else None,
        limit=limit,
        page=page,
        sort=sort,
        facets=facets,
        group=not no_group,
        snippet_chars=context,
        include_undated=include_undated,
    )
    result = engine.search(request)
    for pattern in result.cut_patterns:
        click.echo(
            f"search: {pattern} stands for more than {MAX_EXPANSIONS} words:"
            f" only the {MAX_EXPANSIONS} most frequent were searched",
            err=True,
        )
    if result.undated_left_out and not quiet:
        count = result.undated_left_out
        click.echo(
            f"search: {count} undated hit{'s' if count != 1 else ''} left out by --since/--until"
            " (--include-undated keeps them)",
            err=True,
        )
    if cite:
        for hit in result.hits:
            click.echo(render.cite_line(hit))
    elif output_format == "json":
        click.echo(render.result_json(result))
    elif output_format == "jsonl":
        for line in render.result_jsonl(result):
            click.echo(line)
    else:
        use_color = _color(color)
        click.echo(render.result_text(result, use_color), color=use_color)
    sys.exit(EXIT_HITS if result.total else EXIT_NO_HITS)


@cli.command(
    "index",
    epilog=_epilog(
        "search index",
        "search index --rebuild --corpus ~/articles --index ~/articles.index",
        "search index --quiet",
        "search index --workers 4                # read articles in 4 local processes",
        "search index --dask tcp://scheduler:8786",
    ),
)
@click.option("--rebuild", is_flag=True, help="Build the index again from nothing.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=DEFAULT_LOCK_TIMEOUT,
    envvar="SEARCH_LOCK_TIMEOUT",
    show_default=True,
    help="Seconds to wait for another update to finish (env SEARCH_LOCK_TIMEOUT).",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    envvar="SEARCH_MAX_FILE_SIZE",
    show_default=True,
    help="Skip article files larger than this many bytes (env SEARCH_MAX_FILE_SIZE).",
)
@_shared
@_user_errors
def index_command(
    rebuild: bool,
    wait: float,
    max_file_size: int,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """Bring the index up to date with the corpus folder.

    New, changed and deleted files are found by content hash; only those are read again.
    A rebuild is built beside the old index and swapped in only when complete.
    Article files: *.txt, *.md, *.html and *.jsonl (one article a line).
    """
    _update(
        _engine(index_root, engine_name, nodes),
        corpus,
        quiet=quiet,
        rebuild=rebuild,
        max_bytes=max_file_size,
        lock_timeout=wait,
    )


@cli.command(
    "quotes",
    epilog=_epilog(
        'search quotes --speaker "Lu Shaye"',
        "search quotes --format jsonl > quotes.jsonl",
        "search quotes --min-confidence 0.9",
    ),
)
@_speaker_option
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=None,
    metavar="X",
    help="Only quotes whose speaker is at least this likely to be right (0 to 1).",
)
@_output(("text", "jsonl", "json"))
@_shared
@_user_errors
def quotes_command(
    speakers: tuple[str, ...],
    min_confidence: float | None,
    output_format: str,
    color: str,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """Every extracted quote, in corpus order, for review or export."""
    from search import render

    engine = _engine(index_root, engine_name, nodes)
    _ensure_index(engine, corpus, quiet)
    quotes = engine.quotes(speakers, min_confidence)
    if speakers and not quotes:  # on stderr: the quotes on stdout may be read as JSON
        for line in render.speaker_suggestion_lines(engine.suggest_speakers(speakers)):
            click.echo(f"search: {line}", err=True)
    if output_format == "jsonl":
        for quote in quotes:
            click.echo(json.dumps(render.quote_json(quote), ensure_ascii=False))
    elif output_format == "json":
        click.echo(json.dumps([render.quote_json(quote) for quote in quotes], ensure_ascii=False))
    else:
        use_color = _color(color)
        for quote in quotes:
            click.echo(render.quote_text(quote, use_color) + "\n", color=use_color)
        click.echo(f"{len(quotes)} quote{'s' if len(quotes) != 1 else ''}")
    sys.exit(EXIT_HITS if quotes else EXIT_NO_HITS)


@cli.command(
    "speakers",
    epilog=_epilog(
        "search speakers",
        "search speakers --format json",
    ),
)
@_output(("text", "json"))
@_shared
@_user_errors
def speakers_command(
    output_format: str,
    color: str,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """Who is quoted, how often, in which role, and which forms of each name were merged."""
    from search import render

    engine = _engine(index_root, engine_name, nodes)
    _ensure_index(engine, corpus, quiet)
    summaries = engine.speakers()
    _emit(
        output_format,
        color,
        lambda: [render.speaker_json(summary) for summary in summaries],
        lambda use_color: render.speakers_text(summaries, use_color),
    )


@cli.command(
    "show",
    epilog=_epilog(
        "search show '000_d22ce953f64dbb93.txt#q1'",
        "search show 'wire.jsonl:3#p2' --format json",
    ),
)
@click.argument("document_id", metavar="ID")
@_output(("text", "json"))
@_shared
@_user_errors
def show_command(
    document_id: str,
    output_format: str,
    color: str,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """The full quotation or passage with this ID (as hits and `search quotes` give it):
    speaker, role, date, the paragraph around it, article title and source.
    """
    from search import render
    from search.errors import shown

    engine = _engine(index_root, engine_name, nodes)
    _ensure_index(engine, corpus, quiet)
    record = engine.record(document_id)
    if record is None:
        click.echo(f"search: no document with id {shown(document_id)}", err=True)
        sys.exit(EXIT_NO_HITS)
    _emit(
        output_format,
        color,
        lambda: render.record_json(record),
        lambda use_color: render.record_text(record, use_color),
    )


@cli.command(
    "verify",
    epilog=_epilog(
        'search verify "it will also deploy missiles"',
        'search verify "If NATO pushes its borders to Russia\'s threshold" --format json',
    ),
)
@click.argument("words", nargs=-1, required=True)
@_output(("text", "json"))
@_shared
@_user_errors
def verify_command(
    words: tuple[str, ...],
    output_format: str,
    color: str,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """Find WORDS across the corpus, exactly or nearly (a few words changed, added or dropped),
    earliest first, each with its speaker, date and source and how it differs.

    Exits 0 when something close is found, 1 when nothing is.
    """
    from search import render
    from search.wording import verify

    engine = _engine(index_root, engine_name, nodes)
    _ensure_index(engine, corpus, quiet)
    given = " ".join(words)
    occurrences = verify(engine, given)
    _emit(
        output_format,
        color,
        lambda: render.verification_json(given, occurrences),
        lambda use_color: render.verification_text(occurrences, use_color),
    )
    sys.exit(EXIT_HITS if occurrences else EXIT_NO_HITS)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_MAX_WORKERS = 4
MAX_WORKERS = 32


@cli.command(
    "serve",
    epilog=_epilog(
        "search serve                     # http://127.0.0.1:8765",
        "search serve --port 9000 --open  # and open it in the browser",
        "search serve --host 0.0.0.0      # on purpose only: readable from the network",
        "search serve --processes 1       # one process, the least memory",
    ),
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any but this machine's own makes the corpus readable to others.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free one, printed at start).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the search page in the browser.")
@click.option(
    "--processes",
    type=click.IntRange(1, MAX_WORKERS),
    default=None,
    help=f"Processes searching the Whoosh index, each keeping it open; 1: the server's own"
    f" [default: one a core, at most {DEFAULT_MAX_WORKERS}].",
)
@_shared
@_user_errors
def serve_command(
    host: str,
    port: int,
    open_browser: bool,
    processes: int | None,
    corpus: Path,
    index_root: Path,
    quiet: bool,
    engine_name: str,
    nodes: str | None,
) -> None:
    """Serve the search as a web page and a JSON API, with the same syntax and JSON shapes.

    The index is brought up to date once, at start, as `search index` does; after that the
    server only reads it, and answers from each new index `search index` commits, without a
    restart. Ctrl-C stops it.
    """
    import socket

    import uvicorn

    from search.web.app import create_app

    engine = _engine(index_root, engine_name, nodes)
    if engine.name != "whoosh" and (processes or 1) > 1:
        _fail(f"--processes: the {engine.name} engine searches on its own nodes; leave it out")
    if corpus.is_dir():
        _update(engine, corpus, quiet=quiet)
    else:
        _ensure_index(engine, corpus, quiet)
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Answers go out at once, not held back for an acknowledgement: with a keep-alive client
    # that delays its own, each response waited some 40 ms (accepted sockets inherit this).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        _fail(f"cannot listen on {host} port {port}: {error.strerror or error}")
    listener.listen(socket.SOMAXCONN)
    port = listener.getsockname()[1]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    if warning := network_warning(host):
        click.echo(f"search: warning: {warning}", err=True)
    app = create_app(
        engine, workers=processes or (default_workers() if engine.name == "whoosh" else 1)
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    if open_browser:
        _open_when_started(server, url)
    click.echo(f"search: serving {url} (Ctrl-C stops)", err=True)
    server.run(sockets=[listener])


def default_workers() -> int:
    """One worker a core the process may use, up to `DEFAULT_MAX_WORKERS`: a search holds
    Python's lock on one core, and each worker keeps its own open index in memory."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, DEFAULT_MAX_WORKERS))


def network_warning(host: str) -> str | None:
    """What to say when the server listens on an address other machines may reach."""
    if host in LOOPBACK_HOSTS:
        return None
    return f"listening on {host}: anyone who can reach this machine can now read the corpus"


def _open_when_started(server, url: str) -> None:
    """Open `url` in the browser once the server answers, from a thread of its own."""
    import threading
    import time
    import webbrowser

    def wait_then_open() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            webbrowser.open(url)

    threading.Thread(target=wait_then_open, daemon=True).start()


def main() -> None:
    """Entry point of the `search` script."""
    cli(prog_name="search")
