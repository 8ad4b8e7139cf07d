"""What devices are: the official taşınır code list, device types with their own fields (as
data), manufacturers and models. Installation-wide catalogues (every institution uses them)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel


class TasinirCode(ArchivableModel):
    """A line of the Taşınır Kod Listesi (Taşınır Mal Yönetmeliği annex): account 150/253/254/255
    and its levels, e.g. ``255.01.02.01``. Shipped as data (``bilge/assets/data/tasinir_codes.yaml``)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("upper level"))

    permission_module = "assets"
    search_fields = ("code", "name")
    choice_label_fields = ("code", "name")
    scope_paths = {"institution": "*"}
    it_service_covers_institution = True  # the IT staff keep the catalogue

    class Meta:
        ordering = ("code",)
        verbose_name = _("taşınır code")
        verbose_name_plural = _("taşınır codes")

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("assets:tasinircode_detail", args=[self.pk])

    @property
    def account(self) -> str:
        """The account (hesap) the code belongs to: 150, 253, 254 or 255."""
        return self.code.split(".", 1)[0]


class DeviceType(ArchivableModel):
    """A kind of device with its own fields, as data: the same schema as a request type's form
    (``bilge.servicedesk.forms_schema``): key, type, labels tr/en, required, choices, help."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_tr = models.CharField(_("name (Turkish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    tasinir_code = models.ForeignKey(TasinirCode, on_delete=models.PROTECT, related_name="device_types",
                                     verbose_name=_("taşınır code"))
    stores_data = models.BooleanField(
        _("stores data"), default=False,
        help_text=_("Disks, memory cards…: before disposal, evidence of secure wiping or destruction is required."))
    is_network = models.BooleanField(_("on the network"), default=False,
                                     help_text=_("Asks for IP address, MAC address and host name."))
    fields = models.JSONField(_("fields"), default=list, blank=True)
    icon = models.CharField(_("icon"), max_length=40, blank=True)

    permission_module = "assets"
    search_fields = ("code", "name_tr", "name_en")
    scope_paths = {"institution": "*"}
    it_service_covers_institution = True  # the IT staff keep the catalogue

    class Meta:
        ordering = ("name_tr",)
        verbose_name = _("device type")
        verbose_name_plural = _("device types")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "tr")[:2] == "en" and self.name_en else self.name_tr

    def get_absolute_url(self):
        return reverse("assets:devicetype_detail", args=[self.pk])


class Manufacturer(ArchivableModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    website = models.URLField(_("website"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True)

    permission_module = "assets"
    search_fields = ("name",)
    choice_label_fields = ("name",)
    scope_paths = {"institution": "*"}
    it_service_covers_institution = True  # the IT staff keep the catalogue

    class Meta:
        ordering = ("name",)
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("assets:manufacturer_detail", args=[self.pk])


class DeviceModel(ArchivableModel):
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="models",
                                     verbose_name=_("manufacturer"))
    device_type = models.ForeignKey(DeviceType, on_delete=models.PROTECT, related_name="models",
                                    verbose_name=_("device type"))
    name = models.CharField(_("model"), max_length=150)
    attributes = models.JSONField(_("default field values"), default=dict, blank=True,
                                  help_text=_("Values a new device of this model starts with (e.g. CPU, RAM)."))

    permission_module = "assets"
    search_fields = ("manufacturer__name", "name")
    scope_paths = {"institution": "*"}
    it_service_covers_institution = True  # the IT staff keep the catalogue

    class Meta:
        ordering = ("manufacturer__name", "name")
        verbose_name = _("device model")
        verbose_name_plural = _("device models")
        constraints = [models.UniqueConstraint(fields=["manufacturer", "name"], name="devicemodel_unique")]

    def __str__(self):
        return f"{self.manufacturer.name} {self.name}"

    def get_absolute_url(self):
        return reverse("assets:devicemodel_detail", args=[self.pk])
