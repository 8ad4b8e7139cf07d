"""API of custody: Taşınır Teslim Belgeleri are read here and made only through the actions
(hand over, take back, transfer, confirm), which call the same services as the web pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.serializers import ModelSerializer, Serializer, id_field
from bilge.api.viewsets import ReadOnlyModelViewSet
from bilge.assets.filters.custody import CustodyFilterSet
from bilge.assets.models import Custody, Device, Location, Warehouse
from bilge.assets.services import custody as services


class CustodyLineSerializer(Serializer):
    device = serializers.IntegerField(source="device_id")
    sicil_no = serializers.CharField(source="device.sicil_no")


class CustodySerializer(ModelSerializer):
    lines = CustodyLineSerializer(many=True, read_only=True)

    class Meta:
        model = Custody
        fields = ["id", "number", "institution", "kind", "date", "giver", "receiver", "room", "unit", "warehouse",
                  "note", "created_by", "confirmed_at", "confirmed_by", "lines", "created_at"]
        read_only_fields = fields


class ActSerializer(Serializer):
    devices = serializers.ListField(child=id_field(), min_length=1, max_length=500, help_text="Device ids.")
    receiver = id_field(required=False, help_text="handover (or room), transfer: the person's id.")
    room = id_field(required=False, help_text="handover: a shared room's id instead of a person.")
    warehouse = id_field(required=False, help_text="take-back: the warehouse they return to.")
    date = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CustodyViewSet(ReadOnlyModelViewSet):
    queryset = Custody.objects.all()
    serializer_class = CustodySerializer
    filterset_class = CustodyFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        from django.db.models import Q

        from bilge.core.permissions import person_of

        qs = super().get_queryset()
        person = person_of(self.request.user)
        if person is not None:
            qs = (qs | Custody.objects.filter(Q(giver=person) | Q(receiver=person))).order_by(*self.ordering)
        return qs.prefetch_related("lines__device")

    def _act(self, request, kind):
        data = ActSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        devices = list(Device.objects.visible_to(user, "change").filter(pk__in=v["devices"]))
        if len(devices) != len(set(v["devices"])):
            return Response({"devices": ["A chosen device does not exist or is outside your scope."]},
                            status=status.HTTP_400_BAD_REQUEST)
        from bilge.assets.views.custody import custody_people

        people = custody_people(user)
        receiver = get_object_or_404(people, pk=v["receiver"]) if v.get("receiver") else None
        if kind == "handover":
            room = (get_object_or_404(Location.objects.visible_to(user), pk=v["room"]) if v.get("room") else None)
            custody = services.hand_over(user, devices, receiver=receiver, room=room, date=v.get("date"),
                                         note=v["note"])
        elif kind == "return":
            warehouse = (get_object_or_404(Warehouse.objects.visible_to(user), pk=v["warehouse"])
                         if v.get("warehouse") else None)
            custody = services.take_back(user, devices, date=v.get("date"), note=v["note"], warehouse=warehouse)
        else:
            if receiver is None:
                return Response({"receiver": ["Name the person who receives the devices."]},
                                status=status.HTTP_400_BAD_REQUEST)
            custody = services.transfer(user, devices, receiver, date=v.get("date"), note=v["note"])
        return Response(CustodySerializer(custody).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActSerializer, responses={201: CustodySerializer})
    @action(detail=False, methods=["post"], required_action="change")
    def handover(self, request):
        """Hand devices from the warehouse to a person or a shared room."""
        return self._act(request, "handover")

    @extend_schema(request=ActSerializer, responses={201: CustodySerializer})
    @action(detail=False, methods=["post"], url_path="take-back", required_action="change")
    def take_back(self, request):
        """Take devices back into the warehouse."""
        return self._act(request, "return")

    @extend_schema(request=ActSerializer, responses={201: CustodySerializer})
    @action(detail=False, methods=["post"], required_action="change")
    def transfer(self, request):
        """Move devices from their holder to another person."""
        return self._act(request, "transfer")

    @extend_schema(request=None, responses=CustodySerializer)
    @action(detail=True, methods=["post"], required_action="view")
    def confirm(self, request, pk=None):
        """The receiver confirms the document (recorded with the time)."""
        custody = get_object_or_404(self.get_queryset(), pk=pk)
        custody = services.confirm(request.user, custody)
        return Response(CustodySerializer(custody).data)


ROUTES = [("custodies", CustodyViewSet)]
