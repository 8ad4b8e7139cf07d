"""Database-level guarantees that do not fit model definitions:

* the audit trail is append-only: triggers refuse UPDATE and DELETE (SQLite and PostgreSQL);
* PostgreSQL: trigram indexes for Turkish free-text search, Turkish-collation indexes for sorting.
"""

from django.db import migrations, transaction

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit trail is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()""",
    """CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only()""",
]
POSTGRES_INDEXES = [
    # The default person list: current people of an institution in Turkish alphabetical order.
    'CREATE INDEX IF NOT EXISTS person_name_tr ON core_person (institution_id, last_name COLLATE "tr-TR-x-icu", '
    'first_name COLLATE "tr-TR-x-icu", id) WHERE archived_at IS NULL',
    'CREATE INDEX IF NOT EXISTS unit_name_tr ON core_unit (name COLLATE "tr-TR-x-icu", id)',
]
POSTGRES_TRGM = [
    "CREATE INDEX IF NOT EXISTS person_search_trgm ON core_person USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS unit_search_trgm ON core_unit USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS duty_search_trgm ON core_duty USING gin (search_text gin_trgm_ops)",
]


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS:
                cursor.execute(sql)
        elif conn.vendor == "postgresql":
            for sql in POSTGRES_TRIGGERS + POSTGRES_INDEXES:
                cursor.execute(sql)
            try:
                with transaction.atomic(using=conn.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception:
                # Without the right to create extensions, search still works (sequential scan);
                # docs/production.md tells the DBA to run CREATE EXTENSION pg_trgm.
                return
            for sql in POSTGRES_TRGM:
                cursor.execute(sql)


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
        elif conn.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry")
            cursor.execute("DROP FUNCTION IF EXISTS core_auditentry_append_only()")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
