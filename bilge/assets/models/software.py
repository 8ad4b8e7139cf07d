"""Software inventory, licences and certificates (D md.8.3/r; F md.10/23; B md.12/d)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.core.models import ArchivableModel, BaseModel


class Software(ArchivableModel):
    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="software",
                                    verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    is_open_source = models.BooleanField(_("open source"), default=False)
    approved = models.BooleanField(_("approved for use"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    permission_module = "assets"
    search_fields = ("name", "publisher", "category")
    choice_label_fields = ("name",)
    scope_paths = {"institution": "institution"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        ordering = ("name",)
        verbose_name = _("software")
        verbose_name_plural = _("software")
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="software_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("assets:software_detail", args=[self.pk])


class Licence(ArchivableModel):
    class Kind(models.TextChoices):
        PER_USER = "per_user", _("per user")
        PER_DEVICE = "per_device", _("per device")
        SUBSCRIPTION = "subscription", _("subscription")
        PERPETUAL = "perpetual", _("perpetual")
        SITE = "site", _("site licence")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="licences",
                                    verbose_name=_("institution"))
    software = models.ForeignKey(Software, on_delete=models.PROTECT, related_name="licences",
                                 verbose_name=_("software"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("seats"), default=1, validators=[MaxValueValidator(10_000_000)])
    reference = models.CharField(_("licence reference"), max_length=200, blank=True,
                                 help_text=_("Agreement or order number; not the key itself."))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    contract = models.ForeignKey("assets.Contract", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="licences", verbose_name=_("contract"))
    responsible = models.ForeignKey("core.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("followed by"),
                                    help_text=_("Receives the expiry reminders."))

    permission_module = "assets"
    search_fields = ("software__name", "reference", "supplier")
    scope_paths = {"institution": "institution"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self):
        return f"{self.software.name} ({self.get_kind_display()}, {self.quantity})"

    def get_absolute_url(self):
        return reverse("assets:licence_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.start_date and self.expiry_date and self.expiry_date < self.start_date:
            raise ValidationError({"expiry_date": _("The expiry date is before the start date.")})
        if self.software_id and self.institution_id and self.software.institution_id != self.institution_id:
            raise ValidationError({"software": _("The software belongs to another institution.")})

    @property
    def unlimited(self) -> bool:
        """A site licence covers every user and device of the institution."""
        return self.kind == self.Kind.SITE

    def in_force(self, today: datetime.date | None = None) -> bool:
        """Counts as owned: not archived, and not expired (a perpetual licence's expiry date is the
        end of its support, not of the right to use it)."""
        if self.archived_at is not None:
            return False
        if self.kind == self.Kind.PERPETUAL or self.expiry_date is None:
            return True
        return self.expiry_date >= (today or timezone.localdate())


class LicenceAssignment(BaseModel):
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="assignments",
                                verbose_name=_("licence"))
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("person"))
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="licence_assignments", verbose_name=_("device"))

    permission_module = "assets"
    scope_paths = {"institution": "licence__institution", "owner": "person"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("licence assignment")
        verbose_name_plural = _("licence assignments")
        constraints = [models.CheckConstraint(condition=Q(person__isnull=False) | Q(device__isnull=False),
                                              name="licenceassignment_target")]

    def __str__(self):
        return f"{self.licence}: {self.person or self.device}"

    def get_absolute_url(self):
        return self.licence.get_absolute_url()


class Installation(BaseModel):
    """Software found on a device (typed in, imported, or from an inventory agent)."""

    device = models.ForeignKey("assets.Device", on_delete=models.CASCADE, related_name="installations",
                               verbose_name=_("device"))
    software = models.ForeignKey(Software, on_delete=models.PROTECT, related_name="installations",
                                 verbose_name=_("software"))
    version = models.CharField(_("version"), max_length=60, blank=True)
    seen_at = models.DateTimeField(_("last seen"), auto_now=True)
    source = models.CharField(_("source"), max_length=30, default="manual")

    permission_module = "assets"
    search_fields = ("software__name", "version", "device__sicil_no")
    scope_paths = {"institution": "device__institution", "unit": "device__unit", "owner": "device__holder"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        constraints = [models.UniqueConstraint(fields=["device", "software"], name="installation_unique")]

    def __str__(self):
        return f"{self.software} @ {self.device.sicil_no}"

    def get_absolute_url(self):
        return reverse("assets:installation_detail", args=[self.pk])


class Certificate(ArchivableModel):
    class Kind(models.TextChoices):
        TLS = "tls", _("SSL/TLS")
        ESIGN = "esign", _("e-signature (staff)")
        CODE_SIGNING = "code_signing", _("code signing")
        OTHER = "other", _("other")

    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="certificates",
                                    verbose_name=_("institution"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=300,
                               help_text=_("Domain name for SSL/TLS, the person's name for an e-signature."))
    holder = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="certificates", verbose_name=_("holder"))
    issuer = models.CharField(_("issuer"), max_length=200, blank=True, help_text=_("e.g. KamuSM"))
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), db_index=True)
    device = models.ForeignKey("assets.Device", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="certificates", verbose_name=_("installed on"))
    responsible = models.ForeignKey("core.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("followed by"),
                                    help_text=_("Receives the expiry reminders (besides the holder)."))
    revoked_at = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reminded_at = models.DateTimeField(_("revocation reminder sent"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    permission_module = "assets"
    search_fields = ("subject", "serial", "issuer", "holder__first_name", "holder__last_name")
    scope_paths = {"institution": "institution", "unit": "holder__unit", "owner": "holder"}
    it_service_covers_institution = True  # IT staff keep the whole inventory

    class Meta:
        ordering = ("valid_to",)
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.get_kind_display()} {self.subject}"

    def get_absolute_url(self):
        return reverse("assets:certificate_detail", args=[self.pk])

    # KamuSM staff e-signature certificates are issued for 3 or 5 years and may be renewed from
    # 3 months before they expire.
    KAMUSM_TERMS = (3, 5)
    RENEWAL_MONTHS = 3

    @property
    def is_kamusm_esign(self) -> bool:
        from bilge.core.turkish import fold

        return self.kind == self.Kind.ESIGN and "kamusm" in fold(self.issuer or "").replace(" ", "")

    @property
    def renewable_from(self) -> datetime.date | None:
        """The day a KamuSM e-signature certificate may be renewed (3 months before expiry)."""
        if not self.is_kamusm_esign or not self.valid_to:
            return None
        return _months_before(self.valid_to, self.RENEWAL_MONTHS)

    @property
    def holder_left(self) -> bool:
        """The holder no longer works here (archived, or their end date has passed)."""
        holder = self.holder
        if holder is None:
            return False
        return holder.archived_at is not None or (holder.end_date is not None
                                                  and holder.end_date < timezone.localdate())

    def days_left(self, today: datetime.date | None = None) -> int | None:
        return (self.valid_to - (today or timezone.localdate())).days if self.valid_to else None

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_to:
            if self.valid_to <= self.valid_from:
                raise ValidationError({"valid_to": _("The certificate must end after it starts.")})
            if self.is_kamusm_esign:
                days = (self.valid_to - self.valid_from).days
                if not any(abs(days - years * 365.25) <= 10 for years in self.KAMUSM_TERMS):
                    raise ValidationError({"valid_to": _(
                        "A KamuSM e-signature certificate is valid for 3 or 5 years; check the dates.")})
        if self.revoked_at and self.valid_from and self.revoked_at < self.valid_from:
            raise ValidationError({"revoked_at": _("The certificate cannot be revoked before it starts.")})


def _months_before(day: datetime.date, months: int) -> datetime.date:
    import calendar

    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
