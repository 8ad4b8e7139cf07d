"""Software, licence, assignment, installation and certificate pages. A licence's page shows its
compliance (seats owned vs assigned vs installations known) and assigns seats; a certificate's
page shows "renewable from" for KamuSM e-signatures and records the revocation."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from bilge.assets.filters import software as filters
from bilge.assets.forms import software as forms
from bilge.assets.models import Certificate, Installation, Licence, LicenceAssignment, Software
from bilge.assets.services import software as services
from bilge.assets.tables import software as tables
from bilge.core.permissions import can
from bilge.web.generic import ModelUI


def _without(patterns, *names):
    return [p for p in patterns if p.name not in names]


def _service_call(request, call):
    """Run a service call; PermissionError → 403, ValidationError → the form's error."""
    try:
        return call()
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


class SoftwareUI(ModelUI):
    model = Software
    namespace = "assets"
    url_prefix = "software"
    filterset = filters.SoftwareFilterSet
    form = forms.SoftwareForm
    table = tables.software_table
    detail_template = "assets/software_detail.html"
    detail_fields = ("institution", "name", "publisher", "category", "is_open_source", "approved", "notes")

    @classmethod
    def detail_context(cls, request, obj):
        compliance = services.software_compliance(Software.objects.filter(pk=obj.pk))[obj.pk]
        licences = (obj.licences.visible_to(request.user, "view").select_related("responsible")
                    .annotate(assigned_count=Count("assignments")).order_by("archived_at", "expiry_date"))
        installations = Installation.objects.visible_to(request.user, "view").filter(software=obj)
        return {"compliance": compliance, "licences": licences,
                "installations": installations.select_related("device").order_by("device__sicil_no")[:100],
                "installation_count": installations.count()}


class LicenceUI(ModelUI):
    model = Licence
    namespace = "assets"
    url_prefix = "licences"
    filterset = filters.LicenceFilterSet
    form = forms.LicenceForm
    table = tables.licence_table
    detail_template = "assets/licence_detail.html"
    detail_fields = ("institution", "software", "kind", "quantity", "reference", "start_date", "expiry_date",
                     "supplier", "cost", "contract", "responsible")

    @classmethod
    def queryset(cls, request, action="view"):
        return super().queryset(request, action).annotate(assigned_count=Count("assignments"))

    @classmethod
    def detail_context(cls, request, obj):
        assignments = obj.assignments.select_related("person__unit", "device").order_by("-created_at")
        return {"compliance": services.licence_compliance(obj), "assignments": assignments[:500],
                "in_force": obj.in_force(), "can_assign": can(request.user, "change", obj),
                "assign_form": forms.LicenceAssignmentForm(initial={"licence": obj.pk}, request=request)}


class LicenceAssignmentUI(ModelUI):
    model = LicenceAssignment
    namespace = "assets"
    url_prefix = "licence-assignments"
    filterset = filters.LicenceAssignmentFilterSet
    form = forms.LicenceAssignmentForm
    table = tables.licenceassignment_table
    archivable = False
    detail_fields = ("licence", "person", "device", "created_at")

    @classmethod
    def urlpatterns(cls):
        return _without(super().urlpatterns(), "licenceassignment_edit") + [
            path("licence-assignments/<int:pk>/unassign/", UnassignLicence.as_view(),
                 name="licenceassignment_unassign")]

    @classmethod
    def new_instance(cls, request):
        obj = LicenceAssignment()
        pk = request.GET.get("licence", "")
        if pk.isdigit():
            obj.licence = Licence.objects.visible_to(request.user, "view").filter(pk=pk).first()
        return obj

    @classmethod
    def save_form(cls, request, form, creating):
        licence, person = form.cleaned_data["licence"], form.cleaned_data.get("person")
        return _service_call(request, lambda: services.assign_licence(request.user, licence, person=person,
                                                                      device=form.device))


class InstallationUI(ModelUI):
    model = Installation
    namespace = "assets"
    url_prefix = "installations"
    filterset = filters.InstallationFilterSet
    form = forms.InstallationForm
    table = tables.installation_table
    archivable = False
    detail_fields = ("device", "software", "version", "source", "seen_at")

    @classmethod
    def urlpatterns(cls):
        return _without(super().urlpatterns(), "installation_edit")

    @classmethod
    def save_form(cls, request, form, creating):
        data = form.cleaned_data
        return _service_call(request, lambda: services.record_installation(
            request.user, form.device, data["software"], data.get("version", "")))


class CertificateUI(ModelUI):
    model = Certificate
    namespace = "assets"
    url_prefix = "certificates"
    filterset = filters.CertificateFilterSet
    form = forms.CertificateForm
    table = tables.certificate_table
    detail_template = "assets/certificate_detail.html"
    detail_fields = ("institution", "kind", "subject", "holder", "issuer", "serial", "valid_from", "valid_to",
                     "device", "responsible", "revoked_at", "revocation_reminded_at", "notes")

    @classmethod
    def urlpatterns(cls):
        return super().urlpatterns() + [
            path("certificates/<int:pk>/revoke/", RevokeCertificate.as_view(), name="certificate_revoke")]

    @classmethod
    def detail_context(cls, request, obj):
        return {"days_left": obj.days_left(), "renewable_from": obj.renewable_from, "holder_left": obj.holder_left,
                "can_revoke": obj.revoked_at is None and can(request.user, "change", obj),
                "revoke_form": forms.RevokeForm()}


class UnassignLicence(View):
    def post(self, request, pk):
        assignment = get_object_or_404(LicenceAssignment.objects.visible_to(request.user, "view")
                                       .select_related("licence"), pk=pk)
        licence = assignment.licence
        _service_call(request, lambda: services.unassign_licence(request.user, assignment))
        messages.success(request, _("The seat is free again."))
        return redirect(licence.get_absolute_url())


class RevokeCertificate(View):
    def post(self, request, pk):
        certificate = get_object_or_404(Certificate.objects.visible_to(request.user, "view"), pk=pk)
        form = forms.RevokeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the date of the revocation."))
            return redirect(certificate.get_absolute_url())
        try:
            _service_call(request, lambda: services.revoke_certificate(
                request.user, certificate, form.cleaned_data["revoked_at"], form.cleaned_data["reason"]))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The revocation is recorded."))
        return redirect(certificate.get_absolute_url())


UIS = [SoftwareUI, LicenceUI, LicenceAssignmentUI, InstallationUI, CertificateUI]
urlpatterns = []
