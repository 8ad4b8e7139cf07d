"""API of contracts: list/read/write with the covered devices (ids), and ``support`` — whom to
call about a device (its active contracts and warranty)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.serializers import BilgeModelSerializer, Serializer
from bilge.api.viewsets import ModelViewSet
from bilge.assets.filters.contracts import ContractFilterSet
from bilge.assets.models import Contract, Device
from bilge.assets.services import contracts as services


class InstitutionDefaultMixin:
    """The institution is the caller's own unless named (staff may not see the institution record
    itself: their rights are over its inventory)."""

    def get_fields(self):
        from bilge.core.models import Institution
        from bilge.core.permissions import person_of

        fields = super().get_fields()
        field = fields.get("institution")
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if field is not None and user is not None:
            field.required = False
            if not user.is_superuser:
                person = person_of(user)
                field.queryset = Institution.objects.filter(pk=person.institution_id if person else None)
        return fields

    def validate(self, attrs):
        from bilge.core.permissions import person_of

        if "institution" in self.fields and not attrs.get("institution") and self.instance is None:
            request = self.context.get("request")
            person = person_of(getattr(request, "user", None))
            if person is None:
                raise serializers.ValidationError({"institution": [_("Name the institution.")]})
            attrs["institution"] = person.institution
        return super().validate(attrs)


class ContractSerializer(InstitutionDefaultMixin, BilgeModelSerializer):
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = ["id", "institution", "number", "title", "kind", "vendor", "vendor_phone", "vendor_email",
                  "start_date", "end_date", "days_left", "response_terms", "cost", "procurement_ref", "unit",
                  "responsible", "devices", "notes", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["archived_at", "created_at", "updated_at"]

    def get_days_left(self, obj) -> int | None:
        return obj.days_left()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        institution = attrs.get("institution") or getattr(self.instance, "institution", None)
        foreign = [d.sicil_no for d in attrs.get("devices", []) if institution and d.institution_id != institution.pk]
        if foreign:
            raise serializers.ValidationError({"devices": [_("These devices belong to another institution: %(list)s")
                                                           % {"list": ", ".join(foreign[:20])}]})
        return attrs


class SupportSerializer(Serializer):
    vendor = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    terms = serializers.CharField()
    end_date = serializers.DateField()
    contract = serializers.IntegerField(source="contract.pk", allow_null=True, default=None)
    contract_number = serializers.CharField()
    is_warranty = serializers.BooleanField()


class ContractViewSet(ModelViewSet):
    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering = ("end_date", "pk")

    def get_queryset(self):
        return super().get_queryset().prefetch_related("devices")

    @extend_schema(parameters=[OpenApiParameter("device", int, required=True, description="The device's id.")],
                   responses=SupportSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="support", required_action="view")
    def support(self, request):
        """Whom to call about a device today: its active contracts (vendor, phone, terms), then its warranty."""
        raw = request.query_params.get("device", "")
        if not raw.isdigit():
            raise serializers.ValidationError({"device": [_("Give the device's id.")]})
        device = get_object_or_404(Device.objects.visible_to(request.user, "view")
                                   .select_related("model__manufacturer"), pk=int(raw))
        return Response(SupportSerializer(services.support_for(device), many=True).data)


ROUTES = [("contracts", ContractViewSet)]
