"""API of devices, device types and locations. Devices are registered and changed through the
services (sicil no, MAC normalised, the type's fields checked; status and holder never written
directly: ``/status/`` and the custody API move them)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from bilge.api.serializers import BilgeModelSerializer, Serializer
from bilge.api.viewsets import ModelViewSet
from bilge.assets.filters import devices as filters
from bilge.assets.models import Device, DeviceType, Location
from bilge.assets.services import devices as services
from bilge.core.permissions import person_of


class DeviceTypeSerializer(BilgeModelSerializer):
    class Meta:
        model = DeviceType
        fields = ["id", "code", "name_tr", "name_en", "tasinir_code", "stores_data", "is_network", "fields", "icon",
                  "archived_at"]
        read_only_fields = ["archived_at"]

    def validate_fields(self, value):
        from bilge.servicedesk.forms_schema import validate_schema

        validate_schema(value)
        return value


class LocationSerializer(BilgeModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "institution", "parent", "kind", "name", "code", "path", "unit", "shared", "address",
                  "is_remote", "internet_provider", "internet_speed", "circuit_no", "archived_at"]
        read_only_fields = ["path", "archived_at"]


class DeviceSerializer(BilgeModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "sicil_no", "institution", "tasinir_code", "device_type", "model", "serial", "name", "status",
                  "location", "warehouse", "unit", "holder", "ip_address", "mac_address", "host_name", "approved",
                  "purchase_date", "price", "supplier", "procurement_ref", "invoice_no", "warranty_end",
                  "attributes", "notes", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["sicil_no", "status", "holder", "archived_at", "created_at", "updated_at"]
        extra_kwargs = {"institution": {"required": False}, "tasinir_code": {"required": False}}


class StatusSerializer(Serializer):
    status = serializers.ChoiceField(choices=Device.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeviceTypeViewSet(ModelViewSet):
    queryset = DeviceType.objects.all()
    serializer_class = DeviceTypeSerializer
    filterset_class = filters.DeviceTypeFilterSet
    ordering = ("name_tr", "pk")


class LocationViewSet(ModelViewSet):
    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    filterset_class = filters.LocationFilterSet
    ordering = ("path", "pk")


SORTS = ("id", "sicil_no", "serial", "purchase_date", "warranty_end", "status")


@extend_schema(parameters=[OpenApiParameter(
    "sort", str, enum=[*SORTS, *[f"-{s}" for s in SORTS]],
    description="Order of the list (default: newest first, -id).")])
class DeviceViewSet(ModelViewSet):
    """Devices, filtered by unit, type, status, location, holder, warranty; sorted by ``sort``."""

    queryset = Device.objects.all()
    serializer_class = DeviceSerializer
    filterset_class = filters.DeviceFilterSet
    ordering = ("-id",)
    count_limit = 10_000
    search_count_limit = 1_000

    def get_queryset(self):
        qs = super().get_queryset().defer("search_text")
        sort = self.request.query_params.get("sort", "")
        if sort.lstrip("-") in SORTS:
            qs = qs.order_by(sort, "-id" if sort.startswith("-") else "id")
        return qs

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if not data.get("institution"):
            person = person_of(self.request.user)
            if person is None:
                raise ValidationError({"institution": ["No person is linked to your account: name the institution."]})
            data["institution"] = person.institution
        serializer.instance = services.create_device(self.request.user, Device(**data))

    def perform_update(self, serializer):
        device = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(device, name, value)
        serializer.instance = services.update_device(self.request.user, device)

    def perform_destroy(self, instance):
        from bilge.core.services import archive

        archive(instance, self.request.user, "API")

    @extend_schema(request=StatusSerializer, responses=DeviceSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def status(self, request, pk=None):
        """Move the device to another status (the graph and custody are checked; never "disposed")."""
        device = get_object_or_404(self.get_queryset(), pk=pk)
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.set_status(request.user, device, data.validated_data["status"],
                                     data.validated_data["note"])
        return Response(DeviceSerializer(device, context={"request": request}).data)


ROUTES = [
    ("devices", DeviceViewSet),
    ("device-types", DeviceTypeViewSet),
    ("locations", LocationViewSet),
]
