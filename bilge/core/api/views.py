from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from bilge.api.viewsets import ModelViewSet, ReadOnlyModelViewSet
from bilge.core import filters, services
from bilge.core.api import serializers as s
from bilge.core.models import (
    AuditEntry,
    Delegation,
    Duty,
    Institution,
    Person,
    Position,
    Regulation,
    Role,
    RoleAssignment,
    Unit,
)


class InstitutionViewSet(ModelViewSet):
    queryset = Institution.objects.all()
    serializer_class = s.InstitutionSerializer
    filterset_class = filters.InstitutionFilterSet


class UnitViewSet(ModelViewSet):
    queryset = Unit.objects.all()
    serializer_class = s.UnitSerializer
    filterset_class = filters.UnitFilterSet


class PositionViewSet(ModelViewSet):
    queryset = Position.objects.all()
    serializer_class = s.PositionSerializer
    filterset_class = filters.PositionFilterSet


class PersonViewSet(ModelViewSet):
    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    filterset_class = filters.PersonFilterSet
    ordering = ("last_name", "first_name", "pk")

    def get_queryset(self):
        from bilge.core.turkish import collate

        return super().get_queryset().order_by(collate("last_name").asc(), collate("first_name").asc(), "pk")

    @extend_schema(responses=inline_serializer("TcKimlik", {"tc_kimlik": serializers.CharField()}))
    @action(detail=True, methods=["get"], url_path="tc_kimlik")
    def tc_kimlik(self, request, pk=None):
        """The full TC identity number (needs the "personal" right); each read is recorded."""
        person = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            return Response({"tc_kimlik": services.reveal_tc_kimlik(request.user, person)})
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc


    @extend_schema(request=None, responses=inline_serializer(
        "Account", {"username": serializers.CharField(), "password": serializers.CharField()}))
    @action(detail=True, methods=["post"], url_path="account", required_action="view")
    def account(self, request, pk=None):
        """Create the person's sign-in account (needs admin.add); the one-time password is returned once."""
        from django.core.exceptions import ValidationError

        person = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            user, password = services.create_account(person, request.user)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            from rest_framework.exceptions import ValidationError as DRFValidationError

            raise DRFValidationError({"non_field_errors": exc.messages}) from exc
        return Response({"username": user.username, "password": password}, status=201)


class DelegationViewSet(ModelViewSet):
    queryset = Delegation.objects.all()
    serializer_class = s.DelegationSerializer
    filterset_class = filters.DelegationFilterSet


class RegulationViewSet(ReadOnlyModelViewSet):
    queryset = Regulation.objects.all()
    serializer_class = s.RegulationSerializer
    filterset_class = filters.RegulationFilterSet


class DutyViewSet(ReadOnlyModelViewSet):
    queryset = Duty.objects.all()
    serializer_class = s.DutySerializer
    filterset_class = filters.DutyFilterSet
    ordering = ("regulation_id", "position_in_text")


class RoleViewSet(ModelViewSet):
    queryset = Role.objects.all()
    serializer_class = s.RoleSerializer
    filterset_class = filters.RoleFilterSet


class RoleAssignmentViewSet(ModelViewSet):
    queryset = RoleAssignment.objects.all()
    serializer_class = s.RoleAssignmentSerializer
    filterset_class = filters.RoleAssignmentFilterSet


class AuditEntryViewSet(ReadOnlyModelViewSet):
    queryset = AuditEntry.objects.all()
    serializer_class = s.AuditEntrySerializer
    filterset_class = filters.AuditEntryFilterSet
    ordering = ("-id",)


# --- business calendar ---------------------------------------------------------------------------

from bilge.core.models import CalendarDay, WorkingCalendar  # noqa: E402


class WorkingCalendarViewSet(ModelViewSet):
    queryset = WorkingCalendar.objects.all()
    serializer_class = s.WorkingCalendarSerializer
    filterset_class = filters.WorkingCalendarFilterSet


class CalendarDayViewSet(ModelViewSet):
    queryset = CalendarDay.objects.all()
    serializer_class = s.CalendarDaySerializer
    filterset_class = filters.CalendarDayFilterSet
    ordering = ("-date", "pk")
