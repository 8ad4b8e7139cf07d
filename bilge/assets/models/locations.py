"""Where devices are: site → building → floor → room, one tree per institution. A site may be a
remote unit with its own internet line."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel


class Location(ArchivableModel):
    class Kind(models.TextChoices):
        SITE = "site", _("site")
        BUILDING = "building", _("building")
        FLOOR = "floor", _("floor")
        ROOM = "room", _("room")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="locations",
                                    verbose_name=_("institution"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("inside"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    code = models.CharField(_("code"), max_length=30, blank=True)
    unit = models.ForeignKey("core.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="locations",
                             verbose_name=_("unit using it"))
    shared = models.BooleanField(
        _("shared room"), default=False,
        help_text=_("A room used by several people (meeting room, server room): its devices go on a "
                    "Dayanıklı Taşınırlar Listesi instead of one person's custody."))
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_remote = models.BooleanField(_("remote unit"), default=False)
    internet_provider = models.CharField(_("internet provider"), max_length=100, blank=True)
    internet_speed = models.CharField(_("internet speed"), max_length=40, blank=True)
    circuit_no = models.CharField(_("circuit number"), max_length=60, blank=True)
    path = models.CharField(_("full name"), max_length=600, editable=False, blank=True)

    permission_module = "assets"
    search_fields = ("path", "code")
    choice_label_fields = ("path",)
    scope_paths = {"institution": "institution", "unit": "unit"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        ordering = ("path",)
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return self.path or self.name

    def get_absolute_url(self):
        return reverse("assets:location_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path} / {self.name}" if self.parent_id else self.name
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"path"}
        super().save(*args, **kwargs)
