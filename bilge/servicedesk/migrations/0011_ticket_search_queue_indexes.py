"""PostgreSQL indexes for the service desk at metropolitan scale (millions of tickets):

* ``ticket_search_trgm``: a trigram index on the Turkish-folded ``search_text``, so free-text
  search (``LIKE '%word%'`` per word, see BaseFilterSet.search) does not read the whole table;
* ``ticket_open_service``: the unfinished tickets of each IT service in id order, a small partial
  index that serves the queue pages (``?service=…&open=true``, newest first) and their counts.

SQLite needs neither (a demo or a small installation). Without the pg_trgm extension (no right
to create it, see core 0002) search still works, by a sequential scan.
"""

from django.db import migrations

FINISHED = "('resolved', 'closed', 'rejected', 'cancelled')"  # Ticket.FINISHED_STATUSES
INDEXES = [
    f"CREATE INDEX IF NOT EXISTS ticket_open_service ON servicedesk_ticket (service_id, id) "
    f"WHERE NOT (status IN {FINISHED})",
]
TRGM = "CREATE INDEX IF NOT EXISTS ticket_search_trgm ON servicedesk_ticket USING gin (search_text gin_trgm_ops)"


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for sql in INDEXES:
            cursor.execute(sql)
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            cursor.execute(TRGM)


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS ticket_open_service")
        cursor.execute("DROP INDEX IF EXISTS ticket_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0010_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
