"""API of imports: upload a file (multipart: ``kind`` and ``file``), follow the job (state,
progress, every bad row), confirm it after the preview. The same service as the web pages."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from bilge.api.serializers import ModelSerializer, Serializer
from bilge.api.viewsets import ReadOnlyModelViewSet
from bilge.assets import importers
from bilge.assets.models import ImportJob
from bilge.assets.services import imports as service


class ImportJobSerializer(ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "file_name", "state", "total_rows", "processed_rows", "imported_rows", "percent",
                  "errors", "preview", "counts", "created_by", "created_at", "confirmed_by", "confirmed_at",
                  "finished_at"]
        read_only_fields = fields


class UploadSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["devices", "custody", "stock"])
    file = serializers.FileField(help_text="Excel (.xlsx) or CSV.")


class ImportJobViewSet(ReadOnlyModelViewSet):
    """Imports of devices, custody and stock: checked by the worker, every bad row named, all or nothing."""

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    ordering = ("-id",)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={202: ImportJobSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser], required_action="add")
    def upload(self, request):
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["kind"] not in importers.IMPORTERS:
            raise APIValidationError({"kind": ["unknown"]})
        try:
            job = service.start(request.user, data.validated_data["kind"], data.validated_data["file"])
        except ValidationError as exc:
            raise APIValidationError({"file": exc.messages}) from exc
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"], required_action="add")
    def confirm(self, request, pk=None):
        job = self.get_object()
        try:
            service.confirm(request.user, job)
        except ValidationError as exc:
            raise APIValidationError({"state": exc.messages}) from exc
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


ROUTES = [("asset-imports", ImportJobViewSet)]
