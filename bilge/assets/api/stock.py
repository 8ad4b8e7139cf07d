"""API of warehouses and stock: warehouses and stock items (read and write, the same rules as the
forms: the model's clean() refuses one person as both officers), stock levels (read), Varlık İşlem
Fişleri (read; POST ``receive``, ``issue``, ``<id>/accept``, ``<id>/cancel`` through the services,
with the same refusals as the web pages)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.serializers import BilgeModelSerializer, ModelSerializer, Serializer, VisibleRelatedMixin
from bilge.api.viewsets import ModelViewSet, ReadOnlyModelViewSet
from bilge.assets.filters import stock as filters
from bilge.assets.models import Device, DeviceModel, Movement, MovementLine, StockItem, StockLevel, Warehouse
from bilge.assets.services import stock as services
from bilge.core.models import Person, Unit
from bilge.servicedesk.models import Ticket


class WarehouseSerializer(BilgeModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "institution", "code", "name", "unit", "location", "kayit_officer", "kontrol_officer",
                  "archived_at"]
        read_only_fields = ["archived_at"]

    def validate(self, attrs):
        if "code" in attrs:
            from bilge.core.turkish import upper

            attrs["code"] = upper(attrs["code"].strip())
        return super().validate(attrs)


class StockItemSerializer(BilgeModelSerializer):
    class Meta:
        model = StockItem
        fields = ["id", "institution", "code", "name", "kind", "tasinir_code", "measure", "reorder_level", "fits",
                  "archived_at"]
        read_only_fields = ["archived_at"]


class StockLevelSerializer(ModelSerializer):
    threshold = serializers.IntegerField(read_only=True)
    below_reorder = serializers.BooleanField(read_only=True)

    class Meta:
        model = StockLevel
        fields = ["id", "warehouse", "item", "quantity", "reorder_level", "threshold", "below_reorder", "alerted_at"]


class MovementLineSerializer(ModelSerializer):
    class Meta:
        model = MovementLine
        fields = ["id", "item", "device", "quantity", "unit_price", "for_device"]


class MovementSerializer(ModelSerializer):
    lines = MovementLineSerializer(many=True, read_only=True)

    class Meta:
        model = Movement
        fields = ["id", "institution", "warehouse", "number", "year", "sequence", "kind", "state", "date",
                  "to_warehouse", "to_unit", "to_person", "ticket", "order_ref", "supplier", "invoice_no",
                  "procurement_ref", "note", "created_by", "accepted_by", "accepted_at", "lines"]


class _Visible(VisibleRelatedMixin, serializers.Serializer):
    """Related records are looked up among those the caller may see."""


class LineInputSerializer(_Visible):
    item = serializers.PrimaryKeyRelatedField(queryset=StockItem.objects.all(), required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                          allow_null=True)
    device = serializers.PrimaryKeyRelatedField(queryset=Device.objects.all(), required=False, allow_null=True)
    for_device = serializers.PrimaryKeyRelatedField(queryset=Device.objects.all(), required=False, allow_null=True)
    device_model = serializers.PrimaryKeyRelatedField(queryset=DeviceModel.objects.all(), required=False,
                                                      allow_null=True, help_text="Receipt only: register a new "
                                                      "device of this model.")
    serial = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def to_line(self, data):
        line = {"item": data.get("item"), "quantity": data.get("quantity", 1), "unit_price": data.get("unit_price"),
                "for_device": data.get("for_device"), "device": data.get("device")}
        model = data.get("device_model")
        if model is not None and line["device"] is None:
            line["device"] = Device(device_type=model.device_type, model=model, serial=data.get("serial", ""))
        return line


class MovementInputSerializer(_Visible):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lines = LineInputSerializer(many=True)

    def lines_for_service(self):
        child = LineInputSerializer()
        return [child.to_line(line) for line in self.validated_data["lines"]]


class ReceiveSerializer(MovementInputSerializer):
    supplier = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    invoice_no = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    procurement_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class IssueSerializer(MovementInputSerializer):
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all(), required=False, allow_null=True,
                                                help_text="The approved hardware or material request.")
    order_ref = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                      help_text="The manager's written order, when there is no approved request.")
    to_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    to_person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)

    def get_fields(self):
        from bilge.assets.forms.stock import counterparts

        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:  # any unit or person of the institution may receive
            fields["to_unit"].queryset, fields["to_person"].queryset = counterparts(user)
        return fields


class CancelSerializer(Serializer):
    reason = serializers.CharField(max_length=500)


class WarehouseViewSet(ModelViewSet):
    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    filterset_class = filters.WarehouseFilterSet
    select_related = ("unit",)


class StockItemViewSet(ModelViewSet):
    queryset = StockItem.objects.all()
    serializer_class = StockItemSerializer
    filterset_class = filters.StockItemFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("fits")


class StockLevelViewSet(ReadOnlyModelViewSet):
    queryset = StockLevel.objects.all()
    serializer_class = StockLevelSerializer
    filterset_class = filters.StockLevelFilterSet
    select_related = ("item",)


class MovementViewSet(ReadOnlyModelViewSet):
    """Varlık İşlem Fişleri. Recorded only through ``receive`` and ``issue`` (and accepted or
    cancelled through their own routes): the same rules as the web pages."""

    queryset = Movement.objects.all()
    serializer_class = MovementSerializer
    filterset_class = filters.MovementFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("lines")

    def _created(self, movement):
        movement = Movement.objects.prefetch_related("lines").get(pk=movement.pk)
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiveSerializer, responses={201: MovementSerializer})
    @action(detail=False, methods=["post"], required_action="add")
    def receive(self, request):
        """A receipt from purchase; it waits for inspection (``accept``) before its stock can be used."""
        data = ReceiveSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        movement = services.receive(request.user, v["warehouse"], data.lines_for_service(), supplier=v["supplier"],
                                    invoice_no=v["invoice_no"], procurement_ref=v["procurement_ref"],
                                    date=v.get("date"), note=v["note"])
        return self._created(movement)

    @extend_schema(request=IssueSerializer, responses={201: MovementSerializer})
    @action(detail=False, methods=["post"], required_action="add")
    def issue(self, request):
        """An issue to a unit or person, only against an approved material request or a written order."""
        data = IssueSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        movement = services.issue(request.user, v["warehouse"], data.lines_for_service(), ticket=v.get("ticket"),
                                  order_ref=v["order_ref"], to_unit=v.get("to_unit"), to_person=v.get("to_person"),
                                  date=v.get("date"), note=v["note"])
        return self._created(movement)

    @extend_schema(request=None, responses=MovementSerializer)
    @action(detail=True, methods=["post"], required_action="view")
    def accept(self, request, pk=None):
        """The inspection: the kontrol officer (or someone with the approve right) accepts a receipt."""
        movement = services.accept(request.user, get_object_or_404(self.get_queryset(), pk=pk))
        return Response(MovementSerializer(Movement.objects.prefetch_related("lines").get(pk=movement.pk)).data)

    @extend_schema(request=CancelSerializer, responses=MovementSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def cancel(self, request, pk=None):
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        movement = services.cancel(request.user, get_object_or_404(self.get_queryset(), pk=pk),
                                   data.validated_data["reason"])
        return Response(MovementSerializer(Movement.objects.prefetch_related("lines").get(pk=movement.pk)).data)


ROUTES = [
    ("warehouses", WarehouseViewSet),
    ("stock-items", StockItemViewSet),
    ("stock-levels", StockLevelViewSet),
    ("movements", MovementViewSet),
]
