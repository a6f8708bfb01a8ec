"""The OpenAPI document of the JSON routes, served at `/api/openapi.json`.

Written out rather than generated: the routes are few, and their shapes are the command
line's JSON, which the README documents field by field.
"""

from __future__ import annotations

from search import __version__
from search.engine.request import FACETS, MAX_QUERY_CHARS, SORTS
from search.web.params import MAX_LIMIT, MAX_PAGE, MAX_SPEAKERS


def _parameter(name: str, description: str, schema: dict, *, where: str = "query", **extra) -> dict:
    return {"name": name, "in": where, "description": description, "schema": schema, **extra}


_ERROR = {
    "description": "One line saying what is wrong and how to fix it.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}},
                "required": ["error"],
            }
        }
    },
}


def _operation(summary: str, parameters: list[dict], described: str, *, array=False) -> dict:
    schema = {"type": "array", "items": {"type": "object"}} if array else {"type": "object"}
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": described,
                    "content": {"application/json": {"schema": schema}},
                },
                "400": _ERROR,
                "404": _ERROR,
                "503": _ERROR,
            },
        }
    }


def openapi_document() -> dict:
    text = {"type": "string", "maxLength": MAX_QUERY_CHARS}
    day = {"type": "string", "format": "date"}
    search_parameters = [
        _parameter("q", "The query, in the command line's syntax.", text),
        _parameter(
            "speaker",
            f"Only quotes by this speaker (repeatable, at most {MAX_SPEAKERS}).",
            {"type": "array", "items": text},
            style="form",
            explode=True,
        ),
        _parameter("since", "Said on or after this date.", day),
        _parameter("until", "Said on or before this date.", day),
        _parameter("include_undated", "With since/until, keep undated hits.", {"type": "boolean"}),
        _parameter("sort", "Order of the hits.", {"type": "string", "enum": list(SORTS)}),
        _parameter(
            "facet",
            "Count all hits by this (repeatable).",
            {"type": "array", "items": {"type": "string", "enum": list(FACETS)}},
            style="form",
            explode=True,
        ),
        _parameter(
            "page", "Which page of hits.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
        ),
        _parameter(
            "limit", "Hits a page.", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}
        ),
        _parameter("group", "One hit for a quotation several articles carry.", {"type": "boolean"}),
    ]
    document_id = _parameter(
        "id", "A document id, as hits give it.", {"type": "string"}, where="path", required=True
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "quote-search",
            "version": __version__,
            "description": "Who said what, about what, and when: the `search` command's JSON.",
        },
        "paths": {
            "/api/search": _operation(
                "Ranked hits, as `search --format json`",
                search_parameters,
                "{query, total, total_relation, first, hits, facets?, suggestions?,"
                " undated_left_out?}",
            ),
            "/api/quotes/{id}": _operation(
                "One document in full, as `search show --format json`",
                [document_id],
                "{id, kind, speaker, role, date, quote, paragraph, title, source, …}",
            ),
            "/api/speakers": _operation(
                "Everyone quoted, as `search speakers --format json`",
                [],
                "[{name, roles, aliases, quotes, first_date, last_date}]",
                array=True,
            ),
            "/api/verify": _operation(
                "Exact and near matches of a wording, as `search verify --format json`",
                [_parameter("text", "The words to verify.", text, required=True)],
                "{words, total, occurrences}",
            ),
        },
    }
