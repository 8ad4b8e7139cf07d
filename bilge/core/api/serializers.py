from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bilge.api.serializers import BilgeModelSerializer, ModelSerializer
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


class InstitutionSerializer(BilgeModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "slug", "name", "kind", "detsis_code", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["archived_at", "created_at", "updated_at"]


class UnitSerializer(BilgeModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "institution", "parent", "code", "name", "kind", "is_it", "manager", "email", "phone",
                  "regulation_ref", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["archived_at", "created_at", "updated_at"]


class PositionSerializer(BilgeModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "institution", "name", "is_manager", "archived_at"]
        read_only_fields = ["archived_at"]


class PersonSerializer(BilgeModelSerializer):
    tc_kimlik = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=11,
                                      help_text=_("Write only. Read it in full through /people/{id}/tc_kimlik/ "
                                                  "(each read is recorded)."))
    tc_kimlik_masked = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "institution", "registration_no", "first_name", "last_name", "full_name", "title", "unit",
                  "position", "email", "phone", "employment_type", "start_date", "end_date", "tc_kimlik",
                  "tc_kimlik_masked", "user", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["user", "archived_at", "created_at", "updated_at"]


class DelegationSerializer(BilgeModelSerializer):
    class Meta:
        model = Delegation
        fields = ["id", "principal", "delegate", "kind", "start_date", "end_date", "reason", "decision", "archived_at"]
        read_only_fields = ["archived_at"]


class RegulationSerializer(BilgeModelSerializer):
    class Meta:
        model = Regulation
        fields = ["id", "institution", "title", "kind", "date", "decision", "preset"]


class DutySerializer(BilgeModelSerializer):
    class Meta:
        model = Duty
        fields = ["id", "regulation", "ref", "position_in_text", "unit", "position", "text", "modules", "is_software",
                  "not_software_reason"]


class RoleSerializer(BilgeModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "name", "description", "grants", "is_builtin"]
        read_only_fields = ["is_builtin"]


class RoleAssignmentSerializer(BilgeModelSerializer):
    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "scope", "unit", "institution"]


class AuditEntrySerializer(ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["id", "timestamp", "actor", "actor_label", "on_behalf_of", "on_behalf_of_label", "ip", "source",
                  "request_id", "action", "object_type", "object_id", "object_repr", "changes", "prev_hash", "hash"]


# --- business calendar ---------------------------------------------------------------------------

from bilge.core.models import CalendarDay, WorkingCalendar  # noqa: E402


class WorkingCalendarSerializer(BilgeModelSerializer):
    class Meta:
        model = WorkingCalendar
        fields = ["id", "institution", "name", "is_default", "periods", "time_zone", "half_day_ends_at",
                  "use_official_holidays", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["archived_at", "created_at", "updated_at"]
        # The one-default and unique-name rules are checked by the model's clean(), with clearer messages.
        validators = []


class CalendarDaySerializer(BilgeModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "calendar", "date", "kind", "name", "description", "archived_at", "created_at", "updated_at"]
        read_only_fields = ["archived_at", "created_at", "updated_at"]
        validators = []
