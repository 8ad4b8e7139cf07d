"""Filters of contracts (one FilterSet: the list, the API and the export)."""

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Contract
from bilge.core.filtering import ArchivableFilterSet
from bilge.core.models import Person
from bilge.web.widgets import AutocompleteSelect

WITHIN = [("7", _("within 7 days")), ("30", _("within 30 days")), ("90", _("within 90 days")),
          ("180", _("within 180 days"))]


def within_days(queryset, field: str, value) -> object:
    """Rows whose ``field`` date falls from today to ``value`` days ahead."""
    today = timezone.localdate()
    return queryset.filter(**{f"{field}__gte": today, f"{field}__lte": today + datetime.timedelta(days=int(value))})


class DeviceFilterMixin:
    """A device named by its sicil no (or its id, for the API): no select of 300,000 devices."""

    def filter_device(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(**{f"{name}__pk": int(value)})
        return queryset.filter(**{f"{name}__sicil_no": value})


class ContractFilterSet(DeviceFilterMixin, ArchivableFilterSet):
    STATES = [("active", _("in force")), ("upcoming", _("not started yet")), ("ended", _("ended"))]

    expires_within = django_filters.ChoiceFilter(method="filter_expires", label=_("ends"), choices=WITHIN)
    state = django_filters.ChoiceFilter(method="filter_state", label=_("state"), choices=STATES)
    devices = django_filters.CharFilter(method="filter_device", label=_("covers the device (sicil no)"))
    responsible = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("followed by"),
                                                   widget=AutocompleteSelect("core:person_autocomplete"))

    class Meta:
        model = Contract
        fields = ["kind", "unit", "responsible"]

    def filter_expires(self, queryset, name, value):
        return within_days(queryset, "end_date", value)

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "active":
            return queryset.filter(start_date__lte=today, end_date__gte=today)
        if value == "upcoming":
            return queryset.filter(start_date__gt=today)
        return queryset.filter(end_date__lt=today)
