"""Imports of devices, custody and stock from Excel/CSV, run by the worker with progress."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import BaseModel


class ImportJob(BaseModel):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the worker")
        RUNNING = "running", _("running")
        PREVIEW = "preview", _("checked, waiting for confirmation")
        REJECTED = "rejected", _("rejected (nothing imported)")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed (nothing imported)")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="asset_imports",
                                    verbose_name=_("institution"))
    kind = models.CharField(_("kind"), max_length=20)
    file_name = models.CharField(_("file"), max_length=200)
    stored_path = models.CharField(max_length=300, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("started by"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    permission_module = "assets"
    scope_paths = {"institution": "institution"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.kind}: {self.file_name}"

    def get_absolute_url(self):
        return reverse("assets:importjob_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
