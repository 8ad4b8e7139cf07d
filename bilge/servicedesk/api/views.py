from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from bilge.api.viewsets import ModelViewSet, ReadOnlyModelViewSet
from bilge.core import configcache
from bilge.core.models import Person
from bilge.core.permissions import can, person_of
from bilge.servicedesk import filters, services
from bilge.servicedesk.api import serializers as s
from bilge.servicedesk.models import Approval, Article, AssignmentRule, RequestType, Service, Ticket


class ServiceViewSet(ModelViewSet):
    queryset = Service.objects.all()
    serializer_class = s.ServiceSerializer
    filterset_class = filters.ServiceFilterSet


class RequestTypeViewSet(ModelViewSet):
    queryset = RequestType.objects.all()
    serializer_class = s.RequestTypeSerializer
    filterset_class = filters.RequestTypeFilterSet


def _requester(user, pk) -> Person:
    """The person a ticket is recorded for, among those ``user`` may see (404 otherwise). Read
    from what the process keeps of people (bilge.core.configcache), the right checked on it."""
    person = configcache.instance(Person, pk, related=("user",))
    if person is None or not can(user, "view", person):
        raise Http404
    return person


class TicketViewSet(ReadOnlyModelViewSet):
    """Tickets. Create with POST (the same rules as the portal); change them only through
    ``/action/`` — every move is checked against the state and the caller's rights."""

    queryset = Ticket.objects.all()
    serializer_class = s.TicketSerializer
    filterset_class = filters.TicketFilterSet
    ordering = ("-id",)
    count_limit = filters.TicketFilterSet.COUNT_LIMIT
    search_count_limit = filters.TicketFilterSet.SEARCH_COUNT_LIMIT

    @extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketSerializer})
    def create(self, request):
        data = s.TicketCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        requester = person_of(request.user) if not v.get("requester") else _requester(request.user, v["requester"])
        if requester is None:
            raise ValidationError({"requester": ["No person is linked to your account."]})
        ticket = services.create_ticket(
            request.user, requester=requester, request_type=v["request_type"], title=v["title"],
            description=v["description"], answers=v["answers"], impact=v.get("impact"),
            urgency=v.get("urgency"), channel=v["channel"], related_devices=v["related_devices"])
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TicketActionSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="action", required_action="view")
    def transition(self, request, pk=None):
        """Move the ticket (assign, start, hold, resolve, close, reopen, cancel) or add a comment or
        work; the state and the caller's rights are checked, and a stale ``version`` gets 409."""
        ticket = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.TicketActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user, version = data.validated_data, request.user, data.validated_data.get("version")
        try:
            services.perform(user, ticket, v["action"], v, version)
        except services.Conflict as exc:
            return Response({"non_field_errors": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        ticket.refresh_from_db()
        return Response(s.TicketSerializer(ticket).data)


    @extend_schema(request=s.TicketBulkSerializer, responses={200: None})
    @action(detail=False, methods=["post"], url_path="bulk", required_action="change")
    def bulk(self, request):
        """One action on many tickets: all of them or none; a refusal names each ticket and why."""
        data = s.TicketBulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            count = services.bulk(request.user, v["ids"], v["action"], v)
        except services.BulkError as exc:
            return Response({"non_field_errors": exc.messages,
                             "failures": [{"ticket": number, "reason": reason} for number, reason in exc.failures]},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"changed": count})


class ApprovalViewSet(ReadOnlyModelViewSet):
    queryset = Approval.objects.all()
    serializer_class = s.ApprovalSerializer
    ordering = ("-id",)

    def get_queryset(self):
        # The caller's own pending approvals (and their principals'), plus what their scope shows.
        pending = services.pending_approvals_for(self.request.user).values("pk")
        visible = super().get_queryset().values("pk")
        return (Approval.objects.filter(pk__in=pending) | Approval.objects.filter(pk__in=visible)) \
            .select_related("ticket").order_by("-id")

    @extend_schema(request=s.DecisionSerializer, responses=s.ApprovalSerializer)
    @action(detail=True, methods=["post"], required_action="view")
    def decide(self, request, pk=None):
        approval = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.decide(request.user, approval, data.validated_data["approve"],
                                   data.validated_data["note"])
        return Response(s.ApprovalSerializer(approval).data)


class AssignmentRuleViewSet(ModelViewSet):
    queryset = AssignmentRule.objects.all()
    serializer_class = s.AssignmentRuleSerializer
    filterset_class = filters.AssignmentRuleFilterSet


class ArticleViewSet(ModelViewSet):
    """Knowledge-base articles: read as the web shows them (IT-only articles for IT staff); every
    change keeps the previous text as a version."""

    queryset = Article.objects.all()
    serializer_class = s.ArticleSerializer
    filterset_class = filters.ArticleFilterSet
    ordering = ("title", "pk")

    def get_queryset(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return services.articles_for(self.request.user).order_by(*self.ordering)
        return super().get_queryset()

    def perform_update(self, serializer):
        services.save_article(self.request.user, serializer.instance, lambda: super(ArticleViewSet, self)
                              .perform_update(serializer))
