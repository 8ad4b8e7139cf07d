from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Create the administrator once (password kept in $BILGE_DATA_DIR/admin-password.txt, readable by the "
            "owner only — change it with `bilge changepassword admin` and delete the file) and print it.")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **options):
        User = get_user_model()
        path = settings.DATA_DIR / "admin-password.txt"
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            from bilge.core.services import random_password

            password = random_password()
            user = User(username=username, is_superuser=True, is_staff=True, first_name="Sistem",
                        last_name="Yöneticisi")
            user.set_password(password)
            user.save()
            path.write_text(password)
            path.chmod(0o600)
        password = path.read_text().strip() if path.exists() else "(set earlier; see bilge changepassword)"
        self.stdout.write(f"Administrator: {username}  password: {password}")
