from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from bilge.core.backup import BackupError, check_compatible, restore_backup, verify_archive
from bilge.core.management.commands.backup import human_size


class Command(BaseCommand):
    help = ("Bring a `bilge backup` archive back into an empty, migrated installation (database and "
            "uploaded files), all or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive (bilge-YYYYmmdd-HHMMSS.tar.gz).")
        parser.add_argument(
            "--force", action="store_true",
            help="Restore although the installation holds data: a safety backup of the current "
                 "contents is written and verified first, then everything is replaced in one transaction.",
        )
        parser.add_argument("--check", action="store_true",
                            help="Only verify the archive (checksums, schema match); change nothing.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="Database alias to restore into (default: %(default)s).")

    def handle(self, *args, **options):
        using = options["database"]
        try:
            if options["check"]:
                manifest = verify_archive(options["path"])
                check_compatible(manifest, using)
                self._describe(manifest)
                self.stdout.write(self.style.SUCCESS(
                    "OK: every member matches its checksum and the schema matches this database."))
                return
            result = restore_backup(options["path"], using=using, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        if result.safety_backup:
            self.stdout.write(f"Safety backup of the previous contents: {result.safety_backup}")
        if result.previous_files:
            self.stdout.write(f"The previous uploaded files were moved to {result.previous_files}; "
                              "delete it when you no longer need it.")
        self._describe(manifest)
        if options["verbosity"] >= 2:
            for label, n in sorted(result.counts.items()):
                self.stdout.write(f"  {label}  {n:,}")
        trail = manifest["audit"]
        if not trail.get("chain_ok", True):
            self.stderr.write(self.style.WARNING(
                f"The audit trail was already broken at entry #{trail.get('first_bad_id')} when the backup "
                "was taken; it is restored exactly as it was."))
        self.stdout.write(self.style.SUCCESS(
            f"Restored {sum(result.counts.values()):,} rows and {result.files:,} uploaded files into the "
            f"{connections[using].vendor} database; audit trail: {result.audit_entries:,} entries"
            + (", chain verified." if trail.get("chain_ok", True) else ".")))

    def _describe(self, manifest):
        media = manifest["media"]
        self.stdout.write(
            f"Archive made by Bilge {manifest.get('bilge_version', '?')} on {manifest.get('created_at', '?')} "
            f"from a {manifest['database']['vendor']} database: {sum(manifest['counts'].values()):,} rows, "
            f"{media['files']:,} uploaded files ({human_size(media['bytes'])}).")
