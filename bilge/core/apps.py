from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bilge.core"
    label = "core"
    verbose_name = _("Organization")

    def ready(self):
        from django.contrib.auth import signals as auth_signals
        from django.db.backends.signals import connection_created
        from django.db.models import signals

        from bilge.core import audit, turkish
        from bilge.core import signals as core_signals

        connection_created.connect(turkish.register_sqlite_collation, dispatch_uid="bilge_tr_collation")
        signals.pre_save.connect(audit.on_pre_save, dispatch_uid="bilge_audit_pre_save")
        signals.post_save.connect(audit.on_post_save, dispatch_uid="bilge_audit_post_save")
        signals.post_delete.connect(audit.on_post_delete, dispatch_uid="bilge_audit_post_delete")
        signals.m2m_changed.connect(audit.on_m2m_changed, dispatch_uid="bilge_audit_m2m")
        auth_signals.user_logged_in.connect(core_signals.on_login, dispatch_uid="bilge_login")
        auth_signals.user_logged_out.connect(core_signals.on_logout, dispatch_uid="bilge_logout")
        auth_signals.user_login_failed.connect(core_signals.on_login_failed, dispatch_uid="bilge_login_failed")
        from axes.signals import user_locked_out

        user_locked_out.connect(core_signals.on_lockout, dispatch_uid="bilge_lockout")

        from bilge.core import configcache
        from bilge.core.models import (
            CalendarDay,
            Delegation,
            Institution,
            NotificationPreference,
            NotificationTemplate,
            Person,
            Role,
            RoleAssignment,
            Unit,
            WorkingCalendar,
        )

        # Read on every request: the rights (people, roles, delegations) and the unit tree; read at
        # every ticket: the calendar, the notification templates and the recipients' preferences.
        configcache.register(Institution, Unit, Person, Role, RoleAssignment, Delegation, WorkingCalendar,
                             CalendarDay, NotificationTemplate, NotificationPreference)
