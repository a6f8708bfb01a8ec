"""`search serve`'s pages and JSON API through Starlette's test client: every route, every bad
parameter, hostile article text, unknown ids, the time limit, and the index swapped live."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from articles import write_articles
from starlette.datastructures import QueryParams
from starlette.testclient import TestClient
from updating import updates_running

from search.engine.whoosh import WhooshEngine
from search.web import pages
from search.web.app import create_app

PAGES = ("/", "/?q=dredging", "/speakers", "/speakers/Maria%20Okafor", "/verify")


@pytest.fixture(scope="module")
def client(shared_index: Path) -> TestClient:
    return TestClient(create_app(shared_index))


def json_of(client: TestClient, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def cli_json(run, *args: str):
    result = run(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


# Every route answers, and the JSON twins are the command line's JSON.


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_html_under_the_content_security_policy(client: TestClient, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # No inline script or style for the policy to block: every script has a source.
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert "<style" not in response.text and " style=" not in response.text


def test_the_search_page_shows_hits_with_highlights_facets_and_a_timeline(client: TestClient):
    html = client.get("/?q=dredging").text
    assert "<mark>dredging</mark>" in html
    assert 'href="/speakers/Tomas%20Lu"' in html
    assert "/quote/harbour.txt%23q3" in html
    assert 'data-facet="speaker"' in html and 'data-facet="year"' in html
    bar = re.search(r'<a href="([^"]+)" class="bar" data-month="2024-03">', html)
    assert bar and "since=2024-03-01" in bar.group(1) and "until=2024-03-31" in bar.group(1)
    assert "3 hits" in html


def test_a_speaker_facet_narrows_the_hits_to_that_speaker(client: TestClient):
    html = client.get("/?q=dredging").text
    link = re.search(r'<a href="(/\?[^"]*speaker=Tomas\+Lu[^"]*)">Tomas Lu</a>', html)
    assert link
    narrowed = client.get(link.group(1).replace("&amp;", "&")).text
    assert "1 hit" in narrowed and "Maria Okafor" not in narrowed.split('class="facets"')[0]


def test_the_timeline_keeps_a_place_for_months_without_hits_and_each_bar_narrows_to_its_month():
    timeline = pages.timeline("/", QueryParams("q=x&page=3"), {"2023-11": 2, "2024-02": 4})
    assert timeline is not None
    first, last = timeline.bars
    assert (first.month, last.month) == ("2023-11", "2024-02")
    assert (first.x, last.x) == (0, 3 * pages.TIMELINE_MONTH)  # December and January between
    assert (timeline.first, timeline.last) == ("2023-11", "2024-10")  # twelve months at least
    assert (first.height, last.height) == (pages.TIMELINE_HEIGHT // 2, pages.TIMELINE_HEIGHT)
    assert first.href == "/?q=x&since=2023-11-01&until=2023-11-30"  # back to the first page
    assert last.href == "/?q=x&since=2024-02-01&until=2024-02-29"


def test_paging_keeps_the_query_and_moves_a_page(client: TestClient):
    html = client.get("/?q=the+harbour+dredging+lighthouse&limit=2").text
    assert "page 1 of" in html
    assert 'rel="next" href="/?q=the+harbour+dredging+lighthouse&amp;limit=2&amp;page=2"' in html
    second = client.get("/?q=the+harbour+dredging+lighthouse&limit=2&page=2").text
    assert 'rel="prev"' in second and "page 2 of" in second


def test_did_you_mean_and_the_closest_speakers_are_links(client: TestClient):
    html = client.get("/?q=dredgign").text
    assert 'Did you mean <a href="/?q=dredging">dredging</a>' in html
    html = client.get("/?q=dredging&speaker=Okafr").text
    assert '<a href="/speakers/Maria%20Okafor">Maria Okafor</a>' in html


def test_the_quote_page_has_the_quotation_paragraph_copies_and_a_citation(client: TestClient):
    html = client.get("/quote/harbour.txt%23q1").text
    assert "The channel is silting faster than any model predicted" in html
    assert "Maria Okafor" in html and "harbour director" in html and "2024-03-14" in html
    assert '<p id="citation">Maria Okafor (harbour director), &#34;The channel is silting' in html
    assert 'data-copy="citation"' in html


def test_the_quote_page_lists_every_copy(tmp_path: Path):
    from articles import COUNCIL, COUNCIL_REPRINT

    corpus = write_articles(tmp_path / "corpus", {"a.txt": COUNCIL, "b.txt": COUNCIL_REPRINT})
    WhooshEngine(tmp_path / "index").update(corpus)
    client = TestClient(create_app(tmp_path / "index"))
    hit = json_of(client, "/api/search?q=lighthouse+part")["hits"][0]
    assert hit["copies"] == 2
    html = client.get("/quote/" + quote(hit["id"], safe="")).text
    assert "Every copy (2)" in html
    assert html.count('<li><a href="/quote/') == 2


def test_the_speaker_pages_list_everyone_and_each_ones_quotes_by_date(client: TestClient):
    html = client.get("/speakers").text
    assert 'href="/speakers/Lucia%20Ferreira"' in html and "4 speakers" in html
    html = client.get("/speakers/Maria%20Okafor").text
    assert html.count('class="hit"') == 2 and 'class="timeline"' in html


def test_the_verify_page_marks_the_differences(client: TestClient):
    html = client.get("/verify?text=The+channel+is+silting+faster+than+every+model+predicted").text
    assert "1 difference" in html
    assert '<del title="given">every</del><ins title="found">any</ins>' in html
    html = client.get("/verify?text=The+channel+is+silting+faster+than+any+computer+model").text
    assert '<del title="given">computer</del> model' in html  # dropped words kept apart


def test_api_search_is_the_command_lines_json(client: TestClient, run):
    api = json_of(client, "/api/search?q=dredging&facet=speaker&facet=month")
    assert api == cli_json(run, "dredging", "--facet", "speaker", "--facet", "month")
    api = json_of(client, "/api/search?q=lighthouse&sort=-date&limit=1&page=2")
    assert api == cli_json(run, "lighthouse", "--sort", "-date", "--limit", "1", "--page", "2")
    api = json_of(client, "/api/search?speaker=lu&since=2024-01-01&until=2024-12-31")
    assert api == cli_json(run, "--speaker", "lu", "--since", "2024-01-01", "--until", "2024-12-31")


def test_api_quotes_speakers_and_verify_are_the_command_lines_json(client: TestClient, run):
    assert json_of(client, "/api/quotes/harbour.txt%23q1") == cli_json(
        run, "show", "harbour.txt#q1"
    )
    assert json_of(client, "/api/speakers") == cli_json(run, "speakers")
    words = "The channel is silting faster than every model predicted"
    api = json_of(client, "/api/verify?text=" + quote(words))
    assert api == cli_json(run, "verify", words)


def test_the_openapi_document_describes_every_json_route(client: TestClient):
    document = json_of(client, "/api/openapi.json")
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/search", "/api/quotes/{id}", "/api/speakers", "/api/verify",
    }  # fmt: skip


# Bad parameters: 400 and one line, as JSON for the API and a page for pages.

BAD = {
    "since=2023-13-01&q=x": "since: '2023-13-01' is not a date: use YYYY-MM-DD",
    "until=yesterday&q=x": "until: 'yesterday' is not a date: use YYYY-MM-DD",
    "since=2024-02-01&until=2024-01-01": "the range ends before it starts",
    "q=x&page=0": "page must be a whole number from 1 to 1000, not '0'",
    "q=x&page=abc": "page must be a whole number",
    "q=x&page=99999999999999999999": "page must be a whole number",
    "q=x&limit=101": "limit must be a whole number from 1 to 100",
    "q=x&sort=sideways": "--sort must be one of relevance, date, -date",
    "q=x&facet=colour": "--facet must be one of speaker, year, month",
    "q=x&include_undated=perhaps": "include_undated must be true or false",
    "q=x&bogus=1": "unknown parameter 'bogus'",
    "q=" + "a" * 1001: "the query is 1001 characters long",
    "q=" + "+".join(["word"] * 101): "the query has 101 words",
    "q=title:[a+to+m]": "ranges compare dates only",
    "q=source:x": "source",
    "q=x&" + "&".join(["speaker=a"] * 11): "at most 10 speakers",
    "q=x&speaker=" + "a" * 1001: "speaker is 1001 characters long",
}


@pytest.mark.parametrize(("parameters", "message"), list(BAD.items()))
def test_a_bad_search_parameter_is_400_with_one_line(client: TestClient, parameters, message):
    error = json_of(client, f"/api/search?{parameters}", 400)["error"]
    assert message in error and "\n" not in error
    page = client.get(f"/?{parameters}")
    assert page.status_code == 400
    assert "Traceback" not in page.text
    assert "Cannot answer that" in page.text


def test_an_empty_search_is_400_over_the_api_and_the_empty_form_on_the_page(client: TestClient):
    assert "empty query" in json_of(client, "/api/search?q=&speaker=", 400)["error"]
    page = client.get("/?q=&speaker=&since=&until=&sort=relevance")
    assert page.status_code == 200 and 'class="intro"' in page.text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/verify", "give the words to verify"),
        ("/api/verify?text=" + "+".join(["w"] * 101), "the text has 101 words"),
        ("/api/verify?text=x&q=y", "unknown parameter 'q'"),
        ("/api/speakers?sort=name", "unknown parameter 'sort'"),
        ("/api/quotes/harbour.txt%23q1?format=text", "unknown parameter 'format'"),
    ],
)
def test_bad_parameters_of_the_other_routes_are_400(client: TestClient, url: str, message: str):
    assert message in json_of(client, url, 400)["error"]


def test_bad_parameters_of_the_speaker_and_verify_pages_are_400_pages(client: TestClient):
    for url in ("/speakers/Maria%20Okafor?since=May", "/verify?text=" + "+".join(["w"] * 101)):
        response = client.get(url)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")


# Unknown ids, speakers and routes: 404.


@pytest.mark.parametrize(
    "url", ["/api/quotes/nothing%23q9", "/api/quotes/..%2F..%2Fetc%2Fpasswd", "/api/nowhere"]
)
def test_unknown_ids_and_routes_are_404_json(client: TestClient, url: str):
    error = json_of(client, url, 404)["error"]
    assert error.startswith(("no document with id", "no such page"))


@pytest.mark.parametrize("url", ["/quote/nothing%23q9", "/nowhere", "/speakers/Nobody%20Atall"])
def test_unknown_ids_speakers_and_routes_are_404_pages(client: TestClient, url: str):
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_an_unknown_speakers_page_names_the_closest(client: TestClient):
    html = client.get("/speakers/Maria%20Okafr").text
    assert '<a href="/speakers/Maria%20Okafor">Maria Okafor</a>' in html


def test_a_static_file_outside_the_package_is_404(client: TestClient):
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/search.js").status_code == 200


# Hostile article text is shown as text.

HOSTILE_TXT = """\
<script>alert("title")</script> Harbour News

