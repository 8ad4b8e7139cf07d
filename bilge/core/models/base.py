"""Small abstract mixins composed into Bilge's base models (timestamps, search key, archive)."""

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.core.audit import record, remember_loaded
from bilge.core.permissions import RestrictedQuerySet
from bilge.core.turkish import fold


class TimestampMixin(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SearchMixin(models.Model):
    """Keeps ``search_text``: the Turkish-folded words of ``search_fields``, so free-text search
    is one indexed LIKE on SQLite and PostgreSQL alike."""

    search_fields: tuple[str, ...] = ()
    search_text = models.TextField(editable=False, default="", blank=True)

    class Meta:
        abstract = True

    def build_search_text(self) -> str:
        parts = []
        for name in self.search_fields:
            value = self
            for attr in name.split("__"):
                value = getattr(value, attr, None) if value is not None else None
            if value:
                parts.append(str(value))
        return fold(" ".join(parts))


class BaseModel(TimestampMixin, SearchMixin, models.Model):
    """Base of Bilge's models: timestamps, Turkish search key, audited atomic writes, and the
    permission-aware queryset (``Model.objects.visible_to(user, action)``)."""

    objects = RestrictedQuerySet.as_manager()

    # Permission module this model belongs to (see bilge.core.permissions.MODULES).
    permission_module = "org"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.search_fields:
            self.search_text = self.build_search_text()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = set(kwargs["update_fields"]) | {"search_text"}
        # The audit entry is written by the post_save receiver; one transaction keeps both or neither.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        remember_loaded(instance, field_names, values)
        return instance


class ArchivableModel(BaseModel):
    """Records with legal weight are never hard-deleted: ``archive()`` hides them from default
    lists, keeps them findable (filter "archived"), and is recorded in the audit trail."""

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, db_index=True)
    archive_reason = models.CharField(_("archive reason"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def archive(self, reason: str = "") -> None:
        if self.archived_at is None:
            self.archived_at = timezone.now()
            self.archive_reason = reason[:200]
            self.save(update_fields=["archived_at", "archive_reason", "updated_at"])
            record("archive", self, {"reason": reason})

    def restore(self) -> None:
        if self.archived_at is not None:
            self.archived_at = None
            self.archive_reason = ""
            self.save(update_fields=["archived_at", "archive_reason", "updated_at"])

    def delete(self, *args, **kwargs):
        raise PermissionError(
            f"{type(self).__name__} has legal weight and is never hard-deleted; use archive()."
        )
