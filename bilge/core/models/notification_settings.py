"""What each user wants to receive (language, e-mail per kind), and the administrators' own
wording of a notification (an override of the shipped template per kind and language)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models.base import ArchivableModel, BaseModel

LANGUAGE_CHOICES = [("tr", "Türkçe"), ("en", "English")]


def default_language() -> str:
    """The installation's language, read when the preference is created (not at import)."""
    from bilge.core.notification_render import language_of

    return language_of(settings.LANGUAGE_CODE)


class NotificationPreference(BaseModel):
    """One row per user who changed something; without a row the defaults apply."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"))
    language = models.CharField(_("language of messages"), max_length=5, choices=LANGUAGE_CHOICES,
                                default=default_language)
    email = models.JSONField(_("e-mail per kind"), default=dict, blank=True,
                             help_text=_("Kind → true/false; a kind not listed follows its default."))

    permission_module = "org"
    scope_paths = {"owner": "user__person"}

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user}"

    def wants_email(self, kind) -> bool:
        value = (self.email or {}).get(kind.key)
        return kind.email_default if value is None else bool(value)


class NotificationTemplate(ArchivableModel):
    """An administrator's wording of one kind in one language. Archiving it brings the default back."""

    kind = models.CharField(_("kind"), max_length=40)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGE_CHOICES)
    subject = models.CharField(_("subject template"), max_length=500)
    body = models.TextField(_("message template"))

    permission_module = "admin"
    scope_paths = {"institution": "*"}
    search_fields = ("kind", "subject", "body")

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"], condition=Q(archived_at__isnull=True),
                name="notification_template_one_current",
                violation_error_message=_("There is already a template for this kind and language; edit that one.")),
        ]

    def __str__(self):
        return f"{self.kind_label} ({self.language})"

    @property
    def kind_label(self) -> str:
        from bilge.core.notification_kinds import get_kind

        try:
            return str(get_kind(self.kind).label)
        except LookupError:
            return self.kind

    def get_absolute_url(self):
        return reverse("core:notificationtemplate_detail", args=[self.pk])

    def clean(self):
        """Refuses a template with a syntax error, a forbidden tag or a variable the kind does not offer."""
        super().clean()
        from bilge.core.notification_kinds import get_kind
        from bilge.core.notification_render import check

        try:
            kind = get_kind(self.kind)
        except LookupError:
            raise ValidationError({"kind": _("Unknown notification kind.")}) from None
        errors = {}
        for name in ("subject", "body"):
            try:
                check(getattr(self, name) or "", kind, self.language or None)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Nothing unchecked reaches the database, whatever path the write takes (form, API, shell).
        fields = kwargs.get("update_fields")
        if fields is None or {"subject", "body", "kind", "language"} & set(fields):
            self.clean()
            self.validate_constraints()
        super().save(*args, **kwargs)
