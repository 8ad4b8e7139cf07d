from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "bilge.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self):
        from bilge.core import configcache
        from bilge.core.services import register_duty_work
        from bilge.servicedesk.models import AssignmentRule, RequestType, Service
        from bilge.servicedesk.services import tickets_per_duty

        # Read at every ticket that reaches a queue; whose turn it is changes with every ticket.
        configcache.register(AssignmentRule, bookkeeping=("last_assigned",))
        configcache.register(RequestType, Service)  # the type of every ticket created through the API

        register_duty_work(tickets_per_duty)
