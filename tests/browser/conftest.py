"""Real-browser tests: Playwright for Python driving Debian's Chromium against
pytest-django's live server.

The live server is transactional, so these tests use
``django_db(transaction=True, serialized_rollback=True)``: the roles, pools and
capability categories that migrations load survive each test's flush.
"""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

from tests.browser.helpers import (
    OTP_FIELD,
    OTP_VERIFY_PATH,
    fill_second_factor,
    label_is,
)
from tests.factories import PASSWORD
from tests.procurement.conftest import (  # noqa: F401 (the procurement world)
    bidders,
    contract,
    evaluated,
    tender,
)

CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = (
    f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
    "(apt-get install chromium) to run the browser tests"
)
VIEWPORT = {"width": 1280, "height": 800}
# How long a person waits for a page or an element before the test fails.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for the module's tests; each person gets a context."""
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api")
    with pytest.MonkeyPatch.context() as patch, _one_connection_per_thread():
        # Playwright's sync API keeps its event loop registered as running on
        # this thread, so Django would refuse the test's own ORM calls (building
        # the world, moving a deadline) as "async unsafe". Nothing here is async:
        # those calls are made between browser steps, never inside the loop.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_api.sync_playwright().start()
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        # The rest keep Chromium off the network it would otherwise call home on.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        playwright.stop()


@contextmanager
def _one_connection_per_thread():
    """Django keeps a thread's connections in an asgiref ``Local`` that, while an
    event loop runs on the thread, hands out other connections (one per
    context). With Playwright's loop on this thread, the test would write
    through one connection while pytest-django flushes and restores the
    database through another, and the roles the migrations load would be lost.
    Nothing here is async: keep one set of connections per thread."""
    local = connections._connections
    object.__setattr__(local, "_get_storage", lambda: local._storage)
    try:
        yield
    finally:
        object.__delattr__(local, "_get_storage")


@pytest.fixture
def new_page(chromium, live_server):
    """A fresh browser window (its own cookies) on the live server."""
    contexts = []

    def make():
        # bypass_csp: the app's policy is script-src 'self'; axe-core is
        # injected as an inline script by the tests, never by the app.
        context = chromium.new_context(
            base_url=live_server.url, viewport=VIEWPORT, bypass_csp=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(new_page):
    """Sign the person in on the login page, as they would, typing their second
    factor when the app asks for it. Returns their page."""

    def login(user):
        page = new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label(label_is("Password")).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if OTP_VERIFY_PATH in page.url:
            assert fill_second_factor(page, user), (
                f"{page.url} shows no field labelled “{OTP_FIELD}”"
            )
            page.get_by_role("button", name="Verify").click()
            page.wait_for_load_state()
        assert "/accounts/" not in page.url, (
            f"{user.username} is not signed in at {page.url}: "
            f"{page.locator('main').inner_text()[:500]}"
        )
        return page

    return login
