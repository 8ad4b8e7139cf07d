"""API of counts: read here; opened, scanned, recounted and closed only through the actions, which
call the same services as the count screen."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.serializers import ModelSerializer, Serializer, id_field
from bilge.api.viewsets import ReadOnlyModelViewSet
from bilge.assets.filters.counts import CountFilterSet
from bilge.assets.forms.disposal import institution_people
from bilge.assets.models import Count, CountMember, Location, Warehouse
from bilge.assets.services import counts as services
from bilge.core.permissions import person_of


class CountMemberSerializer(Serializer):
    person = serializers.IntegerField(source="person_id")
    is_chair = serializers.BooleanField()


class CountSerializer(ModelSerializer):
    members = CountMemberSerializer(many=True, read_only=True)
    expected = serializers.SerializerMethodField()
    found = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    unexpected = serializers.SerializerMethodField()

    class Meta:
        model = Count
        fields = ["id", "number", "institution", "year", "warehouse", "location", "state", "round", "opened_by",
                  "closed_at", "note", "members", "movements", "expected", "found", "missing", "unexpected",
                  "created_at"]
        read_only_fields = fields

    def _sicils(self, obj, **flt) -> list[str]:
        return list(obj.lines.filter(**flt).order_by("device__sicil_no").values_list("device__sicil_no", flat=True))

    def get_expected(self, obj) -> int:
        return obj.lines.filter(expected=True).count()

    def get_found(self, obj) -> list[str]:
        return self._sicils(obj, expected=True, found=True)

    def get_missing(self, obj) -> list[str]:
        return self._sicils(obj, expected=True, found=False)

    def get_unexpected(self, obj) -> list[str]:
        return self._sicils(obj, expected=False)


class CountBoardMemberSerializer(Serializer):
    person = id_field()
    is_chair = serializers.BooleanField(default=False)


class CountOpenSerializer(Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    warehouse = id_field(required=False)
    location = id_field(required=False)
    members = CountBoardMemberSerializer(many=True, help_text="[{person, is_chair}]: at least three, with the "
                                                         "warehouse's taşınır kayıt yetkilisi.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CountScanSerializer(Serializer):
    code = serializers.CharField(max_length=300, help_text="A sicil no or a label's QR content.")


class CountScanResultSerializer(Serializer):
    result = serializers.ChoiceField(choices=[r.value for r in services.ScanResult])
    device = serializers.IntegerField(allow_null=True)
    sicil_no = serializers.CharField(allow_null=True)


class CountViewSet(ReadOnlyModelViewSet):
    queryset = Count.objects.all()
    serializer_class = CountSerializer
    filterset_class = CountFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        qs = super().get_queryset()
        person = person_of(self.request.user)
        if person is not None:  # board members see the counts they sit on
            mine = CountMember.objects.filter(person=person).values("count_id")
            qs = (qs | Count.objects.filter(pk__in=mine)).order_by(*self.ordering)
        return qs.prefetch_related("members", "movements")

    @extend_schema(request=CountOpenSerializer, responses={201: CountSerializer})
    def create(self, request):
        """Open a count of a warehouse or a place with its board."""
        data = CountOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        warehouse = (get_object_or_404(Warehouse.objects.visible_to(user), pk=v["warehouse"])
                     if v.get("warehouse") else None)
        location = (get_object_or_404(Location.objects.visible_to(user), pk=v["location"])
                    if v.get("location") else None)
        ids = [m["person"] for m in v["members"]]
        people = institution_people(user).in_bulk(ids)
        if len(people) != len(set(ids)):
            return Response({"members": ["A person does not exist or is outside your scope."]},
                            status=status.HTTP_400_BAD_REQUEST)
        count = services.open_count(user, v["year"], warehouse=warehouse, location=location,
                                    members=[(people[m["person"]], m["is_chair"]) for m in v["members"]],
                                    note=v["note"])
        return Response(CountSerializer(count).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CountScanSerializer, responses=CountScanResultSerializer)
    @action(detail=True, methods=["post"], required_action="view")
    def scan(self, request, pk=None):
        """One device seen: ``found``, ``already``, ``unexpected`` (added) or ``unknown`` (nothing written)."""
        count = get_object_or_404(self.get_queryset(), pk=pk)
        data = CountScanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result, device = services.scan(request.user, count, data.validated_data["code"])
        return Response({"result": result.value, "device": device.pk if device else None,
                         "sicil_no": device.sicil_no if device else None})

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"], required_action="view")
    def recount(self, request, pk=None):
        """Another round: the missing devices are looked for again."""
        count = services.recount(request.user, get_object_or_404(self.get_queryset(), pk=pk))
        return Response(CountSerializer(count).data)

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"], required_action="view")
    def close(self, request, pk=None):
        """Close the count; shortages and surpluses are proposed as movements."""
        count = services.close(request.user, get_object_or_404(self.get_queryset(), pk=pk))
        return Response(CountSerializer(count).data)


ROUTES = [("counts", CountViewSet)]
