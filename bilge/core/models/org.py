"""Institution, the unit tree, positions, people and delegation of authority (F md.12)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tree_queries.fields import TreeNodeForeignKey
from tree_queries.models import TreeNode
from tree_queries.query import TreeQuerySet

from bilge.core.models.base import ArchivableModel
from bilge.core.permissions import RestrictedQuerySet
from bilge.core.validators import validate_phone, validate_tc_kimlik


class Institution(ArchivableModel):
    class Kind(models.TextChoices):
        METROPOLITAN = "buyuksehir", _("metropolitan municipality")
        MUNICIPALITY = "belediye", _("municipality")
        PROVINCIAL = "il_ozel_idaresi", _("provincial special administration")
        OTHER = "other", _("other")

    slug = models.SlugField(_("short name"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY)
    detsis_code = models.CharField(_("DETSİS code"), max_length=20, blank=True,
                                   help_text=_("The institution's code in the state organization register (DETSİS)."))

    search_fields = ("name", "slug", "detsis_code")
    choice_label_fields = ("name",)  # str(): select options read as tuples (bilge.web.widgets.FastSelect)
    scope_paths = {"institution": "pk"}

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:institution_detail", args=[self.pk])


class UnitQuerySet(TreeQuerySet, RestrictedQuerySet):
    def descendant_ids(self, unit_id: int) -> list[int]:
        """Ids of a unit and every unit below it (one recursive query; [] for an unknown unit).

        A plain recursive CTE over the parent links: the tree library's query also ranks every unit
        of the table by name, which costs milliseconds on every permission check of IT staff.
        Each process keeps the answer until a unit changes (bilge.core.configcache)."""
        from bilge.core import configcache

        table, db = self.model._meta.db_table, self.db

        def load():
            with connections[db].cursor() as cursor:
                cursor.execute(
                    f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s "
                    f"UNION ALL SELECT u.id FROM {table} u JOIN tree ON u.parent_id = tree.id) SELECT id FROM tree",
                    [unit_id])
                return tuple(row[0] for row in cursor.fetchall())

        return list(configcache.get(("unit-tree", db, unit_id), load))


class Unit(TreeNode, ArchivableModel):
    class Kind(models.TextChoices):
        DEPARTMENT = "daire_baskanligi", _("department (daire başkanlığı)")
        BRANCH = "sube_mudurlugu", _("branch directorate (şube müdürlüğü)")
        DIRECTORATE = "mudurluk", _("directorate (müdürlük)")
        UNIT = "birim", _("unit (birim)")
        SERVICE = "servis", _("service (servis)")
        SECTION = "seflik", _("section (şeflik)")
        OTHER = "other", _("other")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="units",
                                    verbose_name=_("institution"))
    # Redeclared from TreeNode: our label, and PROTECT (a unit with sub-units is never deleted).
    parent = TreeNodeForeignKey("self", blank=True, null=True, on_delete=models.PROTECT, related_name="children",
                                verbose_name=_("parent unit"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.UNIT)
    is_it = models.BooleanField(_("IT unit"), default=False,
                                help_text=_("Part of the IT department (handles the requests of other units)."))
    manager = models.ForeignKey("core.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="managed_units", verbose_name=_("manager"))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    regulation_ref = models.CharField(_("article"), max_length=40, blank=True,
                                      help_text=_("Article of the regulation that establishes the unit."))

    objects = UnitQuerySet.as_manager(with_tree_fields=False)

    search_fields = ("name", "code")
    choice_label_fields = ("name",)
    scope_paths = {"institution": "institution", "unit": "pk", "service": "pk"}

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="unit_code_unique")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:unit_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.parent_id and self.parent.institution_id != self.institution_id:
            raise ValidationError({"parent": _("The parent unit belongs to another institution.")})


class Position(ArchivableModel):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="positions",
                                    verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=100)
    is_manager = models.BooleanField(_("managerial"), default=False,
                                     help_text=_("Holders approve their unit's requests."))

    search_fields = ("name",)
    choice_label_fields = ("name",)
    scope_paths = {"institution": "institution"}

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="position_name_unique")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:position_detail", args=[self.pk])


class PersonQuerySet(RestrictedQuerySet):
    def current(self):
        today = timezone.localdate()
        return self.filter(archived_at__isnull=True).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


class Person(ArchivableModel):
    class Employment(models.TextChoices):
        CIVIL_SERVANT = "memur", _("civil servant (memur)")
        CONTRACTED = "sozlesmeli", _("contracted (sözleşmeli)")
        WORKER = "isci", _("worker (işçi)")
        COMPANY = "sirket", _("company staff (şirket personeli)")
        INTERN = "stajyer", _("intern (stajyer)")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="people",
                                    verbose_name=_("institution"))
    registration_no = models.CharField(_("registration no"), max_length=30,
                                       help_text=_("Registration number (sicil no), unique within the institution."))
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people", verbose_name=_("unit"))
    position = models.ForeignKey(Position, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="people", verbose_name=_("position"))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    employment_type = models.CharField(_("employment type"), max_length=20, choices=Employment.choices,
                                       default=Employment.CIVIL_SERVANT)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    tc_kimlik = models.CharField(_("TC identity no"), max_length=11, blank=True, validators=[validate_tc_kimlik],
                                 help_text=_("Personal data: masked in lists and exports; each full view is recorded."))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="person", verbose_name=_("user account"))

    objects = PersonQuerySet.as_manager()

    search_fields = ("first_name", "last_name", "registration_no", "email", "title")
    choice_label_fields = ("first_name", "last_name")
    scope_paths = {"institution": "institution", "unit": "unit", "owner": "pk"}
    audit_masked_fields = ("tc_kimlik",)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["institution", "registration_no"], name="person_regno_unique"),
        ]
        indexes = [models.Index(fields=["unit", "last_name", "first_name"], name="person_unit_name")]
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tc_kimlik_masked(self) -> str:
        value = self.tc_kimlik or ""
        return f"{value[:2]}*******{value[-2:]}" if len(value) == 11 else ""

    def get_absolute_url(self):
        return reverse("core:person_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        if self.unit_id and self.institution_id and self.unit.institution_id != self.institution_id:
            raise ValidationError({"unit": _("The unit belongs to another institution.")})


class Delegation(ArchivableModel):
    """Vekalet / yetki devri (F md.12/B-3): ``delegate`` acts for ``principal`` between two dates.

    A full delegation (vekalet) gives every right of the principal; an approvals-only delegation
    (yetki devri) gives the principal's approvals. Actions taken through it record both names."""

    class Kind(models.TextChoices):
        FULL = "vekalet", _("acting (vekalet): all of the principal's rights")
        APPROVALS = "yetki_devri", _("delegation (yetki devri): the principal's approvals")

    principal = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="delegations_given",
                                  verbose_name=_("principal"))
    delegate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="delegations_received",
                                 verbose_name=_("deputy"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FULL)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True,
                              help_text=_("E.g. annual leave, assignment, sick leave."))
    decision = models.CharField(_("approving decision"), max_length=200, blank=True,
                                help_text=_("Date and number of the approval (olur)."))

    search_fields = ("principal__first_name", "principal__last_name", "delegate__first_name",
                     "delegate__last_name", "reason")
    scope_paths = {"institution": "principal__institution", "unit": "principal__unit", "owner": "delegate"}

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="delegation_dates"),
            models.CheckConstraint(condition=~Q(principal=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self):
        return _("%(delegate)s, deputising for %(principal)s") % {"delegate": self.delegate, "principal": self.principal}

    def get_absolute_url(self):
        return reverse("core:delegation_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.archived_at is None and self.start_date <= today <= self.end_date

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        if self.principal_id and self.principal_id == self.delegate_id:
            errors["delegate"] = _("A person cannot deputise for themselves.")
        if (self.principal_id and self.delegate_id
                and self.principal.institution_id != self.delegate.institution_id):
            errors["delegate"] = _("Both people must belong to the same institution.")
        if errors:
            raise ValidationError(errors)
