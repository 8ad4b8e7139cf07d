"""Roles (actions per module) and their scoped assignments to users."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models.base import BaseModel
from bilge.core.permissions import ACTIONS, MODULES, SCOPES


class Role(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    grants = models.JSONField(_("rights"), default=list, blank=True,
                              help_text=_('Module and action pairs such as "org.view"; "*" matches all.'))
    is_builtin = models.BooleanField(_("built in"), default=False, editable=False)

    permission_module = "admin"
    search_fields = ("name", "description")
    scope_paths = {"institution": "*"}

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:role_detail", args=[self.pk])

    def clean(self):
        super().clean()
        bad = []
        for grant in self.grants or []:
            module, _sep, action = str(grant).partition(".")
            if module not in MODULES and module != "*" or action not in ACTIONS and action != "*":
                bad.append(str(grant))
        if bad:
            raise ValidationError({"grants": _("Unknown rights: %(rights)s") % {"rights": ", ".join(bad)}})

    @property
    def is_read_only(self) -> bool:
        return all(str(g).partition(".")[2] in ("view", "export") for g in self.grants or [])


class RoleAssignment(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments",
                             verbose_name=_("user"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role"))
    scope = models.CharField(_("scope"), max_length=20, choices=SCOPES, default="unit")
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="role_assignments", verbose_name=_("unit"),
                             help_text=_("The unit the scope starts from; if empty, the person's own unit."))
    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="role_assignments", verbose_name=_("institution"),
                                    help_text=_("The institution of the scope; if empty, the person's institution."))

    permission_module = "admin"
    scope_paths = {"institution": "*"}

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]


    def __str__(self):
        return f"{self.user} — {self.role} ({self.get_scope_display()})"

    def get_absolute_url(self):
        return reverse("core:roleassignment_detail", args=[self.pk])

    def clean(self):
        super().clean()
        duplicate = RoleAssignment.objects.filter(user_id=self.user_id, role_id=self.role_id, scope=self.scope,
                                                  unit_id=self.unit_id, institution_id=self.institution_id)
        if self.pk:
            duplicate = duplicate.exclude(pk=self.pk)
        if self.user_id and self.role_id and duplicate.exists():
            raise ValidationError(_("This user already has this role with this scope."))
