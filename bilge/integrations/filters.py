import uuid

import django_filters
from django.utils.translation import gettext_lazy as _

from bilge.core.events import EVENTS
from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.integrations.models import PING, Webhook, WebhookDelivery


def _event_choices():
    return [(PING, _("test ping")), *EVENTS.items()]


class WebhookFilterSet(ArchivableFilterSet):
    class Meta:
        model = Webhook
        fields = ["institution", "service", "active"]


class WebhookDeliveryFilterSet(BaseFilterSet):
    """The delivery log: by webhook, status and event; the search box takes a delivery id or a
    ticket number."""

    event = django_filters.ChoiceFilter(choices=_event_choices, label=_("event"))

    class Meta:
        model = WebhookDelivery
        fields = ["webhook", "status", "event"]

    def search(self, queryset, name, value):
        value = value.strip()
        try:
            return queryset.filter(delivery_id=uuid.UUID(value))
        except ValueError:
            return queryset.filter(ticket_number=value) if value else queryset
