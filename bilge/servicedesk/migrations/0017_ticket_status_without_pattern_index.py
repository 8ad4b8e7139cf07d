"""PostgreSQL's pattern index of the ticket's status (``varchar_pattern_ops``, made by Django for
``LIKE`` on an indexed text field) served nothing — a status is matched whole — and was written
with every ticket. Only that index is dropped; the status index stays."""

from django.db import migrations

LIKE = "servicedesk_ticket_status_d6da7a07_like"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{LIKE}" ON "servicedesk_ticket" ("status" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("servicedesk", "0016_ticket_keys_without_single_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
