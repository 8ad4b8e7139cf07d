"""Per-user interface preferences (chosen list columns, page size)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    key = models.CharField(max_length=100)
    value = models.JSONField(default=dict)

    audit_exclude = True  # interface state, not a record

    class Meta:
        verbose_name = _("preference")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="preference_unique")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"

    @classmethod
    def get(cls, user, key, default=None):
        if not user.is_authenticated:
            return default
        row = cls.objects.filter(user=user, key=key).values_list("value", flat=True).first()
        return default if row is None else row

    @classmethod
    def put(cls, user, key, value):
        cls.objects.update_or_create(user=user, key=key, defaults={"value": value})
