from bilge.core.models.access import Role, RoleAssignment
from bilge.core.models.audit import AuditEntry
from bilge.core.models.base import ArchivableModel, BaseModel
from bilge.core.models.duties import Duty, Regulation
from bilge.core.models.notifications import Notification
from bilge.core.models.org import Delegation, Institution, Person, Position, Unit

__all__ = [
    "ArchivableModel", "AuditEntry", "BaseModel", "Delegation", "Duty", "Notification", "Institution", "Person",
    "Position", "Regulation", "Role", "RoleAssignment", "Unit",
]

from bilge.core.models.calendar import CalendarDay, WorkingCalendar  # noqa: E402

__all__ += ["CalendarDay", "WorkingCalendar"]

from bilge.core.models.notification_settings import NotificationPreference, NotificationTemplate  # noqa: E402

__all__ += ["NotificationPreference", "NotificationTemplate"]
