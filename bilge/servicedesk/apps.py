from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "bilge.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self):
        from bilge.core.services import register_duty_work
        from bilge.servicedesk.services import tickets_per_duty

        register_duty_work(tickets_per_duty)
