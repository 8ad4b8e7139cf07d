"""The browser fixtures live in bilge/testing_browser.py (registered by the root conftest)."""

from bilge.testing_browser import PASSWORD  # noqa: F401  (used by the browser tests)
