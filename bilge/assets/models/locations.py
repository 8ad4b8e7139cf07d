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
        old_path = self.path
        self.path = f"{self.parent.path} / {self.name}" if self.parent_id else self.name
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"path"}
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:  # renamed or moved: the full names below follow
            for child in self.children.all():
                child.save(update_fields=["path", "search_text", "updated_at"])

    # What each kind may sit inside: site → building → floor → room (a room may also sit
    # directly in a building or a site: a kiosk, a cabin, a remote unit's single room).
    PARENT_KINDS = {"site": (), "building": ("site",), "floor": ("building",), "room": ("floor", "building", "site")}

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        allowed = self.PARENT_KINDS.get(self.kind, ())
        if self.parent_id is None and self.kind and self.kind != self.Kind.SITE:
            errors["parent"] = _("A %(kind)s sits inside a %(parents)s.") % {
                "kind": self.get_kind_display(), "parents": " / ".join(str(self.Kind(k).label) for k in allowed)}
        elif self.parent_id is not None:
            if self.kind == self.Kind.SITE:
                errors["parent"] = _("A site is the top of the tree: it sits inside nothing.")
            elif self.parent.kind not in allowed:
                errors["parent"] = _("A %(kind)s cannot sit inside a %(parent)s.") % {
                    "kind": self.get_kind_display(), "parent": self.parent.get_kind_display()}
            elif self.parent.institution_id != self.institution_id:
                errors["parent"] = _("The upper location belongs to another institution.")
            else:
                node = self.parent
                while node is not None:
                    if self.pk and node.pk == self.pk:
                        errors["parent"] = _("A location cannot sit inside itself.")
                        break
                    node = node.parent
        if self.shared and self.kind != self.Kind.ROOM:
            errors["shared"] = _("Only a room can be a shared room.")
        if (self.internet_provider or self.circuit_no or self.internet_speed) and self.kind != self.Kind.SITE:
            errors["internet_provider"] = _("An internet line belongs to a site (a remote unit).")
        if errors:
            raise ValidationError(errors)
