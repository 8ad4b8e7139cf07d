from django.core.management.base import BaseCommand, CommandError

from bilge.core.models import Institution
from bilge.servicedesk.catalog_loader import catalog_presets, load_catalog
from bilge.servicedesk.models import RequestType, Service


class Command(BaseCommand):
    help = ("Load the built-in request catalog (IT services and request types, each linked to the duties it "
            "fulfils) into institutions loaded from presets. Loading again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="+",
                            help="the preset name of a loaded institution (denizli, defne, izmir, kocaeli, batman), "
                                 "or all: every loaded institution the catalog knows")
        parser.add_argument("--file", help="a catalog file in the same format instead of the built-in one")

    def handle(self, *args, **options):
        path = options.get("file")
        try:
            names = list(options["name"])
            if "all" in names:
                known = catalog_presets(path)
                names = [name for name in known if Institution.objects.filter(slug=name).exists()]
                if not names:
                    raise CommandError(f"No institution of the presets {', '.join(known)} is loaded; "
                                       f"run bilge load_preset first.")
            for name in names:
                result = load_catalog(name, path)
                self.stdout.write(f"{name}: {self._summary(result.institution)}; " + (
                    f"created {result.created}, updated {result.updated}, archived {result.archived}, "
                    f"removed {result.removed}" if result.changed else "no changes"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _summary(institution) -> str:
        types = RequestType.objects.filter(service__institution=institution, archived_at__isnull=True)
        links = RequestType.duties.through.objects.filter(requesttype__in=types).count()
        services = Service.objects.filter(institution=institution, archived_at__isnull=True).count()
        return f"{institution.name} — {services} services, {types.count()} request types, {links} duty links"
