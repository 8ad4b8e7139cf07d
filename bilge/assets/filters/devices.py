"""Filters of devices, their catalogue and locations (one FilterSet per model: lists, API, export)."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Device, DeviceModel, DeviceType, Location, Manufacturer, TasinirCode
from bilge.core.filtering import ArchivableFilterSet
from bilge.core.models import Person
from bilge.web.widgets import AutocompleteSelect


class TasinirCodeFilterSet(ArchivableFilterSet):
    account = django_filters.ChoiceFilter(method="filter_account", label=_("account"),
                                          choices=[(a, a) for a in ("150", "253", "254", "255")])

    class Meta:
        model = TasinirCode
        fields = ["parent"]

    def filter_account(self, queryset, name, value):
        return queryset.filter(Q(code=value) | Q(code__startswith=f"{value}."))


class DeviceTypeFilterSet(ArchivableFilterSet):
    class Meta:
        model = DeviceType
        fields = ["stores_data", "is_network"]


class ManufacturerFilterSet(ArchivableFilterSet):
    class Meta:
        model = Manufacturer
        fields = []


class DeviceModelFilterSet(ArchivableFilterSet):
    class Meta:
        model = DeviceModel
        fields = ["manufacturer", "device_type"]


class LocationFilterSet(ArchivableFilterSet):
    class Meta:
        model = Location
        fields = ["kind", "unit", "shared", "is_remote", "parent"]


class DeviceFilterSet(ArchivableFilterSet):
    WARRANTY = [("active", _("under warranty")), ("soon", _("warranty ends within 90 days")),
                ("expired", _("warranty ended")), ("none", _("no warranty date"))]

    holder = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("responsible person"),
                                              widget=AutocompleteSelect("assets:custody_people"))
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all(), method="filter_location",
                                                label=_("location (and inside it)"),
                                                widget=AutocompleteSelect("assets:location_autocomplete"))
    warranty = django_filters.ChoiceFilter(method="filter_warranty", label=_("warranty"), choices=WARRANTY)
    model = django_filters.ModelChoiceFilter(queryset=DeviceModel.objects.select_related("manufacturer"),
                                             label=_("model"))

    class Meta:
        model = Device
        fields = ["status", "device_type", "unit", "location", "holder", "model", "approved"]

    def filter_location(self, queryset, name, value):
        return queryset.filter(Q(location=value) | Q(location__path__startswith=f"{value.path} / "))

    def filter_warranty(self, queryset, name, value):
        today = timezone.localdate()
        if value == "active":
            return queryset.filter(warranty_end__gte=today)
        if value == "soon":
            return queryset.filter(warranty_end__gte=today, warranty_end__lte=today + datetime.timedelta(days=90))
        if value == "expired":
            return queryset.filter(warranty_end__lt=today)
        return queryset.filter(warranty_end__isnull=True)
