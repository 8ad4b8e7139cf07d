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
    counts = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("started by"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    permission_module = "assets"
    scope_paths = {"institution": "institution"}
    it_service_covers_institution = True  # IT staff keep the whole inventory
    # Progress counters move many times a second while the worker runs: not worth an entry each
    # (the start, the outcome and every imported record are recorded).
    audit_ignored_fields = ("processed_rows",)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.kind}: {self.file_name}"

    def get_absolute_url(self):
        return reverse("assets:importjob_detail", args=[self.pk])

    @property
    def importing(self) -> bool:
        """Confirmed: the worker writes the records (else it checks the file)."""
        return self.confirmed_at is not None

    @property
    def finished(self) -> bool:
        return self.state in (self.State.PREVIEW, self.State.REJECTED, self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        done = self.imported_rows if self.importing else self.processed_rows
        return min(100, int(100 * done / self.total_rows)) if self.total_rows else 0
