"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, against `veil
serve` running as a process on a free loopback port (:mod:`.live`).

An analyst logs in, sees the datasets, asks a DP histogram and sees the answer and the budget
go down; logs out; an auditor logs in and sees the chain verified and the analyst's charge in
the log. An admin sees the users, and a session revoked behind the page's back returns it to
the login form with the API's message. The browser's console must stay free of errors and
Content-Security-Policy violations, and an injected inline script must be refused.

Without Chromium at ``VEIL_TEST_CHROMIUM`` (default ``/usr/bin/chromium``) the tests skip;
in CI (``CI`` set), where ``.ci/run`` installs it, they fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from veil.server.dashboard import CONTENT_SECURITY_POLICY

from .live import PASSWORD, Served, add_user, serving, users_with_a_budget, veil

CHROMIUM = Path(os.environ.get("VEIL_TEST_CHROMIUM", "/usr/bin/chromium"))
QUERY_TIMEOUT_MS = 60_000  # the server's first query opens the table
REFUSED_401 = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, or a skip when it is not installed (a failure in CI, where ``.ci/run``
    installs it: a skip there would hide the dashboard's only browser test). Playwright
    drives the system's binary: its own browser download is never used."""
    if not CHROMIUM.is_file():
        message = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    workspace = tmp_path / "ws"
    add_user(workspace, "ana", "analyst")
    add_user(workspace, "aud", "auditor")
    add_user(workspace, "adm", "admin")
    with serving(workspace, tmp_path / "serve.log") as server:
        yield server


class Console:
    """What the page reported: console errors and warnings (CSP violations among them), and
    uncaught exceptions."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(message.text)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page: Page, user: str, password: str = PASSWORD) -> None:
    page.get_by_label("User").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.e2e
def test_an_analyst_asks_and_an_auditor_verifies(
    served: Served, page: Page, tmp_path: Path
) -> None:
    rows = users_with_a_budget(tmp_path / "ws", tmp_path / "out")
    console = Console(page)
    response = page.goto(served.url)
    assert response is not None and response.headers["content-security-policy"] == (
        CONTENT_SECURITY_POLICY
    )

    log_in(page, "ana")
    expect(page.locator("#who")).to_have_text("ana (analyst)")
    expect(page.locator("#login")).to_be_hidden()
    expect(page.locator("#datasets tr td").first).to_have_text("users")
    budget = page.locator("#budgets tr").first.locator("td")
    expect(budget.nth(0)).to_have_text("users")
    expect(budget.nth(3)).to_have_text("1")  # ε left
    expect(page.locator("#audit-panel")).to_be_hidden()
    expect(page.locator("#users-panel")).to_be_hidden()

    page.get_by_label("Kind").select_option("histogram")
    expect(page.get_by_label("Lower")).to_be_hidden()  # a histogram takes no bounds
    page.get_by_label("Column").fill("gender")
    page.get_by_label("Domain").fill("female, male")
    page.get_by_label("ε").fill("0.5")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#answer-facts")).to_contain_text(
        "discrete laplace", timeout=QUERY_TIMEOUT_MS
    )
    expect(page.locator("#answer-facts")).to_contain_text("ε 0.5, δ 0, ρ 0")
    keys = page.locator("#answer-values tr td:nth-child(1)")
    expect(keys).to_have_text(["female", "male"])
    counts = page.locator("#answer-values tr td:nth-child(2)").all_inner_texts()
    assert abs(sum(int(c) for c in counts) - rows) <= 40  # two discrete Laplace draws, scale 2
    expect(page.locator("#answer-values tr td:nth-child(3)").first).to_have_text(
        re.compile(r"^-?\d+ to \d+$")
    )
    expect(page.locator("#answer-facts")).to_contain_text("ε 0.5, δ 0.000001 on users")
    expect(budget.nth(3)).to_have_text("0.5")  # the budget table went down too
    page.screenshot(path=tmp_path / "analyst.png", full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#datasets-panel")).to_be_hidden()
    expect(page.locator("#answer-values tr")).to_have_count(0)  # nothing of ana's is left

    log_in(page, "aud")
    expect(page.locator("#who")).to_have_text("aud (auditor)")
    expect(page.locator("#audit-verify")).to_have_text(re.compile(r"^Chain verified: \d+ entries"))
    expect(page.locator("#audit-verify")).to_have_class("ok")
    entries = page.locator("#audit-entries tr")
    expect(entries.first.locator("td").nth(3)).to_have_text("login")  # newest first: aud's
    expect(page.locator("#audit-entries")).to_contain_text("budget.charge")
    expect(page.locator("#query-panel")).to_be_hidden()
    expect(page.locator("#datasets tr td").first).to_have_text("users")
    page.screenshot(path=tmp_path / "auditor.png", full_page=True)
    assert console.problems == []

    # The policy holds in the browser: a script injected into the page is refused, and said so.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); }"
    )
    assert page.evaluate("() => window.injected") is None
    assert len(console.problems) == 1 and "Content Security Policy" in console.problems[0]


@pytest.mark.e2e
def test_an_admin_sees_users_until_the_session_is_revoked(
    served: Served, page: Page, tmp_path: Path
) -> None:
    console = Console(page)
    page.goto(served.url)
    log_in(page, "adm", "not the password at all")
    expect(page.get_by_role("alert")).to_have_text("invalid user name or password")
    expect(page.locator("#login")).to_be_visible()

    log_in(page, "adm")
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(page.locator("#users tr td:nth-child(1)")).to_have_text(["adm", "ana", "aud"])
    expect(page.locator("#datasets-panel")).to_be_hidden()  # an admin reads no data
    expect(page.locator("#budgets-panel")).to_be_hidden()

    veil("user", "disable", "adm", "--reason", "e2e", "--workspace", str(tmp_path / "ws"))
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_role("alert")).to_contain_text("invalid, expired or revoked")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#users-panel")).to_be_hidden()
    expect(page.locator("#users tr")).to_have_count(0)
    assert console.problems == [REFUSED_401, REFUSED_401]  # the failed login, the refresh
