"""Django's PostgreSQL backend, with a cheaper check of a kept connection.

Connections are kept between requests (``DATABASE_CONN_MAX_AGE``) and checked before reuse, so a
restarted server or a connection the server closed costs no failed request. Django checks with a
``SELECT 1`` round trip at the start of every request. An idle connection has nothing to read
unless the server ended it (it sends the reason, then closes): a look at the socket (no round
trip) tells, and only then does the ``SELECT 1`` decide."""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable or super().is_usable()
