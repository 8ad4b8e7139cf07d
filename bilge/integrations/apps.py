from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "bilge.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from bilge.core import configcache
        from bilge.core.events import event
        from bilge.integrations.models import Webhook
        from bilge.integrations.services import on_event

        configcache.register(Webhook)  # read at every event (bilge.integrations.services.matching_webhooks)

        # The outbox row is written by this receiver, inside the transaction of the change.
        event.connect(on_event, dispatch_uid="bilge.integrations.webhooks")
