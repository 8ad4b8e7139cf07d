from bilge.core.api import views

ROUTES = [
    ("institutions", views.InstitutionViewSet),
    ("units", views.UnitViewSet),
    ("positions", views.PositionViewSet),
    ("people", views.PersonViewSet),
    ("delegations", views.DelegationViewSet),
    ("regulations", views.RegulationViewSet),
    ("duties", views.DutyViewSet),
    ("roles", views.RoleViewSet),
    ("role-assignments", views.RoleAssignmentViewSet),
    ("audit", views.AuditEntryViewSet),
]

ROUTES += [
    ("calendars", views.WorkingCalendarViewSet),
    ("calendar-days", views.CalendarDayViewSet),
]

from bilge.core.api.notifications import NotificationPreferenceViewSet  # noqa: E402

ROUTES += [
    ("notification-preferences", NotificationPreferenceViewSet),
]
