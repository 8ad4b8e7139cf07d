from django.core.management.base import BaseCommand, CommandError

from bilge.core.services import PRESETS, load_preset


class Command(BaseCommand):
    help = "Load an institution's IT units and every duty of its regulation from a preset."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="+",
                            help=f"{', '.join(PRESETS)}, all, or the path of an institution's own preset .yaml file")

    def handle(self, *args, **options):
        names = PRESETS if "all" in options["name"] else options["name"]
        for name in names:
            try:
                result = load_preset(name)
            except (ValueError, KeyError) as exc:
                raise CommandError(str(exc)) from exc
            inst = result.institution
            self.stdout.write(
                f"{name}: {inst.name} — {inst.units.count()} units, "
                f"{sum(r.duties.count() for r in inst.regulations.all())} duties; "
                + (f"created {result.created}, updated {result.updated}" if result.changed else "no changes")
            )
