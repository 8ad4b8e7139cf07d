from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bilge.core.demo import SCALES, demo_users, generate
from bilge.core.services import PRESETS


class Command(BaseCommand):
    help = "Generate a realistic demo institution (a preset plus departments and people with Turkish names)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--preset", choices=PRESETS, default="kocaeli")
        parser.add_argument("--users", action="store_true", help="Also create demo sign-in accounts.")

    def handle(self, *args, **options):
        try:
            result = generate(options["scale"], options["preset"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        state = "created" if result.created else "already present"
        self.stdout.write(f"{result.institution.name}: {result.units} units, {result.people} people ({state}).")
        from django.apps import apps

        if apps.is_installed("bilge.servicedesk"):
            from bilge.servicedesk.catalog_loader import load_catalog

            catalog = load_catalog(result.institution.slug)
            self.stdout.write("Service desk catalog: " + (f"created {catalog.created}" if catalog.changed
                                                          else "already present"))
            from bilge.core.demo import demo_tickets

            tickets = demo_tickets(result.institution, options["scale"], progress=self.stdout.write)
            self.stdout.write(f"Service desk tickets: {tickets.tickets:,} " + (
                f"created in {tickets.seconds:.0f} s ({tickets.method}; {tickets.open:,} in the queues, "
                f"{tickets.approvals:,} approvals, {tickets.comments:,} comments, {tickets.work_logs:,} work logs)"
                if tickets.created else "already present"))
        if apps.is_installed("bilge.assets"):
            from bilge.assets.demo import generate_assets

            assets = generate_assets(result.institution, options["scale"], progress=self.stdout.write)
            self.stdout.write(f"Assets: {assets.devices:,} devices " + (
                f"and {assets.custodies:,} Taşınır Teslim Belgeleri created in {assets.seconds:.0f} s ({assets.method})"
                if assets.created else "already present"))
        if options["users"]:
            path = settings.DATA_DIR / "demo-password.txt"
            if not path.exists():
                from bilge.core.services import random_password

                path.write_text(random_password())
                path.chmod(0o600)
            password = path.read_text().strip()
            for username, label in demo_users(result.institution, password):
                self.stdout.write(f"  demo user {username:15} ({label}) password: {password}")