PORTMERE, March 14, 2024 — Critics wrote "><img src=x onerror=alert(1)> on the dredging notice and <a href="javascript:alert(2)">a link</a>.

“<script>alert(3)</script> The dredging will not stop,” said Maria Okafor, the harbour director.
"""
HOSTILE_JSONL = json.dumps(
    {
        "title": "Dredging <img src=x onerror=alert(5)>",
        "body": "“The dredging is fine,” said Tomas Lu.",
        "date": "2024-03-15",
        "url": "javascript:alert(4)",
        "source": "<script>alert(6)</script>",
    }
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("hostile")
    corpus = write_articles(
        folder / "corpus", {"hostile.txt": HOSTILE_TXT, "wire.jsonl": HOSTILE_JSONL + "\n"}
    )
    WhooshEngine(folder / "index").update(corpus)
    return TestClient(create_app(folder / "index"))


def hostile_pages(client: TestClient) -> list[str]:
    hits = json_of(client, "/api/search?q=dredging&limit=20")["hits"]
    assert len(hits) >= 3
    urls = ["/?q=dredging", "/?q=notice", "/speakers", "/speakers/Tomas%20Lu"]
    urls += ["/quote/" + quote(hit["id"], safe="") for hit in hits]
    urls.append("/verify?text=" + quote("The dredging will not stop"))
    return [client.get(url).text for url in urls]


def test_hostile_article_text_is_escaped_on_every_page(hostile: TestClient):
    pages = hostile_pages(hostile)
    text = "\n".join(pages)
    assert "&lt;script&gt;alert(" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    for html in pages:
        assert "<script>alert" not in html
        assert "<img" not in html
        assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # only as text between tags


def test_a_javascript_address_is_shown_but_never_a_link(hostile: TestClient):
    hit = next(
        hit
        for hit in json_of(hostile, "/api/search?q=fine")["hits"]
        if hit["source"] == "wire.jsonl:1"
    )
    html = hostile.get("/quote/" + quote(hit["id"], safe="")).text
    assert "javascript:alert(4)" in html
    assert 'href="javascript:' not in html


# Time limit, live index, read only.


def test_a_search_over_the_time_limit_is_refused_in_one_line(shared_index: Path, monkeypatch):
    real_search = WhooshEngine.search

    def slow_search(*args, **kwargs):
        time.sleep(0.5)
        return real_search(*args, **kwargs)

    monkeypatch.setattr(WhooshEngine, "search", slow_search)
    client = TestClient(create_app(shared_index, time_limit=0.1))
    error = json_of(client, "/api/search?q=dredging", 503)["error"]
    assert error.startswith("the search took longer than 0.1 s and was given up")


def test_a_new_generation_answers_the_next_request_without_a_restart(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    client = TestClient(create_app(index))
    assert json_of(client, "/api/search?q=zeppelin")["total"] == 0
    assert "Ada Voss" not in {person["name"] for person in json_of(client, "/api/speakers")}
    (corpus / "airship.txt").write_text(
        "Airship Returns\n\nBRENNA, May 1, 2024 — A zeppelin landed at the harbour.\n\n"
        "“We will fly again,” said Ada Voss, the pilot.\n",
        "utf-8",
    )
    WhooshEngine(index).update(corpus)
    assert json_of(client, "/api/search?q=zeppelin")["total"] == 1
    assert "Ada Voss" in {person["name"] for person in json_of(client, "/api/speakers")}
    assert "Ada Voss" in client.get("/speakers").text
    WhooshEngine(index).update(corpus, rebuild=True)
    assert json_of(client, "/api/search?q=zeppelin")["total"] == 1


def test_no_request_fails_while_updates_and_rebuilds_swap_the_index(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    client = TestClient(create_app(index))
    with updates_running(corpus, index, rebuild_every=2) as swaps:
        statuses = [
            client.get(url).status_code
            for _ in range(40)
            for url in (
                "/api/search?q=lighthouse",
                "/?q=lighthouse",
                "/api/quotes/council.txt%23q1",
            )
        ]
    assert len(swaps) >= 3  # an update and a rebuild at least happened while it answered
    assert set(statuses) == {200}


def test_facets_follow_each_update_of_the_live_index(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)
    client = TestClient(create_app(index))
    url = "/api/search?q=lighthouse+OR+dredging&facet=speaker&facet=month"
    before = json_of(client, url)["facets"]
    assert before["speaker"] == {"Maria Okafor": 1, "Lucia Ferreira": 1, "Tomas Lu": 1}
    (corpus / "keeper.txt").write_text(
        "Keeper Retires\n\nBRENNA, January 9, 2025 — The last keeper left the lighthouse.\n\n"
        "“The lighthouse kept me as much as I kept it,” said Edda Voss, the keeper.\n",
        "utf-8",
    )
    WhooshEngine(index).update(corpus)
    added = json_of(client, url)["facets"]
    assert added["speaker"] == {**before["speaker"], "Edda Voss": 1}
    assert added["month"] == {**before["month"], "2025-01": 2}  # the quotation and its lead
    (corpus / "council.txt").unlink()
    WhooshEngine(index).update(corpus)
    removed = json_of(client, url)["facets"]
    assert removed["speaker"] == {"Edda Voss": 1, "Maria Okafor": 1, "Tomas Lu": 1}
    assert "2023-06" not in removed["month"]


def test_serving_never_writes_to_the_index(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    WhooshEngine(index).update(corpus)

    def files() -> dict[str, tuple[int, int]]:
        return {
            str(path): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in index.rglob("*")
            if path.is_file()
        }

    before = files()
    client = TestClient(create_app(index))
    for url in (*PAGES, "/api/search?q=dredging", "/api/speakers", "/quote/harbour.txt%23q1"):
        client.get(url)
    assert files() == before
