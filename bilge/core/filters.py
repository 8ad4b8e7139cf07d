import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.core.models import (
    AuditEntry,
    Delegation,
    Duty,
    Institution,
    Person,
    Position,
    Regulation,
    Role,
    RoleAssignment,
    Unit,
)
from bilge.core.permissions import MODULES
from bilge.core.turkish import order_by_turkish


def _units(request):
    if request is None:
        return Unit.objects.none()
    return order_by_turkish(Unit.objects.visible_to(request.user, "view").filter(archived_at__isnull=True), "name")


class InstitutionFilterSet(ArchivableFilterSet):
    class Meta:
        model = Institution
        fields = ["kind"]


class UnitFilterSet(ArchivableFilterSet):
    parent = django_filters.ModelChoiceFilter(queryset=_units, label=_("parent unit"))
    is_it = django_filters.BooleanFilter(label=_("IT unit"))

    class Meta:
        model = Unit
        fields = ["institution", "kind", "is_it", "parent"]


class PositionFilterSet(ArchivableFilterSet):
    class Meta:
        model = Position
        fields = ["institution", "is_manager"]


class PersonFilterSet(ArchivableFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("unit"))
    subunits = django_filters.BooleanFilter(method="filter_subunits", label=_("include sub-units"),
                                            widget=forms.CheckboxInput)

    class Meta:
        model = Person
        fields = ["institution", "unit", "position", "employment_type"]

    def filter_subunits(self, queryset, name, value):
        return queryset  # applied in filter_queryset together with the unit

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        unit = data.get("unit")
        if unit is not None and data.get("subunits"):
            queryset = queryset.filter(unit_id__in=Unit.objects.descendant_ids(unit.pk))
            data["unit"] = None
        return super().filter_queryset(queryset)


class DelegationFilterSet(ArchivableFilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label=_("in force today"))

    class Meta:
        model = Delegation
        fields = ["kind"]

    def filter_active(self, queryset, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        q = dict(start_date__lte=today, end_date__gte=today)
        return queryset.filter(**q) if value else queryset.exclude(**q)


class RegulationFilterSet(ArchivableFilterSet):
    class Meta:
        model = Regulation
        fields = ["institution", "kind"]


class DutyFilterSet(ArchivableFilterSet):
    module = django_filters.ChoiceFilter(method="filter_module", choices=list(MODULES.items()), label=_("module"))
    unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("unit"))

    class Meta:
        model = Duty
        fields = ["regulation", "unit", "is_software"]

    def filter_module(self, queryset, name, value):
        # JSON containment is not portable to SQLite; the module names are plain words.
        return queryset.filter(modules__icontains=f'"{value}"')


class RoleFilterSet(BaseFilterSet):
    class Meta:
        model = Role
        fields = ["is_builtin"]


class RoleAssignmentFilterSet(django_filters.FilterSet):
    class Meta:
        model = RoleAssignment
        fields = ["role", "scope", "user"]


class AuditEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    date_from = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__lte", label=_("until"))

    class Meta:
        model = AuditEntry
        fields = ["action", "object_type", "actor", "source"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(object_repr__icontains=value) | Q(actor_label__icontains=value)
                               | Q(object_id=value.strip()))


# --- business calendar ---------------------------------------------------------------------------

from bilge.core.models import CalendarDay, WorkingCalendar  # noqa: E402


def _calendars(request):
    if request is None:
        return WorkingCalendar.objects.none()
    return order_by_turkish(
        WorkingCalendar.objects.visible_to(request.user, "view").filter(archived_at__isnull=True), "name")


class WorkingCalendarFilterSet(ArchivableFilterSet):
    class Meta:
        model = WorkingCalendar
        fields = ["institution", "is_default", "use_official_holidays"]


class CalendarDayFilterSet(ArchivableFilterSet):
    calendar = django_filters.ModelChoiceFilter(queryset=_calendars, label=_("calendar"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("until"))

    class Meta:
        model = CalendarDay
        fields = ["calendar", "kind", "date_from", "date_to"]
