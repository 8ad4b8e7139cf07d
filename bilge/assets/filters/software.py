"""Filters of software, licences, their assignments, installations and certificates."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.assets.filters.contracts import WITHIN, DeviceFilterMixin, within_days
from bilge.assets.models import Certificate, Installation, Licence, LicenceAssignment, Software
from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.core.models import Person
from bilge.web.widgets import AutocompleteSelect


def visible(model, *related):
    """Choices of a filter: only the records the user may see (names of other institutions'
    software or licences are not shown in the list)."""

    def choices(request):
        user = getattr(request, "user", None)
        if user is None:
            return model.objects.none()
        qs = model.objects.visible_to(user, "view")
        return qs.select_related(*related) if related else qs

    return choices


def _person_filter(label):
    return django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=label,
                                            widget=AutocompleteSelect("core:person_autocomplete"))


class SoftwareFilterSet(ArchivableFilterSet):
    class Meta:
        model = Software
        fields = ["is_open_source", "approved"]


class LicenceFilterSet(ArchivableFilterSet):
    software = django_filters.ModelChoiceFilter(queryset=visible(Software), label=_("software"))
    expires_within = django_filters.ChoiceFilter(method="filter_expires", label=_("expires"), choices=WITHIN)
    responsible = _person_filter(_("followed by"))

    class Meta:
        model = Licence
        fields = ["software", "kind", "contract", "responsible"]

    def filter_expires(self, queryset, name, value):
        return within_days(queryset, "expiry_date", value)


class LicenceAssignmentFilterSet(DeviceFilterMixin, BaseFilterSet):
    licence = django_filters.ModelChoiceFilter(queryset=visible(Licence, "software"), label=_("licence"))
    person = _person_filter(_("person"))
    device = django_filters.CharFilter(method="filter_device", label=_("device (sicil no)"))

    class Meta:
        model = LicenceAssignment
        fields = ["licence", "person"]

    def search(self, queryset, name, value):
        from bilge.core.turkish import fold

        for word in fold(value).split()[:8]:
            queryset = queryset.filter(licence__search_text__contains=word)
        return queryset


class InstallationFilterSet(DeviceFilterMixin, BaseFilterSet):
    software = django_filters.ModelChoiceFilter(queryset=visible(Software), label=_("software"))
    device = django_filters.CharFilter(method="filter_device", label=_("device (sicil no)"))

    class Meta:
        model = Installation
        fields = ["software", "source"]


class CertificateFilterSet(ArchivableFilterSet):
    STATES = [("valid", _("valid")), ("expired", _("expired")), ("revoked", _("revoked")),
              ("holder_left", _("holder left, not revoked"))]

    expires_within = django_filters.ChoiceFilter(method="filter_expires", label=_("expires"), choices=WITHIN)
    state = django_filters.ChoiceFilter(method="filter_state", label=_("state"), choices=STATES)
    holder = _person_filter(_("holder"))
    responsible = _person_filter(_("followed by"))

    class Meta:
        model = Certificate
        fields = ["kind", "holder", "responsible"]

    def filter_expires(self, queryset, name, value):
        return within_days(queryset.filter(revoked_at__isnull=True), "valid_to", value)

    def filter_state(self, queryset, name, value):
        from bilge.assets.services.software import departed_holders_q

        today = timezone.localdate()
        if value == "valid":
            return queryset.filter(revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today)
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, valid_to__lt=today)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset.filter(Q(revoked_at__isnull=True, valid_to__gte=today) & departed_holders_q(today))
