"""Reaching a Typesense cluster: the nodes and API key a user gives, checked before use, and
every failure of the cluster as one line naming the fix.

The API key comes from the environment alone (`SEARCH_TYPESENSE_API_KEY`): never from a
command-line argument, which other users of the machine can read, nor from a file in the
repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

from search.errors import EngineUnavailable

API_KEY_VARIABLE = "SEARCH_TYPESENSE_API_KEY"
CHECK_SECONDS = 2.0  # for a node to answer the check before use
REQUEST_SECONDS = 10.0  # for one request; a bulk import is cut into batches well under it
# Each request tries the next node when one fails: enough rounds to outlast the ten seconds or
# so a leader election took on this machine, so a search or a batch goes on through it.
RETRIES_PER_NODE = 4
RETRY_SECONDS = 0.5
HEALTHCHECK_SECONDS = 2  # a node that failed is tried again after this


def node_urls(nodes: str | None) -> list[str]:
    """The node URLs of `--nodes` (comma-separated), each checked to be `http(s)://HOST:PORT`."""
    urls = [url.strip().rstrip("/") for url in (nodes or "").split(",") if url.strip()]
    if not urls:
        raise EngineUnavailable(
            "the typesense engine needs its nodes: --nodes http://HOST:8108,… (or SEARCH_NODES)"
        )
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not _has_port(parts):
            raise EngineUnavailable(
                f"cannot read the node {url!r}: write each as http://HOST:PORT (comma-separated)"
            )
    return urls


def _has_port(parts) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False


def api_key() -> str:
    key = os.environ.get(API_KEY_VARIABLE, "")
    if not key:
        raise EngineUnavailable(f"the typesense engine needs its API key in {API_KEY_VARIABLE}")
    return key


def check_nodes(urls: list[str], key: str) -> str:
    """The server version the nodes run, once at least one answers with this key and every
    one answering runs the same version; else an `EngineUnavailable` naming what is wrong."""
    versions: dict[str, str] = {}
    refused: list[str] = []
    for url in urls:
        request = urllib.request.Request(f"{url}/debug", headers={"X-TYPESENSE-API-KEY": key})
        try:
            with urllib.request.urlopen(request, timeout=CHECK_SECONDS) as response:
                versions[url] = str(json.load(response).get("version", "unknown"))
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                refused.append(url)
        except (OSError, ValueError):  # refused, timed out, not Typesense
            continue
    if refused:
        raise EngineUnavailable(
            f"the Typesense node {refused[0]} refuses the API key in {API_KEY_VARIABLE}:"
            " set the cluster's key there"
        )
    if not versions:
        raise EngineUnavailable(
            f"no Typesense node answers at {', '.join(urls)}: start them, or fix --nodes"
            " (SEARCH_NODES)"
        )
    if len(set(versions.values())) > 1:
        shown = ", ".join(f"{url} runs {version}" for url, version in versions.items())
        raise EngineUnavailable(
            f"the Typesense nodes run different versions ({shown}): run one version on all"
        )
    return next(iter(versions.values()))


def client(urls: list[str], key: str):
    """A client that spreads requests over the nodes and fails over to the next one."""
    import typesense

    return typesense.Client(
        {
            "nodes": urls,
            "api_key": key,
            "connection_timeout_seconds": REQUEST_SECONDS,
            "num_retries": RETRIES_PER_NODE * len(urls),
            "retry_interval_seconds": RETRY_SECONDS,
            "healthcheck_interval_seconds": HEALTHCHECK_SECONDS,
            "suppress_deprecation_warnings": True,  # of features newer servers have
        }
    )


@contextlib.contextmanager
def cluster_errors(where: str) -> Iterator[None]:
    """What the cluster fails with, as one line naming it: the client's own errors and the
    network's, after the client has tried every node."""
    from typesense.exceptions import ObjectNotFound, RequestUnauthorized, TypesenseClientError
    from typesense.http_backend import backend_errors

    try:
        yield
    except ObjectNotFound:
        raise EngineUnavailable(
            f"{where} is gone from the Typesense cluster: run `search index`"
        ) from None
    except RequestUnauthorized:
        raise EngineUnavailable(
            f"the Typesense cluster refuses the API key in {API_KEY_VARIABLE}"
        ) from None
    except (TypesenseClientError, OSError, *backend_errors("HTTPError")) as error:
        raise EngineUnavailable(
            f"the Typesense cluster did not answer for {where} ({type(error).__name__}:"
            f" {str(error)[:120] or 'no message'})"
        ) from None
