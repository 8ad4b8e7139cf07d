"""Pages of the organization module: a ModelUI per model, plus the few special views."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views import View

from bilge.core import filters, forms, services, tables
from bilge.core.models import (
    AuditEntry,
    CalendarDay,
    Delegation,
    Duty,
    Institution,
    Person,
    Position,
    Regulation,
    Role,
    RoleAssignment,
    Unit,
    WorkingCalendar,
)
from bilge.core.permissions import MODULES, can, has_module_perm
from bilge.core.turkish import fold, order_by_turkish
from bilge.web.generic import ModelUI


class InstitutionUI(ModelUI):
    model = Institution
    url_prefix = "institutions"
    filterset = filters.InstitutionFilterSet
    form = forms.InstitutionForm
    table = tables.institution_table
    detail_fields = ("name", "slug", "kind", "detsis_code")


class UnitUI(ModelUI):
    model = Unit
    url_prefix = "units"
    filterset = filters.UnitFilterSet
    form = forms.UnitForm
    table = tables.unit_table
    detail_template = "core/unit_detail.html"
    detail_fields = ("institution", "parent", "code", "kind", "is_it", "manager", "email", "phone", "regulation_ref")

    @classmethod
    def detail_context(cls, request, obj):
        duties = obj.duties.filter(archived_at__isnull=True).select_related("regulation").order_by(
            "regulation_id", "position_in_text")
        children = order_by_turkish(obj.children.filter(archived_at__isnull=True), "name")
        people = Person.objects.visible_to(request.user, "view").filter(unit=obj, archived_at__isnull=True)
        return {
            "duties": duties,
            "duty_work": services.duty_work_counts(duties),
            "children": children,
            "people_count": people.count(),
            "ancestors": obj.ancestors() if obj.pk else [],
        }


class PositionUI(ModelUI):
    model = Position
    url_prefix = "positions"
    filterset = filters.PositionFilterSet
    form = forms.PositionForm
    table = tables.position_table
    detail_fields = ("institution", "name", "is_manager")


class PersonUI(ModelUI):
    model = Person
    url_prefix = "people"
    filterset = filters.PersonFilterSet
    form = forms.PersonForm
    table = tables.person_table
    detail_template = "core/person_detail.html"
    detail_fields = ("registration_no", "title", "unit", "position", "email", "phone", "employment_type",
                     "start_date", "end_date", "institution")

    @classmethod
    def detail_context(cls, request, obj):
        return {
            "can_reveal": bool(obj.tc_kimlik) and can(request.user, "personal", obj),
            "can_manage_account": has_module_perm(request.user, "admin", "add" if obj.user_id is None else "change"),
            "delegations": Delegation.objects.visible_to(request.user, "view").filter(
                Q(principal=obj) | Q(delegate=obj)).select_related("principal", "delegate")[:20],
            "panels": services.person_panels(request, obj),
        }


class DelegationUI(ModelUI):
    model = Delegation
    url_prefix = "delegations"
    filterset = filters.DelegationFilterSet
    form = forms.DelegationForm
    table = tables.delegation_table
    detail_fields = ("principal", "delegate", "kind", "start_date", "end_date", "reason", "decision")


class RegulationUI(ModelUI):
    model = Regulation
    url_prefix = "regulations"
    filterset = filters.RegulationFilterSet
    form = None
    table = tables.regulation_table
    detail_template = "core/regulation_detail.html"
    detail_fields = ("institution", "kind", "date", "decision", "preset")

    @classmethod
    def queryset(cls, request, action="view"):
        return super().queryset(request, action).annotate(duty_count=Count("duties"))

    @classmethod
    def detail_context(cls, request, obj):
        duties = obj.duties.filter(archived_at__isnull=True).select_related("unit").order_by("position_in_text")
        return {"duties": duties, "duty_work": services.duty_work_counts(duties)}


class DutyUI(ModelUI):
    model = Duty
    url_prefix = "duties"
    filterset = filters.DutyFilterSet
    form = None
    table = tables.duty_table
    detail_fields = ("regulation", "ref", "unit", "position", "text", "is_software", "not_software_reason")


class RoleUI(ModelUI):
    model = Role
    url_prefix = "roles"
    filterset = filters.RoleFilterSet
    form = forms.RoleForm
    table = tables.role_table
    archivable = False
    detail_template = "core/role_detail.html"
    detail_fields = ("name", "description", "is_builtin")

    @classmethod
    def detail_context(cls, request, obj):
        return {"matrix": services.role_matrix(obj)}


class RoleAssignmentUI(ModelUI):
    model = RoleAssignment
    url_prefix = "assignments"
    filterset = filters.RoleAssignmentFilterSet
    form = forms.RoleAssignmentForm
    table = tables.roleassignment_table
    archivable = False
    detail_fields = ("user", "role", "scope", "unit", "institution")


class AuditEntryUI(ModelUI):
    model = AuditEntry
    url_prefix = "audit"
    filterset = filters.AuditEntryFilterSet
    form = None
    table = tables.auditentry_table
    archivable = False
    detail_template = "core/auditentry_detail.html"

    @classmethod
    def detail_context(cls, request, obj):
        import json

        return {"changes_json": json.dumps(obj.changes, ensure_ascii=False, indent=2)}

    @classmethod
    def urlpatterns(cls):
        # Audit entries have no history of their own.
        return [p for p in super().urlpatterns() if not p.name.endswith("_history")]


UIS = [InstitutionUI, UnitUI, PositionUI, PersonUI, DelegationUI, RegulationUI, DutyUI, RoleUI,
       RoleAssignmentUI, AuditEntryUI]


class PersonAutocomplete(View):
    """Options for the person picker: current people the user may see, best matches first."""

    def get(self, request):
        if not has_module_perm(request.user, "org", "view"):
            raise PermissionDenied
        return person_options(Person.objects.visible_to(request.user, "view").current(), request.GET.get("q", ""))


def person_options(qs, words: str) -> HttpResponse:
    """The <option>s of a person picker: the best 20 matches of the words typed (Turkish-folded)."""
    for word in fold(words).split()[:5]:
        qs = qs.filter(search_text__contains=word)
    people = order_by_turkish(qs.select_related("unit"), "last_name", "first_name")[:20]
    html = format_html_join("", '<option value="{}">{} — {} ({})</option>',
                            ((p.pk, p.full_name, p.unit.name, p.registration_no) for p in people))
    return HttpResponse(html or format_html('<option value="">{}</option>', _("No match")))


class RevealPersonalData(View):
    """Shows a person's full TC identity number to those allowed, and records the view."""

    def post(self, request, pk):
        person = get_object_or_404(Person.objects.visible_to(request.user, "view"), pk=pk)
        try:
            value = services.reveal_tc_kimlik(request.user, person)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        return HttpResponse(f'<code class="fs-6">{value}</code>')


