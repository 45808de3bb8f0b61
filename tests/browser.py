"""Browser fixtures (loaded with `-p tests.browser`, so every test folder shares one
Chromium per session): Playwright for Python driving Debian's Chromium against the
live server. Tests that use them are marked `browser`.

Without /usr/bin/chromium they are skipped with a notice (`make test` installs it when
it runs as root); under CI (CI=true) a missing browser fails the run instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make to set up data are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def _tasks_run_at_once(settings):
    """No worker runs beside the live server: background tasks (receipts, e-mails) run
    as soon as they are enqueued, in the server's thread. The workers themselves are
    tested in tests/core/test_tasks.py."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = (f"Chromium not found at {CHROMIUM}: browser tests skipped "
                   "(install Debian's 'chromium' package, or run `make test` as root)")
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — under CI a missing browser is an error")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, _tasks_run_at_once):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, _tasks_run_at_once):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
