from django.core.management.base import BaseCommand

from bilge.core.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain; report the first entry that does not match (exit 1)."

    def handle(self, *args, **options):
        result = verify_chain()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK: {result.checked} entries verified. Head hash: {result.head_hash}"))
            return
        self.stderr.write(self.style.ERROR(
            f"BROKEN at entry #{result.first_bad_id}: {result.reason} "
            f"({result.checked} entries before it verified)."))
        raise SystemExit(1)
