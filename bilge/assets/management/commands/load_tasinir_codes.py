from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Load the Taşınır Kod Listesi shipped with Bilge (accounts 150/253/254/255, IT-relevant levels) or an "
            "institution's own file in the same format. Loading again changes nothing. Check the file against the "
            "official list annexed to the Taşınır Mal Yönetmeliği first.")

    def add_arguments(self, parser):
        parser.add_argument("--file", help="a YAML file in the format of bilge/assets/data/tasinir_codes.yaml")

    def handle(self, *args, **options):
        from bilge.assets.services.devices import load_tasinir_codes

        try:
            created, updated = load_tasinir_codes(options.get("file"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"taşınır codes: {created} created, {updated} updated"
                          if created or updated else "taşınır codes: no changes")
