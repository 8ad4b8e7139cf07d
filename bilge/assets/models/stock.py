"""Warehouses and stock under the Taşınır Mal Yönetmeliği: every movement is a numbered Varlık
İşlem Fişi; nothing leaves without an approved request or a recorded order (F md.11/26);
consumables and spare parts by quantity with reorder levels (F md.11/4, 11/49)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel, BaseModel
from bilge.core.permissions import RestrictedQuerySet

WAREHOUSE_CODE = re.compile(r"^[0-9A-ZÇĞİÖŞÜ]{2}$")


# Quantities have an explicit bound (the API schema names it; no warehouse holds a billion toners).
MAX_QUANTITY = 1_000_000_000


class Warehouse(ArchivableModel):
    """An ambar, with its taşınır kayıt yetkilisi and taşınır kontrol yetkilisi (two different people)."""

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="warehouses",
                                    verbose_name=_("institution"))
    code = models.CharField(_("code"), max_length=2, help_text=_("Two characters, e.g. \"01\" or \"BT\"."))
    name = models.CharField(_("name"), max_length=150)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="warehouses",
                             verbose_name=_("unit"))
    location = models.ForeignKey("assets.Location", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="warehouses", verbose_name=_("location"))
    kayit_officer = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("taşınır kayıt yetkilisi"))
    kontrol_officer = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("taşınır kontrol yetkilisi"))

    permission_module = "assets"
    search_fields = ("code", "name")
    choice_label_fields = ("code", "name")
    scope_paths = {"institution": "institution", "unit": "unit"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        ordering = ("code",)
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="warehouse_code_unique"),
            models.CheckConstraint(condition=~Q(kayit_officer=models.F("kontrol_officer")),
                                   name="warehouse_officers_differ"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("assets:warehouse_detail", args=[self.pk])

    def clean(self):
        super().clean()
        from bilge.core.turkish import upper

        errors = {}
        self.code = upper((self.code or "").strip())
        if not WAREHOUSE_CODE.match(self.code):
            errors["code"] = _("The warehouse code is two letters or digits, e.g. \"01\" or \"BT\".")
        if self.kayit_officer_id and self.kayit_officer_id == self.kontrol_officer_id:
            errors["kontrol_officer"] = _(
                "The taşınır kayıt yetkilisi and the taşınır kontrol yetkilisi must be two different people.")
        if errors:
            raise ValidationError(errors)


class StockItem(ArchivableModel):
    """A consumable or spare part counted by quantity (toner, drum, cable, disk)."""

    class Kind(models.TextChoices):
        TONER = "toner", _("toner")
        DRUM = "drum", _("drum")
        INK = "ink", _("ink")
        CABLE = "cable", _("cable")
        DISK = "disk", _("disk")
        PART = "part", _("spare part")
        OTHER = "other", _("other")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="stock_items",
                                    verbose_name=_("institution"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    tasinir_code = models.ForeignKey("assets.TasinirCode", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="stock_items", verbose_name=_("taşınır code"))
    measure = models.CharField(_("unit of measure"), max_length=20, default="adet")
    reorder_level = models.PositiveIntegerField(_("reorder level"), default=0, validators=[MaxValueValidator(MAX_QUANTITY)],
                                                help_text=_("An alert is raised when the stock falls to this level."))
    fits = models.ManyToManyField("assets.DeviceModel", blank=True, related_name="stock_items",
                                  verbose_name=_("fits models"))

    permission_module = "assets"
    search_fields = ("code", "name")
    choice_label_fields = ("code", "name")
    scope_paths = {"institution": "institution"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        ordering = ("name",)
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="stockitem_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("assets:stockitem_detail", args=[self.pk])


class StockLevel(models.Model):
    """How many of an item a warehouse holds; changed only by accepted movements."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels",
                                  verbose_name=_("warehouse"))
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="levels", verbose_name=_("item"))
    quantity = models.IntegerField(_("quantity"), default=0,
                                   validators=[MinValueValidator(0), MaxValueValidator(MAX_QUANTITY)])
    reorder_level = models.PositiveIntegerField(_("reorder level"), null=True, blank=True,
                                                validators=[MaxValueValidator(MAX_QUANTITY)],
                                                help_text=_("Empty: the item's reorder level."))
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="stocklevel_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stocklevel_not_negative"),
        ]

    permission_module = "assets"
    scope_paths = {"institution": "warehouse__institution", "unit": "warehouse__unit"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    def __str__(self):
        return f"{self.warehouse.code} {self.item.code}: {self.quantity}"

    def get_absolute_url(self):
        return reverse("assets:stocklevel_detail", args=[self.pk])

    @property
    def threshold(self) -> int:
        """The reorder level in force: the level's own, else the item's (0: no alert)."""
        return self.reorder_level if self.reorder_level is not None else self.item.reorder_level

    @property
    def below_reorder(self) -> bool:
        return self.threshold > 0 and self.quantity <= self.threshold


class MovementSequence(models.Model):
    """The last Varlık İşlem Fişi number of a warehouse in a fiscal year (row-locked, gapless)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    audit_exclude = True

    class Meta:
        constraints = [models.UniqueConstraint(fields=["warehouse", "year"], name="movementsequence_unique")]

    def __str__(self):
        return f"{self.warehouse_id}/{self.year}: {self.last}"


class Movement(BaseModel):
    """A Varlık İşlem Fişi: one movement of devices and/or stock into, out of or between warehouses."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt from purchase")
        ISSUE = "issue", _("issue")
        TRANSFER = "transfer", _("transfer")
        RETURN = "return", _("return")
        COUNT_SURPLUS = "count_surplus", _("count surplus")
        COUNT_SHORTAGE = "count_shortage", _("count shortage")
        DISPOSAL = "disposal", _("disposal")

    class State(models.TextChoices):
        PENDING_INSPECTION = "pending_inspection", _("pending inspection")
        ACCEPTED = "accepted", _("accepted")
        CANCELLED = "cancelled", _("cancelled")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="movements",
                                    verbose_name=_("institution"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements",
                                  verbose_name=_("warehouse"))
    year = models.PositiveIntegerField(_("fiscal year"), editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    number = models.CharField(_("number"), max_length=30, editable=False)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ACCEPTED)
    date = models.DateField(_("date"))
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="incoming", verbose_name=_("to warehouse"))
    to_unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("to unit"))
    to_person = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("to person"))
    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="movements", verbose_name=_("approved request"))
    order_ref = models.CharField(_("written order"), max_length=200, blank=True,
                                 help_text=_("The manager's recorded written order (number, date, by whom) when "
                                             "there is no approved request."))
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    invoice_no = models.CharField(_("invoice number"), max_length=60, blank=True)
    procurement_ref = models.CharField(_("procurement reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    permission_module = "assets"
    search_fields = ("number", "supplier", "invoice_no", "order_ref")
    scope_paths = {"institution": "institution", "unit": "warehouse__unit", "owner": "to_person"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("Varlık İşlem Fişi")
        verbose_name_plural = _("Varlık İşlem Fişleri")
        constraints = [models.UniqueConstraint(fields=["warehouse", "year", "sequence"], name="movement_number")]

    def __str__(self):
        return f"{self.warehouse.code} {self.number}"

    def get_absolute_url(self):
        return reverse("assets:movement_detail", args=[self.pk])


class MovementLine(models.Model):
    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="lines",
                                 verbose_name=_("Varlık İşlem Fişi"))
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="movement_lines", verbose_name=_("device"))
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="movement_lines", verbose_name=_("stock item"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MaxValueValidator(MAX_QUANTITY)])
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2, null=True, blank=True)
    for_device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="consumption", verbose_name=_("for device"),
                                   help_text=_("The printer a toner or drum was issued for."))

    class Meta:
        verbose_name = _("movement line")
        verbose_name_plural = _("movement lines")
        constraints = [
            models.CheckConstraint(condition=Q(device__isnull=False) ^ Q(item__isnull=False),
                                   name="movementline_device_xor_item"),
        ]

    def __str__(self):
        return f"{self.movement.number}: {self.device or self.item} × {self.quantity}"
