"""FilterSets of warehouses, stock items, stock levels and movements (the list, the API and the export)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Movement, StockItem, StockLevel, Warehouse
from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.core.turkish import fold


class WarehouseFilterSet(ArchivableFilterSet):
    class Meta:
        model = Warehouse
        fields = ["unit"]


class StockItemFilterSet(ArchivableFilterSet):
    class Meta:
        model = StockItem
        fields = ["kind", "tasinir_code"]


class StockLevelFilterSet(BaseFilterSet):
    below = django_filters.BooleanFilter(method="filter_below", label=_("at or below the reorder level"))
    kind = django_filters.ChoiceFilter(field_name="item__kind", choices=StockItem.Kind.choices, label=_("kind"))

    class Meta:
        model = StockLevel
        fields = ["warehouse", "item", "kind", "below"]

    def search(self, queryset, name, value):
        for word in fold(value).split()[:8]:
            queryset = queryset.filter(item__search_text__contains=word)
        return queryset

    def filter_below(self, queryset, name, value):
        from bilge.assets.services.stock import levels_below_reorder

        if value is None:
            return queryset
        below = levels_below_reorder(queryset).values("pk")
        return queryset.filter(pk__in=below) if value else queryset.exclude(pk__in=below)


class MovementFilterSet(BaseFilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to"))

    class Meta:
        model = Movement
        fields = ["warehouse", "kind", "state", "year", "to_unit", "date_from", "date_to"]
