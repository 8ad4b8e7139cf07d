"""The ``bilge`` console command: Django's management commands (``bilge migrate``, ...).

Writes made by a command are recorded in the audit trail with the source ``command:<name>``."""

import os
import sys


def main(argv=None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bilge.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from bilge.core.audit import audit_context

    name = argv[1] if len(argv) > 1 else "help"
    argv[0] = "bilge"
    with audit_context(source=f"command:{name}"[:60]):
        execute_from_command_line(argv)


if __name__ == "__main__":
    main()
