"""API of software, licences (seats assigned through the same rules as the web: never beyond what
was bought), installations and certificates (revocation as an action)."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.serializers import BilgeModelSerializer, ModelSerializer, Serializer, id_field
from bilge.api.viewsets import ModelViewSet
from bilge.assets.api.contracts import InstitutionDefaultMixin
from bilge.assets.filters import software as filters
from bilge.assets.models import Certificate, Device, Installation, Licence, LicenceAssignment, Software
from bilge.assets.services import software as services
from bilge.core.models import Person


class ComplianceSerializer(Serializer):
    owned = serializers.IntegerField(allow_null=True, help_text="Seats owned; null: unlimited (site licence).")
    assigned = serializers.IntegerField()
    installed = serializers.IntegerField()
    free = serializers.IntegerField(allow_null=True)
    shortfall = serializers.IntegerField()
    status = serializers.CharField(help_text="compliant, over, unknown (no installations known) or not_needed.")


class SoftwareSerializer(InstitutionDefaultMixin, BilgeModelSerializer):
    class Meta:
        model = Software
        fields = ["id", "institution", "name", "publisher", "category", "is_open_source", "approved", "notes",
                  "archived_at"]
        read_only_fields = ["archived_at"]


class LicenceSerializer(InstitutionDefaultMixin, BilgeModelSerializer):
    assigned = serializers.IntegerField(source="assigned_count", read_only=True)

    class Meta:
        model = Licence
        fields = ["id", "institution", "software", "kind", "quantity", "assigned", "reference", "start_date",
                  "expiry_date", "supplier", "cost", "contract", "responsible", "archived_at"]
        read_only_fields = ["archived_at"]


class LicenceAssignmentSerializer(ModelSerializer):
    class Meta:
        model = LicenceAssignment
        fields = ["id", "licence", "person", "device", "created_at"]
        read_only_fields = fields


class AssignSerializer(Serializer):
    licence = id_field()
    person = id_field(required=False)
    device = id_field(required=False)


class InstallationSerializer(ModelSerializer):
    class Meta:
        model = Installation
        fields = ["id", "device", "software", "version", "source", "seen_at"]
        read_only_fields = ["seen_at"]


class CertificateSerializer(InstitutionDefaultMixin, BilgeModelSerializer):
    renewable_from = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Certificate
        fields = ["id", "institution", "kind", "subject", "holder", "issuer", "serial", "valid_from", "valid_to",
                  "renewable_from", "device", "responsible", "revoked_at", "revocation_reminded_at", "notes",
                  "archived_at"]
        read_only_fields = ["revoked_at", "revocation_reminded_at", "archived_at"]


class RevokeSerializer(Serializer):
    revoked_at = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class SoftwareViewSet(ModelViewSet):
    queryset = Software.objects.all()
    serializer_class = SoftwareSerializer
    filterset_class = filters.SoftwareFilterSet
    ordering = ("name", "pk")

    @extend_schema(responses=ComplianceSerializer)
    @action(detail=True, methods=["get"], required_action="view")
    def compliance(self, request, pk=None):
        """Seats of the licences in force vs assigned vs installations known."""
        software = get_object_or_404(self.get_queryset(), pk=pk)
        figures = services.software_compliance(Software.objects.filter(pk=software.pk))[software.pk]
        return Response(ComplianceSerializer(figures).data)


class LicenceViewSet(ModelViewSet):
    queryset = Licence.objects.all()
    serializer_class = LicenceSerializer
    filterset_class = filters.LicenceFilterSet
    select_related = ("software",)

    def get_queryset(self):
        return super().get_queryset().annotate(assigned_count=Count("assignments"))

    @extend_schema(responses=ComplianceSerializer)
    @action(detail=True, methods=["get"], required_action="view")
    def compliance(self, request, pk=None):
        licence = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(ComplianceSerializer(services.licence_compliance(licence)).data)


class LicenceAssignmentViewSet(ModelViewSet):
    """Seats: POST assigns (refused beyond the seats bought), DELETE frees the seat. No changes."""

    queryset = LicenceAssignment.objects.all()
    serializer_class = LicenceAssignmentSerializer
    filterset_class = filters.LicenceAssignmentFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ("-id",)

    @extend_schema(request=AssignSerializer, responses={201: LicenceAssignmentSerializer})
    def create(self, request):
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        licence = get_object_or_404(Licence.objects.visible_to(user, "view"), pk=v["licence"])
        person = get_object_or_404(Person.objects.visible_to(user, "view"), pk=v["person"]) if v.get("person") else None
        device = get_object_or_404(Device.objects.visible_to(user, "view"), pk=v["device"]) if v.get("device") else None
        assignment = services.assign_licence(user, licence, person=person, device=device)
        return Response(LicenceAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        assignment = get_object_or_404(LicenceAssignment.objects.visible_to(request.user, "view"), pk=pk)
        services.unassign_licence(request.user, assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InstallationViewSet(ModelViewSet):
    """Software found on devices: POST records (or refreshes) one; DELETE removes it."""

    queryset = Installation.objects.all()
    serializer_class = InstallationSerializer
    filterset_class = filters.InstallationFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request):
        data = InstallationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        device = get_object_or_404(Device.objects.visible_to(user, "view"), pk=v["device"].pk)
        software = get_object_or_404(Software.objects.visible_to(user, "view"), pk=v["software"].pk)
        installation = services.record_installation(user, device, software, v.get("version", ""),
                                                    v.get("source") or "api")
        return Response(InstallationSerializer(installation).data, status=status.HTTP_201_CREATED)


class CertificateViewSet(ModelViewSet):
    queryset = Certificate.objects.all()
    serializer_class = CertificateSerializer
    filterset_class = filters.CertificateFilterSet
    ordering = ("valid_to", "pk")
    select_related = ("holder",)

    @extend_schema(request=RevokeSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def revoke(self, request, pk=None):
        """Record that the certificate was revoked (default: today); its reminders stop."""
        certificate = get_object_or_404(self.get_queryset(), pk=pk)
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        on = data.validated_data.get("revoked_at") or timezone.localdate()
        services.revoke_certificate(request.user, certificate, on, data.validated_data["reason"])
        certificate.refresh_from_db()
        return Response(CertificateSerializer(certificate, context={"request": request}).data)


ROUTES = [
    ("software", SoftwareViewSet),
    ("licences", LicenceViewSet),
    ("licence-assignments", LicenceAssignmentViewSet),
    ("installations", InstallationViewSet),
    ("certificates", CertificateViewSet),
]
