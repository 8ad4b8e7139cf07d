"""The audit trail's entries: append-only (the database refuses UPDATE and DELETE through
triggers) and hash-chained (see bilge.core.audit)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilge.core.permissions import RestrictedQuerySet


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        ARCHIVE = "archive", _("archived")
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("sign-in failed")
        LOCKOUT = "lockout", _("locked out")
        UNLOCK = "unlock", _("unlocked")
        LOGOUT = "logout", _("signed out")
        VIEW_PERSONAL = "view_personal", _("viewed personal data")
        EXPORT = "export", _("exported")
        TWO_FACTOR = "two_factor", _("two-factor sign-in")

    id = models.BigAutoField(primary_key=True)
    timestamp = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                              null=True, blank=True, related_name="+", verbose_name=_("user"),
                              db_index=False)  # audit_actor (actor, id) serves it
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                                     null=True, blank=True, related_name="+", verbose_name=_("on behalf of"))
    on_behalf_of_label = models.CharField(_("on behalf of"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    request_id = models.CharField(_("request"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = RestrictedQuerySet.as_manager()

    audit_exclude = True
    permission_module = "audit"
    scope_paths = {"institution": "*", "owner": "actor__person"}

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object"),
            models.Index(fields=["actor", "id"], name="audit_actor"),
        ]

    def __str__(self):
        return f"#{self.id} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only.")
