"""The dashboard through FastAPI's TestClient: the page and its files are served without a
token, with their content types and the security headers (which every API answer carries
too); its files load nothing from elsewhere, hold no inline script or style and never write
HTML; what the script asks of the API exists, and its query form sends only fields the API
takes; and the API answers as before."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
import typing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from veil.server.dashboard import STATIC
from veil.server.queries import QueryBody

from .conftest import ROLE_USERS, error_message, login

ROOT = Path(__file__).parents[2]
HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
TYPES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
APP_JS = (STATIC / "app.js").read_text(encoding="utf-8")
INDEX = (STATIC / "index.html").read_text(encoding="utf-8")
#: ways to put text into a page as markup, or to run text as code
HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")


class _Page(HTMLParser):
    """What a page loads (``src`` and ``href``), and what its Content-Security-Policy would
    block: inline scripts, ``<style>`` elements, ``style`` and ``on…`` attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.blocked: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.loads += [str(found[a]) for a in ("src", "href") if found.get(a)]
        self.blocked += [f"{tag} {a}=" for a, _ in attrs if a == "style" or a.startswith("on")]
        if tag == "style":
            self.blocked.append("<style>")
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append("inline script")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def _security_headers(response: Any) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in HEADERS}


def test_the_page_is_served_without_a_token_with_the_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == TYPES["index.html"]
    assert _security_headers(response) == HEADERS
    assert response.text == INDEX


@pytest.mark.parametrize("name", sorted(TYPES))
def test_each_file_is_served_with_its_type(client: TestClient, name: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == TYPES[name]
    assert _security_headers(response) == HEADERS
    assert response.text == (STATIC / name).read_text(encoding="utf-8")


def test_the_page_loads_its_own_files_only() -> None:
    page = _Page(INDEX)
    assert sorted(page.loads) == ["/static/app.css", "/static/app.js"]
    assert page.blocked == []


def test_the_static_folder_holds_the_served_files_only() -> None:
    assert sorted(p.name for p in STATIC.iterdir()) == sorted(TYPES)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_no_file_loads_from_elsewhere_or_writes_html(name: str) -> None:
    content = (STATIC / name).read_text(encoding="utf-8")
    assert "http://" not in content and "https://" not in content
    assert [sink for sink in HTML_SINKS if sink in content] == []


@pytest.mark.parametrize(
    "path",
    ["/static/nothing.js", "/static/dashboard.py", "/static/..%2Fdashboard.py", "/static/"],
)
def test_other_paths_under_static_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    error_message(response, 404)
    assert _security_headers(response) == HEADERS


def test_every_static_file_is_package_data() -> None:
    """So a wheel ships the dashboard, not only a checkout."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["veil"]
    for path in STATIC.iterdir():
        name = path.relative_to(ROOT / "src" / "veil").as_posix()
        assert any(fnmatch.fnmatch(name, g) for g in globs), f"{name} is not package data"


def test_what_the_script_asks_is_in_the_api(client: TestClient) -> None:
    calls = set(re.findall(r'api\("(GET|POST)", "([^"?]+)', APP_JS))
    assert {path for _, path in calls} == {
        "/auth/login", "/auth/logout", "/auth/me", "/datasets", "/budget", "/query",
        "/audit/verify", "/audit/entries", "/users",
    }  # fmt: skip
    described = client.get("/openapi.json").json()["paths"]
    for method, path in calls:
        assert method.lower() in described.get(path, {}), f"{method} {path} is not in the API"


def _form_fields() -> dict[str, list[str]]:
    """The query form's fields per kind, from ``FIELDS`` in app.js."""
    block = APP_JS[APP_JS.index("const FIELDS = {") : APP_JS.index("};", APP_JS.index("FIELDS"))]
    return {kind: json.loads(names) for kind, names in re.findall(r"(\w+): (\[.*?\])", block)}


def test_the_query_form_sends_only_fields_each_kind_takes() -> None:
    models = {
        typing.get_args(model.model_fields["kind"].annotation)[0]: model
        for model in typing.get_args(typing.get_args(QueryBody)[0])
    }
    fields = _form_fields()
    options = re.findall(r'<option value="(\w+)">', INDEX)
    assert sorted(fields) == sorted(options)
    for kind, names in fields.items():
        assert set(names) <= set(models[kind].model_fields), kind
    inputs = re.findall(r'<label data-field>[^<]*<input name="(\w+)"', INDEX)
    assert sorted(inputs) == sorted({name for names in fields.values() for name in names})


def test_the_api_answers_as_before(client: TestClient) -> None:
    """The dashboard adds no API route, and the API's answers keep their shape."""
    described = client.get("/openapi.json").json()["paths"]
    assert "/" not in described and not any(p.startswith("/static") for p in described)
    assert client.get("/health").json() == {"status": "ok"}
    headers = login(client, ROLE_USERS["analyst"])
    assert client.get("/datasets", headers=headers).json() == []
    assert client.get("/budget", headers=headers).json() == []
    assert "auditor" in error_message(client.get("/audit/verify", headers=headers), 403)
    assert client.post("/auth/logout", headers=headers).status_code == 204
    error_message(client.get("/datasets", headers=headers), 401)
