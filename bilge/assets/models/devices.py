"""Devices: every piece of hardware the IT department looks after, with its sicil no, place,
holder, network identity and purchase data (guide measure 3.1.1.2; F md.11/21–27)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel


class SicilSequence(models.Model):
    """The last sequence of a taşınır code in a year, taken under a row lock (gapless, unique)."""

    code = models.CharField(max_length=30)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    audit_exclude = True  # a counter; each number it hands out is recorded with its device

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "year"], name="sicilsequence_unique")]

    def __str__(self):
        return f"{self.code}/{self.year}: {self.last}"


class Device(ArchivableModel):
    class Status(models.TextChoices):
        IN_WAREHOUSE = "in_warehouse", _("in the warehouse")
        IN_USE = "in_use", _("in use")
        IN_REPAIR = "in_repair", _("in repair")
        LENT = "lent", _("lent")
        AWAITING_DISPOSAL = "awaiting_disposal", _("awaiting disposal")
        DISPOSED = "disposed", _("disposed")

    ACTIVE_STATUSES = ("in_warehouse", "in_use", "in_repair", "lent", "awaiting_disposal")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="devices",
                                    verbose_name=_("institution"))
    sicil_no = models.CharField(_("sicil no"), max_length=50, unique=True, editable=False,
                                help_text=_("Taşınır code / year / sequence, e.g. 255.01.02.01/26/000123."))
    tasinir_code = models.ForeignKey("assets.TasinirCode", on_delete=models.PROTECT, related_name="devices",
                                     verbose_name=_("taşınır code"))
    device_type = models.ForeignKey("assets.DeviceType", on_delete=models.PROTECT, related_name="devices",
                                    verbose_name=_("device type"))
    model = models.ForeignKey("assets.DeviceModel", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="devices", verbose_name=_("model"))
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True,
                            help_text=_("A short name people use for it, e.g. \"Başkanlık yazıcısı\"."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_WAREHOUSE)
    location = models.ForeignKey("assets.Location", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="devices", verbose_name=_("location"))
    warehouse = models.ForeignKey("assets.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="devices", verbose_name=_("warehouse"))
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="devices",
                             verbose_name=_("owning unit"))
    holder = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="devices", verbose_name=_("responsible person"),
                               help_text=_("Set by custody (Taşınır Teslim Belgesi), not by hand."))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    host_name = models.CharField(_("host name"), max_length=100, blank=True)
    approved = models.BooleanField(_("approved"), default=False,
                                   help_text=_("Approved to be on the institution's network (guide 3.1.1.2)."))
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, null=True, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    procurement_ref = models.CharField(_("procurement reference"), max_length=100, blank=True)
    invoice_no = models.CharField(_("invoice number"), max_length=60, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True, db_index=True)
    attributes = models.JSONField(_("type fields"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("recorded by"), editable=False)

    permission_module = "assets"
    search_fields = ("sicil_no", "serial", "name", "host_name", "mac_address", "model__name",
                     "model__manufacturer__name", "holder__first_name", "holder__last_name")
    choice_label_fields = ("sicil_no",)
    scope_paths = {"institution": "institution", "unit": "unit", "owner": "holder"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [
            models.Index(fields=["institution", "unit", "device_type", "id"], name="device_unit_type"),
            # A unit's devices of a type in sicil-no or warranty order (the list so sorted): without them
            # the planner walks the whole sicil-no (warranty) index and filters (bench/RESULTS.md, Assets).
            models.Index(fields=["institution", "unit", "device_type", "sicil_no"], name="device_unit_type_sicil"),
            models.Index(fields=["institution", "unit", "device_type", "warranty_end"],
                         name="device_unit_type_warranty"),
            models.Index(fields=["institution", "device_type", "id"], name="device_type_idx"),
            models.Index(fields=["status"], name="device_status"),
            models.Index(fields=["serial"], name="device_serial"),
            models.Index(fields=["holder"], name="device_holder", condition=Q(holder__isnull=False)),
        ]

    def __str__(self):
        label = self.name or (str(self.model) if self.model_id else "")
        return f"{self.sicil_no} {label}".strip()

    def get_absolute_url(self):
        return reverse("assets:device_detail", args=[self.pk])

    @property
    def is_disposed(self) -> bool:
        return self.status == self.Status.DISPOSED


class DeviceLink(ArchivableModel):
    """A relation between two devices: PC ↔ monitor, server ↔ rack, camera ↔ recorder."""

    class Kind(models.TextChoices):
        CONNECTED = "connected", _("connected to")
        MOUNTED_IN = "mounted_in", _("mounted in")
        RECORDS_TO = "records_to", _("records to")
        PART_OF = "part_of", _("part of")

    source = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="links_out", verbose_name=_("device"))
    kind = models.CharField(_("relation"), max_length=12, choices=Kind.choices)
    target = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="links_in",
                               verbose_name=_("other device"))

    permission_module = "assets"
    scope_paths = {"institution": "source__institution", "unit": "source__unit", "owner": "source__holder"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("device relation")
        verbose_name_plural = _("device relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "target"], name="devicelink_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="devicelink_not_self"),
        ]

    def __str__(self):
        return f"{self.source.sicil_no} {self.get_kind_display()} {self.target.sicil_no}"

    def get_absolute_url(self):
        return self.source.get_absolute_url()
