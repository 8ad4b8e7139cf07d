"""Custody pages: the Taşınır Teslim Belgeleri (list and detail, read only: they are made only by
the custody acts), the acts' form, the PDFs, and the portal's "my devices"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from bilge.assets.filters.custody import CustodyFilterSet
from bilge.assets.forms.custody import CustodyActForm
from bilge.assets.models import Custody, Device, Location
from bilge.assets.services import custody as services
from bilge.assets.tables.custody import custody_table
from bilge.core.permissions import has_module_perm, person_of
from bilge.web.generic import ModelUI


class CustodyUI(ModelUI):
    model = Custody
    namespace = "assets"
    url_prefix = "custody"
    filterset = CustodyFilterSet
    form = None
    archivable = False
    table = custody_table
    detail_template = "assets/custody_detail.html"

    @classmethod
    def queryset(cls, request, action="view"):
        qs = super().queryset(request, action)
        person = person_of(request.user)
        if action != "view" or person is None:
            return qs
        # The two people a document names read it, whatever their scope.
        return qs | Custody.objects.filter(Q(giver=person) | Q(receiver=person))

    @classmethod
    def detail_context(cls, request, obj):
        person = person_of(request.user)
        lines = obj.lines.select_related("device__device_type", "device__model__manufacturer").order_by(
            "device__sicil_no")
        return {"lines": lines,
                "can_confirm": person is not None and obj.receiver_id == person.pk and obj.confirmed_at is None}


UIS = [CustodyUI]

KINDS = {"handover": Custody.Kind.HANDOVER, "return": Custody.Kind.RETURN, "transfer": Custody.Kind.TRANSFER}


class CustodyAct(View):
    """Hand over, take back or transfer: one form, one Taşınır Teslim Belgesi."""

    def _check(self, request, kind):
        if kind not in KINDS:
            raise Http404
        if not has_module_perm(request.user, "assets", "change"):
            raise PermissionDenied

    def get(self, request, kind):
        self._check(request, kind)
        initial = {}
        ids = [i for i in request.GET.get("devices", "").split(",") if i.isdigit()]
        if ids:
            numbers = Device.objects.visible_to(request.user, "change").filter(pk__in=ids).values_list(
                "sicil_no", flat=True)
            initial["devices"] = "\n".join(numbers)
        form = CustodyActForm(initial=initial, kind=kind, user=request.user)
        return self._render(request, kind, form)

    def post(self, request, kind):
        self._check(request, kind)
        form = CustodyActForm(request.POST, kind=kind, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "handover":
                    custody = services.hand_over(request.user, data["devices"], receiver=data.get("receiver"),
                                                 room=data.get("room"), date=data.get("date"), note=data["note"])
                elif kind == "return":
                    custody = services.take_back(request.user, data["devices"], date=data.get("date"),
                                                 note=data["note"], warehouse=data.get("warehouse"))
                else:
                    custody = services.transfer(request.user, data["devices"], data["receiver"],
                                                date=data.get("date"), note=data["note"])
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("%(number)s is recorded. Print it for signatures, or let the receiver "
                                            "confirm it in \"my devices\".") % {"number": custody.number})
                return redirect(custody.get_absolute_url())
        return self._render(request, kind, form, status=400)

    def _render(self, request, kind, form, status=200):
        return render(request, "assets/custody_act.html",
                      {"form": form, "kind": kind, "title": Custody.Kind(KINDS[kind]).label}, status=status)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class CustodyPDF(View):
    """The Taşınır Teslim Belgesi as PDF: for those who may read it and the two people it names."""

    def get(self, request, pk):
        custody = get_object_or_404(Custody, pk=pk)
        if not services.can_read(request.user, custody):
            raise Http404
        return _pdf(services.custody_pdf(custody, request.user), f"{custody.number}.pdf")


class RoomListPDF(View):
    """The Dayanıklı Taşınırlar Listesi of a shared room."""

    def get(self, request, pk):
        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied
        room = get_object_or_404(Location.objects.visible_to(request.user).filter(shared=True), pk=pk)
        return _pdf(services.room_list_pdf(room, request.user), f"dayanikli-tasinirlar-{room.pk}.pdf")


class MyDevices(View):
    """The portal's "my devices": what I hold, the documents waiting for my confirmation, all my documents."""

    def get(self, request):
        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied(_("You do not have the right to do this."))
        person = person_of(request.user)
        if person is None:  # an account of no one on the staff list (an administrator): nothing to hold
            return render(request, "assets/my_devices.html", {"no_person": True})
        return render(request, "assets/my_devices.html", {
            "devices": services.open_items(person).select_related("location"),
            "pending": services.unconfirmed(person),
            "documents": services.documents_of(person)[:50],
        })


def custody_people(user):
    """The people a custody act may name: the current people of the user's institution for
    those who hand devices over; for others, the holders of the devices they may see."""
    from bilge.core.models import Person

    person = person_of(user)
    if has_module_perm(user, "assets", "change") and (person is not None or user.is_superuser):
        people = Person.objects.current()
        return people.filter(institution_id=person.institution_id) if person is not None else people
    return Person.objects.filter(pk__in=Device.objects.visible_to(user).values("holder_id"))


class PeopleAutocomplete(View):
    def get(self, request):
        from bilge.core.views import person_options

        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied
        return person_options(custody_people(request.user), request.GET.get("q", ""))


class ConfirmCustody(View):
    def post(self, request, pk):
        custody = get_object_or_404(Custody, pk=pk)
        try:
            services.confirm(request.user, custody)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("You confirmed %(number)s.") % {"number": custody.number})
        back = request.POST.get("next", "")
        return redirect(back if back.startswith("/") and not back.startswith("//") else "assets:my_devices")


urlpatterns = [
    path("custody/new/<str:kind>/", CustodyAct.as_view(), name="custody_act"),
    path("custody/<int:pk>/pdf/", CustodyPDF.as_view(), name="custody_pdf"),
    path("custody/<int:pk>/confirm/", ConfirmCustody.as_view(), name="custody_confirm"),
    path("custody/rooms/<int:pk>/pdf/", RoomListPDF.as_view(), name="custody_room_pdf"),
    path("my-devices/", MyDevices.as_view(), name="my_devices"),
    path("custody/people/", PeopleAutocomplete.as_view(), name="custody_people"),
]
