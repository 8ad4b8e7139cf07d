"""Test helpers shared by every app's tests."""

import os

import pytest


def require(condition: bool, reason: str) -> None:
    """Skip when a service (PostgreSQL, Redis, Chromium) is missing — except in CI
    (BILGE_REQUIRE_SERVICES=1), where a missing service fails the test instead of hiding it."""
    if condition:
        return
    if os.environ.get("BILGE_REQUIRE_SERVICES") or os.environ.get("CI"):
        pytest.fail(f"required for this run but missing: {reason}")
    pytest.skip(reason)
