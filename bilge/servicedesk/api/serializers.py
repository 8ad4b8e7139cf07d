from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bilge.api.serializers import (
    BilgeModelSerializer,
    KeptRelatedField,
    ModelSerializer,
    Serializer,
    id_field,
)
from bilge.servicedesk.models import (
    Approval,
    Article,
    AssignmentRule,
    Comment,
    RequestType,
    Service,
    Ticket,
    WorkLog,
)


class ServiceSerializer(BilgeModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "institution", "unit", "code", "name", "chief", "email", "breach_action", "escalation_person",
                  "archived_at"]
        read_only_fields = ["archived_at"]


class RequestTypeSerializer(BilgeModelSerializer):
    class Meta:
        model = RequestType
        fields = ["id", "service", "code", "name_tr", "name_en", "help_tr", "help_en", "kind", "category", "keywords",
                  "form",
                  "approval_chain", "phases", "duties", "default_impact", "default_urgency", "sla",
                  "requires_legal_basis",
                  "archived_at"]
        read_only_fields = ["archived_at"]


class ApprovalSerializer(ModelSerializer):
    class Meta:
        model = Approval
        fields = ["id", "ticket", "step", "label", "approver", "decision", "note", "decided_by", "on_behalf_of",
                  "decided_at"]


class CommentSerializer(ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_internal", "created_at"]


class WorkLogSerializer(ModelSerializer):
    class Meta:
        model = WorkLog
        fields = ["id", "person", "minutes", "note", "work_date"]


class TicketSerializer(ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "number", "institution", "requester", "requester_unit", "created_by", "channel",
                  "request_type", "category", "service", "impact", "urgency", "priority", "status", "assignee", "title",
                  "description", "form_data", "phase", "related_devices", "resolution", "due_response_at",
                  "due_resolution_at", "first_response_at", "resolved_at", "closed_at", "rating", "rating_comment",
                  "rated_at", "merged_into", "version", "created_at", "updated_at"]
        read_only_fields = fields


class TicketCreateSerializer(Serializer):
    request_type = KeptRelatedField(queryset=RequestType.objects.filter(archived_at__isnull=True),
                                    related=("service",))
    requester = serializers.IntegerField(required=False, help_text=_("A person; default: the caller."))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    answers = serializers.DictField(required=False, default=dict, help_text=_("Answers to the type's form, by key."))
    impact = serializers.IntegerField(required=False, min_value=1, max_value=3)
    urgency = serializers.IntegerField(required=False, min_value=1, max_value=3)
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, default=Ticket.Channel.API)
    related_devices = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TicketActionSerializer(Serializer):
    action = serializers.ChoiceField(choices=["assign", "start", "wait_requester", "wait_vendor", "resolve", "close",
                                              "reopen", "cancel", "comment", "worklog", "phase", "categorize",
                                              "rate", "merge",
                                              "link", "unlink", "link_article", "unlink_article"])
    version = serializers.IntegerField(required=False, help_text=_("The version you read; a stale one is refused."))
    assignee = serializers.IntegerField(required=False)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    internal = serializers.BooleanField(required=False, default=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    phase = serializers.CharField(required=False, allow_blank=True, default="")
    rating = serializers.IntegerField(required=False, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    target = serializers.CharField(required=False, allow_blank=True, default="", max_length=20,
                                   help_text=_("merge / link: the other ticket's number (or id)."))
    category = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    link = id_field(required=False, help_text=_("unlink: the link's id."))
    article = id_field(required=False, help_text=_("link_article / unlink_article: the article's id."))


class TicketBulkSerializer(Serializer):
    ids = serializers.ListField(child=id_field(), min_length=1, max_length=500)
    action = serializers.ChoiceField(choices=["assign", "start", "wait_vendor", "resolve", "close", "comment",
                                              "merge"])
    assignee = id_field(required=False)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    internal = serializers.BooleanField(required=False, default=False)
    target = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class DecisionSerializer(Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssignmentRuleSerializer(BilgeModelSerializer):
    class Meta:
        model = AssignmentRule
        fields = ["id", "service", "order", "name", "request_type", "category", "requester_unit", "strategy",
                  "members", "last_assigned", "archived_at"]
        read_only_fields = ["last_assigned", "archived_at"]


class ArticleSerializer(BilgeModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "institution", "owner_unit", "title", "category", "keywords", "visibility", "body",
                  "request_types", "version", "archived_at", "updated_at"]
        read_only_fields = ["version", "archived_at", "updated_at"]
