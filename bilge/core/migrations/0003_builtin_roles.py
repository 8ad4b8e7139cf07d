"""The built-in roles exist from the first migration on, so a fresh installation can assign them."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from bilge.core.audit import audit_context
    from bilge.core.services import BUILTIN_ROLES
    from bilge.core.turkish import fold

    Role = apps.get_model("core", "Role")
    with audit_context(source="migration:core.0003_builtin_roles"):
        for name, (description, grants) in BUILTIN_ROLES.items():
            if not Role.objects.filter(name=name).exists():
                Role.objects.create(name=name, description=description, grants=grants, is_builtin=True,
                                    search_text=fold(f"{name} {description}"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_database_guards")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
