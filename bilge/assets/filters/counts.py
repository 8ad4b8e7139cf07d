from bilge.assets.models import Count
from bilge.core.filtering import BaseFilterSet


class CountFilterSet(BaseFilterSet):
    class Meta:
        model = Count
        fields = ["state", "year", "warehouse"]
