from bilge.assets.models import Disposal
from bilge.core.filtering import BaseFilterSet


class DisposalFilterSet(BaseFilterSet):
    class Meta:
        model = Disposal
        fields = ["state", "method", "warehouse"]
