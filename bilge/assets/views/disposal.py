"""Disposal pages: the list (generic), the proposal, the committee, the decision, the wiping
evidence per data-bearing device, completion, and the Kayıttan Düşme Teklif ve Onay Tutanağı."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count as CountOf
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from bilge.assets.filters.disposal import DisposalFilterSet
from bilge.assets.forms.disposal import DecisionForm, MembersForm, ProposeForm, WipingForm
from bilge.assets.models import Disposal
from bilge.assets.services import disposal as services
from bilge.assets.tables.disposal import disposal_table
from bilge.core.permissions import can, has_module_perm
from bilge.web.generic import ModelUI, require_module
from bilge.web.pdf import pdf_context, pdf_response


class DisposalUI(ModelUI):
    model = Disposal
    namespace = "assets"
    url_prefix = "disposals"
    filterset = DisposalFilterSet
    table = disposal_table
    archivable = False
    detail_template = "assets/disposal_detail.html"

    @classmethod
    def queryset(cls, request, action="view"):
        return super().queryset(request, action).annotate(n_items=CountOf("items"))

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        items = list(obj.items.select_related("device__device_type", "device__model__manufacturer", "wiped_by")
                     .order_by("device__sicil_no"))
        members = list(obj.members.select_related("person__unit").order_by("-is_chair", "person__last_name"))
        editable = obj.state in (Disposal.State.PROPOSED, Disposal.State.APPROVED)
        may_change = can(user, "change", obj)
        return {
            "items": items,
            "members": members,
            "committee_problems": services.committee_problems(obj, [(m.person, m.is_chair, m.is_expert)
                                                                    for m in members]),
            "missing": {i.pk for i in items if i.device.device_type.stores_data
                        and not (i.wipe_evidence and i.wiped_at)},
            "may_change": may_change and editable,
            "may_decide": obj.state == Disposal.State.PROPOSED and can(user, "approve", obj),
            "may_complete": may_change and obj.state == Disposal.State.APPROVED,
            "committee_form": MembersForm(initial=MembersForm.initial_for(members), request=request),
            "decision_form": DecisionForm(request=request),
            "wiping_form": WipingForm(request=request),
        }


UIS = [DisposalUI]


def _disposal(request, pk, action="view"):
    require_module(request, DisposalUI, "view")
    return get_object_or_404(DisposalUI.queryset(request, action), pk=pk)


def _fail(request, exc):
    if isinstance(exc, PermissionError):
        raise PermissionDenied(str(exc)) from exc
    messages.error(request, " ".join(exc.messages))


class Propose(View):
    def get(self, request):
        require_module(request, DisposalUI, "add")
        return self._render(request, ProposeForm(request=request))

    def post(self, request):
        require_module(request, DisposalUI, "add")
        form = ProposeForm(request.POST, request=request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                disposal = services.propose(request.user, data["devices"], data["reason"], data["method"],
                                            warehouse=data.get("warehouse"))
            except (ValidationError, PermissionError) as exc:
                if isinstance(exc, PermissionError):
                    raise PermissionDenied(str(exc)) from exc
                form.add_error(None, exc)
            else:
                messages.success(request, _("Proposed for disposal: %(number)s") % {"number": disposal.number})
                return redirect(disposal.get_absolute_url())
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(request, "assets/disposal_propose.html", {"form": form, "ids": form.ids()}, status=status)


class Committee(View):
    def post(self, request, pk):
        disposal = _disposal(request, pk, "change")
        form = MembersForm(request.POST, request=request)
        if form.is_valid():
            try:
                services.set_committee(request.user, disposal, form.members())
            except (ValidationError, PermissionError) as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("The committee is recorded."))
        else:
            messages.error(request, _("Check the committee members."))
        return redirect(disposal.get_absolute_url())


class Decide(View):
    def post(self, request, pk):
        disposal = _disposal(request, pk, "view")
        if not has_module_perm(request.user, "assets", "approve"):
            raise PermissionDenied(_("Deciding a disposal needs the right to approve (assets.approve)."))
        form = DecisionForm(request.POST, request=request)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(disposal.get_absolute_url())
        data = form.cleaned_data
        try:
            services.decide(request.user, disposal, data["approved"], data["decision_date"], data["decision_no"],
                            data["note"])
        except (ValidationError, PermissionError) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The committee's decision is recorded."))
        return redirect(disposal.get_absolute_url())


class Wiping(View):
    def post(self, request, pk, item):
        disposal = _disposal(request, pk, "change")
        line = get_object_or_404(disposal.items, pk=item)
        form = WipingForm(request.POST, request=request)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(disposal.get_absolute_url())
        data = form.cleaned_data
        try:
            services.record_wiping(request.user, line, data["method"], data["evidence"], data["wiped_by"])
        except (ValidationError, PermissionError) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Wiping evidence recorded for %(sicil)s.") % {"sicil": line.device.sicil_no})
        return redirect(disposal.get_absolute_url())


class Complete(View):
    def post(self, request, pk):
        disposal = _disposal(request, pk, "change")
        try:
            services.complete(request.user, disposal)
        except (ValidationError, PermissionError) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Disposal %(number)s is completed: the devices are marked disposed.")
                             % {"number": disposal.number})
        return redirect(disposal.get_absolute_url())


class DisposalPdf(View):
    """Kayıttan Düşme Teklif ve Onay Tutanağı."""

    def get(self, request, pk):
        disposal = _disposal(request, pk, "view")
        items = (disposal.items.select_related("device__device_type", "device__model__manufacturer",
                                               "device__tasinir_code", "wiped_by").order_by("device__sicil_no"))
        members = disposal.members.select_related("person__unit", "person__position").order_by("-is_chair", "pk")
        context = pdf_context(request, "Kayıttan Düşme Teklif ve Onay Tutanağı", institution=disposal.institution,
                              disposal=disposal, items=items, members=members)
        return pdf_response(request, "assets/disposal_pdf.html", context, f"{disposal.number}.pdf")


urlpatterns = [
    path("disposals/propose/", Propose.as_view(), name="disposal_propose"),
    path("disposals/<int:pk>/committee/", Committee.as_view(), name="disposal_committee"),
    path("disposals/<int:pk>/decide/", Decide.as_view(), name="disposal_decide"),
    path("disposals/<int:pk>/items/<int:item>/wiping/", Wiping.as_view(), name="disposal_wiping"),
    path("disposals/<int:pk>/complete/", Complete.as_view(), name="disposal_complete"),
    path("disposals/<int:pk>/pdf/", DisposalPdf.as_view(), name="disposal_pdf"),
]
