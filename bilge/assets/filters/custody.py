import django_filters
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Custody
from bilge.core.filtering import BaseFilterSet
from bilge.core.models import Person
from bilge.web.widgets import AutocompleteSelect


class CustodyFilterSet(BaseFilterSet):
    receiver = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("received by"),
                                                widget=AutocompleteSelect("assets:custody_people"))
    unconfirmed = django_filters.BooleanFilter(field_name="confirmed_at", lookup_expr="isnull",
                                               label=_("not confirmed yet"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to"))

    class Meta:
        model = Custody
        fields = ["kind", "unit", "receiver", "room", "warehouse"]
