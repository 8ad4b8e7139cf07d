from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from bilge.core.backup import BackupError, create_backup


def human_size(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


class Command(BaseCommand):
    help = ("Write one consistent archive (tar.gz) of the whole database and the uploaded files, "
            "to restore with `bilge restore`.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o",
            help="Archive file, or an existing directory to write it in. "
                 "Default: $BILGE_DATA_DIR/backups/bilge-YYYYmmdd-HHMMSS.tar.gz",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="Database alias to back up (default: %(default)s).")

    def handle(self, *args, **options):
        try:
            result = create_backup(options["output"], using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in result.skipped_files:
            self.stderr.write(self.style.WARNING(
                f"Skipped {name!r} in the uploaded files: not a regular file (symbolic link or special file)."))
        verbosity = options["verbosity"]
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Backup written: {result.path} ({human_size(result.size)})"))
            counts = {label: n for label, n in sorted(result.counts.items()) if n}
            width = max((len(label) for label in counts), default=0)
            for label, n in counts.items():
                self.stdout.write(f"  {label:<{width}}  {n:>9,}")
            media = result.manifest["media"]
            trail = result.manifest["audit"]
            self.stdout.write(
                f"{result.rows:,} rows in {len(counts)} tables; {media['files']:,} uploaded files "
                f"({human_size(media['bytes'])}); audit trail: {trail['entries']:,} entries"
                + ("." if trail["chain_ok"] else
                   f", BROKEN at entry #{trail['first_bad_id']} (archived as it is)."))
        else:
            self.stdout.write(str(result.path))
