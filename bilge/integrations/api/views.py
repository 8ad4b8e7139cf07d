from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.viewsets import ModelViewSet, ReadOnlyModelViewSet
from bilge.integrations import filters, services
from bilge.integrations.api import serializers as s
from bilge.integrations.models import Webhook, WebhookDelivery


class WebhookViewSet(ModelViewSet):
    """Webhooks. The signing secret is write-only: the response to the creation shows it once;
    ``/secret/`` reveals it (recorded) and ``/rotate_secret/`` replaces it, both for those who may
    change the webhook."""

    queryset = Webhook.objects.all()
    serializer_class = s.WebhookSerializer
    filterset_class = filters.WebhookFilterSet
    select_related = ("institution",)
    ordering = ("name", "pk")

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        webhook = Webhook.objects.get(pk=response.data["id"])
        response.data["secret"] = webhook.secret  # shown once, to the one who created it
        return response

    @extend_schema(request=None, responses=s.SecretSerializer)
    @action(detail=True, methods=["get"], required_action="change")
    def secret(self, request, pk=None):
        """The signing secret (needs the right to change the webhook); each reading is recorded."""
        webhook = get_object_or_404(self.get_queryset(), pk=pk)
        return Response({"secret": services.reveal_secret(request.user, webhook)})

    @extend_schema(request=None, responses=s.SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate_secret", required_action="change")
    def rotate_secret(self, request, pk=None):
        """Replace the signing secret; the new one is returned once."""
        webhook = get_object_or_404(self.get_queryset(), pk=pk)
        return Response({"secret": services.rotate_secret(request.user, webhook)})

    @extend_schema(request=None, responses=s.WebhookDeliverySerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def ping(self, request, pk=None):
        """Send a test call now (tried once); the logged delivery tells how the receiver answered."""
        webhook = get_object_or_404(self.get_queryset(), pk=pk)
        row = services.send_ping(request.user, webhook)
        return Response(s.WebhookDeliverySerializer(row).data)


class WebhookDeliveryViewSet(ReadOnlyModelViewSet):
    """The delivery log (read only), filterable by webhook, status and event."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = s.WebhookDeliverySerializer
    filterset_class = filters.WebhookDeliveryFilterSet
    ordering = ("-id",)

    @extend_schema(request=None, responses={201: s.WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], required_action="change")
    def redeliver(self, request, pk=None):
        """Send a failed or given-up delivery again, as a new delivery."""
        original = get_object_or_404(WebhookDelivery.objects.visible_to(request.user, "view")
                                     .select_related("webhook"), pk=pk)
        row = services.redeliver(request.user, original)
        return Response(s.WebhookDeliverySerializer(row).data, status=status.HTTP_201_CREATED)
