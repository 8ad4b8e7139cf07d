"""The PostgreSQL backend's check of a kept connection (bilge.core.postgresql): no round trip
while the connection is healthy, and a connection the server ended is replaced before use."""

import select
import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_base

from bilge.testing import require


@pytest.mark.django_db
def test_a_kept_connection_is_checked_without_a_query_and_one_the_server_ended_is_replaced(monkeypatch):
    require(connection.vendor == "postgresql", "the backend is PostgreSQL's")
    assert connection.settings_dict["ENGINE"] == "bilge.core.postgresql"
    round_trips = []
    real = django_base.DatabaseWrapper.is_usable
    monkeypatch.setattr(django_base.DatabaseWrapper, "is_usable",
                        lambda self: round_trips.append(1) or real(self))
    kept = connections.create_connection("default")
    try:
        kept.ensure_connection()
        assert kept.health_check_enabled
        assert kept.is_usable() is True
        assert round_trips == [], "a healthy idle connection is checked without SELECT 1"

        pid = kept.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while not select.select([kept.connection.fileno()], [], [], 0.1)[0] and time.monotonic() < deadline:
            pass
        assert kept.is_usable() is False
        assert round_trips == [1], "something to read on an idle connection: the round trip decides"

        kept.health_check_done = False
        kept.close_if_health_check_failed()
        assert kept.connection is None
        with kept.cursor() as cursor:  # a new connection, as at the start of the next request
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        kept.close()
