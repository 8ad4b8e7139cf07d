from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bilge.web.tables import Column, Table

institution_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("kind", _("type"), sort=("kind",)),
        Column("detsis_code", _("DETSİS code"), sort=("detsis_code",)),
    ],
    default_sort=("name",),
)

unit_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("code", _("code"), sort=("code",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("parent", _("parent unit"), accessor="parent.name", sort=("parent__name",)),
        Column("manager", _("manager"), accessor="manager.full_name", sort=("manager__last_name",)),
        Column("is_it", _("IT unit"), sort=("is_it",)),
        Column("institution", _("institution"), accessor="institution.name", sort=("institution__name",),
               default=False),
    ],
    default_sort=("name",),
    select_related=("parent", "manager", "institution"),
)

position_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("is_manager", _("managerial"), sort=("is_manager",)),
        Column("institution", _("institution"), accessor="institution.name", sort=("institution__name",)),
    ],
    default_sort=("name",),
    select_related=("institution",),
)

person_table = Table(
    columns=[
        Column("name", _("full name"), accessor="full_name", sort=("last_name", "first_name"), link=True),
        Column("registration_no", _("registration no"), sort=("registration_no",), turkish=False),
        Column("title", _("title"), sort=("title",)),
        Column("unit", _("unit"), accessor="unit.name", sort=("unit__name",)),
        Column("position", _("position"), accessor="position.name", sort=("position__name",), default=False),
        Column("email", _("e-mail"), sort=("email",), turkish=False),
        Column("phone", _("phone"), default=False),
        Column("employment_type", _("employment type"), sort=("employment_type",), default=False),
        Column("start_date", _("start date"), sort=("start_date",), default=False),
        Column("end_date", _("end date"), sort=("end_date",), default=False),
        Column("tc_kimlik", _("TC identity no"), accessor="tc_kimlik_masked", default=False),
        Column("user", _("user account"), accessor=lambda p: p.user_id is not None, default=False),
    ],
    default_sort=("last_name", "first_name"),
    select_related=("unit", "position"),
)

delegation_table = Table(
    columns=[
        Column("delegate", _("deputy"), accessor="delegate.full_name", sort=("delegate__last_name",), link=True),
        Column("principal", _("on behalf of"), accessor="principal.full_name", sort=("principal__last_name",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("start_date", _("from"), sort=("start_date",)),
        Column("end_date", _("until"), sort=("end_date",)),
        Column("reason", _("reason"), default=False),
    ],
    default_sort=("-start_date",),
    select_related=("delegate", "principal"),
)

regulation_table = Table(
    columns=[
        Column("title", pgettext_lazy("regulation", "title"), sort=("title",), link=True),
        Column("institution", _("institution"), accessor="institution.name", sort=("institution__name",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("date", _("date"), sort=("date",)),
        Column("duty_count", _("duties"), sort=("duty_count",)),
    ],
    default_sort=("title",),
    select_related=("institution",),
)

duty_table = Table(
    columns=[
        Column("ref", _("article"), sort=("position_in_text",), link=True),
        Column("text", _("text"), accessor=lambda d: d.text if len(d.text) < 160 else d.text[:157] + "…",
               export=lambda d: d.text),
        Column("unit", _("unit"), accessor="unit.name", sort=("unit__name",)),
        Column("position", _("position"), sort=("position",), default=False),
        Column("is_software", _("handled in software"), sort=("is_software",), default=False),
        Column("regulation", _("regulation"), accessor="regulation.title", default=False),
    ],
    default_sort=("regulation__title", "position_in_text"),
    select_related=("unit", "regulation"),
)

role_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("description", _("description")),
        Column("grants", _("rights"), accessor=lambda r: ", ".join(r.grants)),
        Column("is_builtin", _("built in"), sort=("is_builtin",)),
    ],
    default_sort=("name",),
)

roleassignment_table = Table(
    columns=[
        Column("user", _("user"), accessor="user.username", sort=("user__username",), link=True),
        Column("role", _("role"), accessor="role.name", sort=("role__name",)),
        Column("scope", _("scope"), sort=("scope",)),
        Column("unit", _("unit"), accessor="unit.name", sort=("unit__name",)),
    ],
    default_sort=("user__username",),
    select_related=("user", "role", "unit"),
)

auditentry_table = Table(
    columns=[
        Column("id", "#", sort=("id",), link=True),
        Column("timestamp", _("time"), sort=("timestamp",)),
        Column("actor_label", _("who"), sort=("actor_label",)),
        Column("on_behalf_of_label", _("on behalf of")),
        Column("action", _("action"), sort=("action",)),
        Column("object_type", _("object type"), accessor=lambda e: _model_label(e.object_type),
               sort=("object_type",), export=lambda e: e.object_type),
        Column("object_repr", _("object")),
        Column("ip", _("address"), default=False),
        Column("source", _("source"), sort=("source",)),
    ],
    default_sort=("-id",),
)


def _model_label(label: str) -> str:
    """'core.person' → 'kişi' (the model's name in the user's language)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label

workingcalendar_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("institution", _("institution"), accessor="institution.name", sort=("institution__name",)),
        Column("is_default", _("default calendar"), sort=("is_default",)),
        Column("use_official_holidays", _("official holidays"), sort=("use_official_holidays",)),
        Column("time_zone", _("time zone"), sort=("time_zone",), turkish=False, default=False),
        Column("half_day_ends_at", _("half days end at"), accessor=lambda c: f"{c.half_day_ends_at:%H:%M}",
               default=False),
        Column("day_count", _("days added"), sort=("day_count",)),
    ],
    default_sort=("name",),
    select_related=("institution",),
)

calendarday_table = Table(
    columns=[
        Column("date", _("date"), sort=("date",), link=True),
        Column("name", _("name"), sort=("name",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("calendar", _("calendar"), accessor="calendar.name", sort=("calendar__name",)),
        Column("description", _("description"), default=False),
    ],
    default_sort=("-date",),
    select_related=("calendar",),
)
