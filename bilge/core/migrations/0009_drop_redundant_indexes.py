"""Indexes that every audit entry and notification wrote for nothing: the user of an entry and the
recipient of a notification lead a composite index already (audit_actor, notification_inbox), and
nothing searches audit hashes by their beginning (PostgreSQL's pattern index of ``hash``; the
unique index stays). Only the indexes are dropped (instant), not the fields altered."""

from django.conf import settings
from django.db import migrations, models

INDEXES = {"core_auditentry_actor_id_d8248cee": ("core_auditentry", "actor_id"),
           "core_notification_recipient_id_24a3d95c": ("core_notification", "recipient_id")}
LIKE = "core_auditentry_hash_9676a960_like"


def drop_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def create_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{LIKE}" ON "core_auditentry" ("hash" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0008_notification_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="actor",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                            on_delete=models.deletion.DO_NOTHING, related_name="+",
                                            to=settings.AUTH_USER_MODEL, verbose_name="user"),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(db_index=False, on_delete=models.deletion.CASCADE,
                                            related_name="notifications", to=settings.AUTH_USER_MODEL,
                                            verbose_name="recipient"),
                ),
            ],
            database_operations=[migrations.RunSQL(
                [f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES],
                [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                 for name, (table, column) in INDEXES.items()])],
        ),
        migrations.RunPython(drop_like, create_like),
    ]
