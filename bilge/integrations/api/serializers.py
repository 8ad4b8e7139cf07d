from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bilge.api.serializers import BilgeModelSerializer, ModelSerializer, Serializer
from bilge.core.events import EVENTS
from bilge.integrations.models import Webhook, WebhookDelivery


class WebhookSerializer(BilgeModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=list(EVENTS)), allow_empty=False,
                                   max_length=len(EVENTS), help_text=_("The ticket events this webhook is told about."))
    timeout = serializers.IntegerField(min_value=1, max_value=60, allow_null=True, required=False,
                                       help_text=_("Seconds; empty: the installation's default."))
    secret = serializers.CharField(
        write_only=True, required=False, min_length=16, max_length=200, trim_whitespace=False,
        help_text=_("Write only. Omit it to have one generated; the response to the creation shows it once. Read it "
                    "later through /webhooks/{id}/secret/ (needs the right to change the webhook; recorded)."))

    class Meta:
        model = Webhook
        fields = ["id", "institution", "name", "url", "secret", "events", "service", "include_title", "active", "timeout",
                  "delivered_count", "failed_count", "last_status", "last_response_code", "last_attempt_at",
                  "archived_at", "created_at", "updated_at"]
        read_only_fields = ["delivered_count", "failed_count", "last_status", "last_response_code", "last_attempt_at",
                            "archived_at", "created_at", "updated_at"]

    def validate_events(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("An event is listed twice."))
        return [name for name in EVENTS if name in value]


class WebhookDeliverySerializer(ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "webhook", "event", "delivery_id", "ticket_number", "status", "attempts", "next_attempt_at",
                  "response_code", "response_excerpt", "error", "duration_ms", "created_at", "delivered_at",
                  "redelivery_of", "payload"]
        read_only_fields = fields


class SecretSerializer(Serializer):
    secret = serializers.CharField(read_only=True)
