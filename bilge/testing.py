"""Test helpers shared by every app's tests."""

import os
import socket
from urllib.parse import urlparse

import pytest

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_reachable(url: str = REDIS_TEST_URL) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def require(condition: bool, reason: str) -> None:
    """Skip when a service (PostgreSQL, Redis, Chromium) is missing — except in CI
    (BILGE_REQUIRE_SERVICES=1), where a missing service fails the test instead of hiding it."""
    if condition:
        return
    if os.environ.get("BILGE_REQUIRE_SERVICES") or os.environ.get("CI"):
        pytest.fail(f"required for this run but missing: {reason}")
    pytest.skip(reason)


def subprocess_env(**extra) -> dict:
    """Environment for a child process (a worker, the bilge command) that must use the same
    database as the running test — the test database, not the configured one."""
    from django.db import connection

    env = dict(os.environ)
    # The browser tests switch Django's async-safety check off for the test process; a child is a
    # real program and runs with it on.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{s['NAME']}"
    else:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def empty_audit_trail() -> None:
    """Let a transactional test's flush empty the append-only audit table.

    Django empties the database after a transactional (or live-server) test with ``flush``; the
    audit trail's triggers (core migration 0002) refuse that. Just before the flush, on the
    connection that flushes: PostgreSQL: triggers off for this connection only (Django closes it
    right after the flush); SQLite: empty the table with the delete trigger lifted, then restore it."""
    import importlib

    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        elif connection.vendor == "sqlite":
            guards = importlib.import_module("bilge.core.migrations.0002_database_guards")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
            cursor.execute("DELETE FROM core_auditentry")
            [recreate] = [sql for sql in guards.SQLITE_TRIGGERS if "no_delete" in sql]
            cursor.execute(recreate)
