"""Browser fixtures shared by every app's browser tests (registered once, by the root conftest):
one Debian Chromium per test session, a fresh context (cookies, storage) per test, sign-in."""

import os

import pytest

from bilge.testing import require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "Bilge-test-2026"  # the password of the users made by the root conftest's fixtures


@pytest.fixture(scope="session")
def browser():
    require(os.path.exists(CHROMIUM), "Debian chromium at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in the test thread, and once the browser has started
    # that loop stays "running" for the rest of the process: Django would then refuse ORM calls from
    # test code with SynchronousOnlyOperation. The calls really are synchronous, so the check is off
    # from here on (child processes get it back: bilge.testing.subprocess_env).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options): a page in a fresh context against the live server. The
    browser asks for Turkish, like the institution's users do."""
    contexts = []

    def factory(**options):
        options = {"locale": "tr-TR", "timezone_id": "Europe/Istanbul", "base_url": live_server.url,
                   "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, user): a session for ``user`` without going through the form (the form has
    its own tests), put into the page's browser context."""
    from django.conf import settings
    from django.test import Client

    def do(page, user):
        client = Client()
        client.force_login(user, backend="bilge.core.auth.UsernameOrEmailBackend")
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                   "url": live_server.url}])
        return page

    return do
