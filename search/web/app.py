"""The web application: each route reads its parameters (`search.web.params`), calls the
package's own function the command line calls, and renders the same record as a page or as
the command line's JSON.

The engine's work runs in a worker thread under a time limit, so a slow search never holds up
the server's other requests, and every failure becomes one line: 400 for a bad parameter or
query, 404 for an unknown id or speaker, 503 for an index that cannot answer or a search that
takes too long, never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search import render
from search.engine import Engine, open_engine
from search.engine.keys import UNNAMED_KEY
from search.engine.request import FACETS, SORTS, SearchRequest
from search.errors import IndexProblem, QueryError, shown
from search.model import SearchResult, SpeakerSummary
from search.web import pages, params
from search.web.openapi import openapi_document
from search.web.workers import WorkerEngine, WorkerLost
from search.wording import verify

HERE = Path(__file__).parent
SEARCH_SECONDS = 10.0  # a search taking longer is given up, with a message saying so
SPEAKER_PAGE_LIMIT = 50
# Facet values a page lists, the most frequent: a common word's hits may have thousands of
# speakers, too many to read (or to render); the JSON twin has them all.
FACET_ROWS = 25
# Scripts, styles and images from this server only, none inline: an article's bytes can never
# run as code, even if some escaping were missed.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

log = logging.getLogger("search.web")


class NotFound(LookupError):
    """No document or speaker by that name: 404, with a message saying what was asked for."""


class _SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response, pages, JSON and static files alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,  # the templates ship with the package: no file checks a request
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        marked=render.marked_spans,
        quote_path=pages.quote_path,
        speaker_path=pages.speaker_path,
        safe_link=pages.safe_link,
        wording_parts=render.wording_parts,
        found_words=render.found_words,
        dropped_spacing=render.dropped_spacing,
        sorts=SORTS,
        uncertain_below=render.UNCERTAIN_BELOW,
    )
    return environment


def create_app(
    engine: Engine | Path, *, time_limit: float = SEARCH_SECONDS, workers: int = 1
) -> Starlette:
    """The application serving the engine's index (a folder: the Whoosh index there), kept
    open between requests: by this process, or by `workers` worker processes."""
    if isinstance(engine, Path):
        engine = open_engine(index_root=engine)
    if workers > 1:
        engine = WorkerEngine(engine, workers, time_limit=time_limit)
    engine.keep_open()
    templates = _templates()
    everyone_by_version: dict[Hashable, list[SpeakerSummary]] = {}

    def everyone() -> list[SpeakerSummary]:
        """Everyone quoted, read once for each state of the index: reading them all took
        seconds at 20,000 articles, where a search takes milliseconds."""
        version = engine.version()
        if (summaries := everyone_by_version.get(version)) is None:
            summaries = engine.speakers()
            everyone_by_version.clear()
            everyone_by_version[version] = summaries
        return summaries

    def page(template: str, status_code: int = 200, /, **context) -> HTMLResponse:
        return HTMLResponse(templates.get_template(template).render(**context), status_code)

    def json_response(payload: object) -> Response:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return Response(text, media_type="application/json")

    def failure(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return page("error.html", status, status=status, message=message)

    def bounded(view: Callable[[Request], Response]) -> Callable[[Request], Awaitable[Response]]:
        """The view run in a worker thread under the time limit, its failures as one line."""

        async def endpoint(request: Request) -> Response:
            try:
                with anyio.fail_after(time_limit):
                    return await anyio.to_thread.run_sync(view, request, abandon_on_cancel=True)
            except (params.BadParameter, QueryError) as error:
                return failure(request, 400, str(error))
            except NotFound as error:
                return failure(request, 404, str(error))
            except IndexProblem as error:
                return failure(request, 503, str(error))
            except WorkerLost as error:
                return failure(request, 503, f"{error}: try again")
            except TimeoutError:
                return failure(
                    request,
                    503,
                    f"the search took longer than {time_limit:g} s and was given up:"
                    " narrow it with fewer words, a speaker or dates",
                )
            except Exception:
                log.exception("unexpected error answering %s", request.url.path)
                return failure(request, 500, "unexpected error: the server's log says where")

        return endpoint

    def search_page(request: Request) -> Response:
        query = request.query_params
        asked = params.search_request(query, always_facets=FACETS)
        context = {"asked": asked, "result": None}
        if asked.query or asked.speakers or asked.since or asked.until:
            result = engine.search(asked)
            context.update(
                result=result,
                footer=render.footer(result),
                timeline=pages.timeline("/", query, result.facets.get("month", {})),
                facet_links=_facet_links(query, asked, result.facets),
                active=_active_filters(query, asked),
                paging=_paging(query, asked, result),
                suggestion_url=(
                    pages.url_with("/", query, q=result.suggestion) if result.suggestion else None
                ),
                api_url=pages.url_with("/api/search", query),
            )
        return page("search.html", **context)

    def api_search(request: Request) -> Response:
        asked = params.search_request(request.query_params)
        return json_response(render.result_json(engine.search(asked)))

    def quote_page(request: Request) -> Response:
        record = _record(request)
        return page(
            "quote.html",
            record=record,
            copies=engine.copies(record.id),
            citation=render.record_cite_line(record),
            api_url=pages.quote_path(record.id, api=True),
        )

    def api_quote(request: Request) -> Response:
        return json_response(render.record_json(_record(request)))

    def _record(request: Request):
        params.checked(request.query_params, ())
        document_id = request.path_params["document_id"]
        if (record := engine.record(document_id)) is None:
            raise NotFound(f"no document with id {shown(document_id)}")
        return record

    def speakers_page(request: Request) -> Response:
        params.checked(request.query_params, ())
        return page("speakers.html", summaries=everyone(), api_url="/api/speakers")

    def api_speakers(request: Request) -> Response:
        params.checked(request.query_params, ())
        return json_response([render.speaker_json(summary) for summary in everyone()])

    def speaker_page(request: Request) -> Response:
        name = request.path_params["name"]
        query = request.query_params
        values = params.checked(query, params.SPEAKER_PARAMETERS)
        asked = SearchRequest(
            query="",
            speakers=(name,),
            since=params.day(values, "since"),
            until=params.day(values, "until"),
            sort="date",
            facets=("month",),
            page=params.whole_number(values, "page", 1, params.MAX_PAGE),
            limit=SPEAKER_PAGE_LIMIT,
        )
        result = engine.search(asked)
        if not result.total and name in result.speaker_suggestions:
            closest = result.speaker_suggestions[name]
            known = ", ".join(closest) if closest else "no similar name"
            return page(
                "error.html",
                404,
                status=404,
                message=f"no speaker matches {shown(name)}; closest: {known}",
                closest=closest,
            )
        path = pages.speaker_path(name)
        return page(
            "speaker.html",
            name=name,
            result=result,
            asked=asked,
            footer=render.footer(result),
            timeline=pages.timeline(path, query, result.facets.get("month", {})),
            paging=_paging(query, asked, result, path),
            api_url=pages.url_with("/api/search", query, speaker=name, sort="date"),
            path=path,
        )

    def verify_page(request: Request) -> Response:
        given = params.wording(request.query_params)
        occurrences = verify(engine, given) if given else None
        return page(
            "verify.html",
            given=given,
            occurrences=occurrences,
            exact=sum(item.wording.exact for item in occurrences or ()),
            api_url=pages.url_with("/api/verify", request.query_params),
        )

    def api_verify(request: Request) -> Response:
        if not (given := params.wording(request.query_params)):
            raise params.BadParameter("give the words to verify: /api/verify?text=WORDS")
        return json_response(render.verification_json(given, verify(engine, given)))

    def api_openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return failure(request, 404, f"no such page: {shown(request.url.path)}")
        return failure(request, error.status_code, str(error.detail))

    routes = [
        Route("/", bounded(search_page)),
        Route("/quote/{document_id:path}", bounded(quote_page)),
        Route("/speakers", bounded(speakers_page)),
        Route("/speakers/{name:path}", bounded(speaker_page)),
        Route("/verify", bounded(verify_page)),
        Route("/api/search", bounded(api_search)),
        Route("/api/quotes/{document_id:path}", bounded(api_quote)),
        Route("/api/speakers", bounded(api_speakers)),
        Route("/api/verify", bounded(api_verify)),
        Route("/api/openapi.json", api_openapi),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if isinstance(engine, WorkerEngine):
            engine.close()

    app = Starlette(
        routes=routes, exception_handlers={HTTPException: http_error}, lifespan=lifespan
    )
    app.add_middleware(_SecurityHeaders)
    return app


def _facet_links(query, asked: SearchRequest, facets: dict[str, dict[str, int]]) -> dict:
    """Each facet's most frequent values with counts and the link that narrows the page to
    that value (none for unnamed sources, which no --speaker names). Years and months come in
    time order, speakers most quoted first."""
    links: dict[str, list[tuple[str, int, str | None]]] = {}
    for name, counts in facets.items():
        rows = []
        for value, count in _most_frequent(counts, FACET_ROWS):
            if name == "speaker":
                href = (
                    None
                    if value == UNNAMED_KEY or value in asked.speakers
                    else pages.url_with("/", query, speaker=[*asked.speakers, value])
                )
            else:
                since, until = (pages.year_range if name == "year" else pages.month_range)(value)
                href = pages.url_with("/", query, since=since, until=until)
            rows.append((value, count, href))
        links[name] = rows
    return links


def _most_frequent(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The `limit` largest counts, in the order `counts` has them (time order for dates)."""
    kept = set(sorted(counts, key=counts.__getitem__, reverse=True)[:limit])  # stable on ties
    return [(value, count) for value, count in counts.items() if value in kept]


def _active_filters(query, asked: SearchRequest) -> list[tuple[str, str]]:
    """Each filter in force, and the link that drops it."""
    active = [
        (
            name,
            pages.url_with(
                "/", query, speaker=[other for other in asked.speakers if other != name]
            ),
        )
        for name in asked.speakers
    ]
    if asked.since or asked.until:
        dates = f"{asked.since or '…'} to {asked.until or '…'}"
        active.append((dates, pages.url_with("/", query, since=None, until=None)))
    return active


def _paging(query, asked: SearchRequest, result: SearchResult, path: str = "/") -> dict:
    """Links to the pages around this one; with a lower-bound total (`total_relation`
    "gte") the last page is a lower bound too, and there may be a next page beyond it."""
    last_page = max(1, -(-result.total // asked.limit))
    more = result.total_relation == "gte"
    return {
        "page": asked.page,
        "pages": last_page,
        "more": more,
        "previous": (
            pages.url_with(path, query, page=str(asked.page - 1)) if asked.page > 1 else None
        ),
        "next": (
            pages.url_with(path, query, page=str(asked.page + 1))
            if asked.page < last_page or more
            else None
        ),
    }