class PersonAccount(View):
    """Create, disable or enable a person's sign-in account (administration rights)."""

    def post(self, request, pk):
        from django.core.exceptions import ValidationError

        person = get_object_or_404(Person.objects.visible_to(request.user, "view"), pk=pk)
        action = request.POST.get("action", "create")
        try:
            if action == "create":
                user, password = services.create_account(person, request.user)
                messages.success(request, _("User account %(username)s created. One-time password: %(password)s — "
                                            "give it to the person; it is not shown again.")
                                 % {"username": user.username, "password": password})
            else:
                services.set_account_active(person, request.user, action == "enable")
                messages.success(request, _("The user account is enabled.") if action == "enable"
                                 else _("The user account is disabled."))
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(person.get_absolute_url())


class DutyCoverage(View):
    """The duty catalog per unit: which duties have recorded work and which have none."""

    def get(self, request):
        if not has_module_perm(request.user, "org", "view"):
            raise PermissionDenied
        duties = Duty.objects.visible_to(request.user, "view").filter(archived_at__isnull=True)
        units = (Unit.objects.visible_to(request.user, "view").filter(duties__in=duties).distinct()
                 .annotate(total=Count("duties", filter=Q(duties__archived_at__isnull=True))))
        rows = order_by_turkish(units.select_related("institution"), "institution__name", "name")
        return render(request, "core/duty_coverage.html", {"units": rows, "modules": MODULES})


class LockedAccounts(View):
    """Administrator view of lockouts, with unlock (recorded in the audit trail)."""

    def _check(self, request):
        if not has_module_perm(request.user, "admin", "change"):
            raise PermissionDenied

    def get(self, request):
        self._check(request)
        return render(request, "core/locked_accounts.html", {"lockouts": services.lockouts()})

    def post(self, request):
        self._check(request)
        services.unlock(request.POST.get("username", ""), request.POST.get("ip", ""))
        messages.success(request, _("Unlocked."))
        return redirect("core:locked_accounts")


# --- business calendar ---------------------------------------------------------------------------



class WorkingCalendarUI(ModelUI):
    model = WorkingCalendar
    url_prefix = "calendars"
    filterset = filters.WorkingCalendarFilterSet
    form = forms.WorkingCalendarForm
    table = tables.workingcalendar_table
    detail_template = "core/workingcalendar_detail.html"
    detail_fields = ("institution", "is_default", "time_zone", "use_official_holidays")

    @classmethod
    def queryset(cls, request, action="view"):
        return super().queryset(request, action).annotate(
            day_count=Count("days", filter=Q(days__archived_at__isnull=True)))

    @classmethod
    def detail_context(cls, request, obj):
        import datetime

        from django.utils import timezone

        from bilge.core import calendar as business_calendar

        days = list(obj.days.filter(archived_at__isnull=True).order_by("-date"))
        upcoming = []
        try:
            value = business_calendar.BusinessCalendar.from_model(obj, days)
        except Exception:  # stored periods that no longer validate: the edit form shows why
            value = None
        if value is not None:
            today = timezone.localdate()
            for info in value.exceptions(today, today + datetime.timedelta(days=365)):
                upcoming.append({"date": info.date, "hours": business_calendar.format_periods(info.periods),
                                 "name": info.name, "institution": info.source == "institution"})
        return {
            "week": obj.weekly_hours(),
            "days": days,
            "upcoming": upcoming,
            "can_add_day": has_module_perm(request.user, "admin", "add") and can(
                request.user, "add", CalendarDay(calendar=obj)),
        }


class CalendarDayUI(ModelUI):
    model = CalendarDay
    url_prefix = "calendar-days"
    filterset = filters.CalendarDayFilterSet
    form = forms.CalendarDayForm
    table = tables.calendarday_table
    detail_fields = ("calendar", "date", "kind", "name", "description")

    @classmethod
    def new_instance(cls, request):
        day = CalendarDay()
        calendar_id = request.GET.get("calendar", "")
        if calendar_id.isdigit():
            calendar = WorkingCalendar.objects.visible_to(request.user, "view").filter(
                pk=int(calendar_id), archived_at__isnull=True).first()
            if calendar is not None:
                day.calendar = calendar
        return day


UIS += [WorkingCalendarUI, CalendarDayUI]
