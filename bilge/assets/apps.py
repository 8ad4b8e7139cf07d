from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "bilge.assets"
    label = "assets"
    verbose_name = _("Assets and custody")

    def ready(self):
        from bilge.assets import signals  # noqa: F401  (person exit / unit change checks)
