"""Pages of devices, their catalogue (taşınır codes, types, manufacturers, models) and locations."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bilge.assets.filters import devices as filters
from bilge.assets.forms import devices as forms
from bilge.assets.models import (
    Device,
    DeviceLink,
    DeviceModel,
    DeviceType,
    Location,
    Manufacturer,
    TasinirCode,
)
from bilge.assets.services import devices as services
from bilge.assets.tables import devices as tables
from bilge.core.permissions import can, has_module_perm, person_of
from bilge.servicedesk.forms_schema import labelled_answers
from bilge.web.generic import ModelUI, ObjectEditView, perform, require_module


class TasinirCodeUI(ModelUI):
    """The official code list: read only (loaded with ``bilge load_tasinir_codes``)."""

    model = TasinirCode
    namespace = "assets"
    url_prefix = "tasinir-codes"
    filterset = filters.TasinirCodeFilterSet
    form = None
    archivable = False
    table = tables.tasinircode_table
    detail_fields = ("code", "name", "parent")


class DeviceTypeUI(ModelUI):
    model = DeviceType
    namespace = "assets"
    url_prefix = "device-types"
    filterset = filters.DeviceTypeFilterSet
    form = forms.DeviceTypeForm
    table = tables.devicetype_table
    detail_template = "assets/device_type_detail.html"
    detail_fields = ("code", "name_tr", "name_en", "tasinir_code", "stores_data", "is_network", "icon")


class ManufacturerUI(ModelUI):
    model = Manufacturer
    namespace = "assets"
    url_prefix = "manufacturers"
    filterset = filters.ManufacturerFilterSet
    form = forms.ManufacturerForm
    table = tables.manufacturer_table
    detail_fields = ("name", "website", "support_phone")


class DeviceModelUI(ModelUI):
    model = DeviceModel
    namespace = "assets"
    url_prefix = "device-models"
    filterset = filters.DeviceModelFilterSet
    form = forms.DeviceModelForm
    table = tables.devicemodel_table
    detail_fields = ("manufacturer", "device_type", "name", "attributes")


class LocationUI(ModelUI):
    model = Location
    namespace = "assets"
    url_prefix = "locations"
    filterset = filters.LocationFilterSet
    form = forms.LocationForm
    table = tables.location_table
    detail_template = "assets/location_detail.html"
    detail_fields = ("institution", "parent", "kind", "code", "unit", "shared", "address", "is_remote",
                     "internet_provider", "internet_speed", "circuit_no")

    @classmethod
    def new_instance(cls, request):
        person = person_of(request.user)
        return Location(institution_id=person.institution_id if person else None)

    @classmethod
    def detail_context(cls, request, obj):
        from bilge.assets.services.custody import room_devices

        children = Location.objects.visible_to(request.user).filter(parent=obj, archived_at__isnull=True)
        devices = Device.objects.visible_to(request.user).filter(location=obj).select_related(
            "device_type", "holder").order_by("sicil_no")[:200]
        return {"children": children, "devices": devices,
                "room_list": obj.shared and room_devices(obj).exists()}


class DeviceUI(ModelUI):
    model = Device
    namespace = "assets"
    url_prefix = "devices"
    filterset = filters.DeviceFilterSet
    form = forms.DeviceForm
    table = tables.device_table
    detail_template = "assets/device_detail.html"
    detail_fields = ("sicil_no", "tasinir_code", "device_type", "model", "name", "serial", "status", "holder",
                     "unit", "location", "warehouse", "ip_address", "mac_address", "host_name", "approved",
                     "purchase_date", "price", "supplier", "procurement_ref", "invoice_no", "warranty_end", "notes")
    count_limit = 10_000
    search_count_limit = 1_000
    # The ticked rows go to the label sheet or to a disposal proposal (bilge.assets.views.labels).
    bulk_actions = (("labels", gettext_lazy("Print QR labels")), ("dispose", gettext_lazy("Propose for disposal")))
    bulk_url_name = "assets:device_selection"

    @classmethod
    def urlpatterns(cls):
        editor = DeviceEdit.as_view(ui=cls)
        return [p for p in super().urlpatterns() if p.name not in ("device_add", "device_edit")] + [
            path("devices/add/", editor, name="device_add"),
            path("devices/<int:pk>/edit/", editor, name="device_edit"),
        ]

    @classmethod
    def new_instance(cls, request):
        person = person_of(request.user)
        device_type = None
        if (request.GET.get("type") or "").isdigit():
            device_type = DeviceType.objects.filter(pk=request.GET["type"], archived_at__isnull=True).first()
        return Device(institution_id=person.institution_id if person else None, device_type=device_type,
                      tasinir_code_id=device_type.tasinir_code_id if device_type else None)

    @classmethod
    def save_form(cls, request, form, creating):
        device = form.save(commit=False)
        try:
            return services.create_device(request.user, device) if creating else services.update_device(
                request.user, device)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc  # the form shows them above its fields

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        staff = can(user, "change", obj)
        custody_lines = obj.custody_lines.select_related("custody__giver", "custody__receiver", "custody__room") \
            .order_by("-custody__date", "-custody_id")[:50]
        return {
            "attributes": labelled_answers(obj.device_type.fields or [], obj.attributes or {}),
            "staff": staff,
            "statuses": [(s, Device.Status(s).label) for s in services.allowed_statuses(obj)] if staff else [],
            "links": services.links_of(obj),
            "link_kinds": DeviceLink.Kind.choices,
            "custody_lines": custody_lines,
            "tickets": services.fault_history(user, obj)[:50] if has_module_perm(user, "servicedesk", "view") else [],
            "calls": services.vendor_calls(obj),
        }


UIS = [TasinirCodeUI, DeviceTypeUI, ManufacturerUI, DeviceModelUI, LocationUI, DeviceUI]


class DeviceEdit(ObjectEditView):
    """Add (type chosen first, then the form with the type's own fields) and edit a device."""

    def get(self, request, pk=None):
        if pk is None and not (request.GET.get("type") or "").isdigit():
            require_module(request, self.ui, "add")
            types = DeviceType.objects.filter(archived_at__isnull=True).select_related("tasinir_code")
            return render(request, "assets/device_choose_type.html", self.base_context(types=types, creating=True))
        return super().get(request, pk)

    def _object(self, request, pk):
        obj = super()._object(request, pk)
        if pk is None and obj.device_type_id is None:
            raise PermissionDenied(_("Choose the device type first."))
        return obj

    def _render(self, request, form, obj, pk, status=200):
        context = self.base_context(form=form, object=obj if pk else None, creating=pk is None)
        return render(request, "assets/device_edit.html", context, status=status)


def _device(request, pk, action="change"):
    if not has_module_perm(request.user, "assets", action):
        raise PermissionDenied
    return get_object_or_404(Device.objects.visible_to(request.user, action), pk=pk)


class DeviceStatus(View):
    """Move a device to another status (the service checks the graph and custody)."""

    def post(self, request, pk):
        device = _device(request, pk)
        status, note = request.POST.get("status", ""), request.POST.get("note", "")
        return perform(request, lambda: services.set_status(request.user, device, status, note),
                       _("Saved: %(object)s") % {"object": device.sicil_no}, device.get_absolute_url())


class DeviceLinks(View):
    """Add a relation to another device (by its sicil no) or remove one."""

    def post(self, request, pk):
        device = _device(request, pk)

        def action():
            if request.POST.get("remove"):
                link = get_object_or_404(DeviceLink.objects.filter(archived_at__isnull=True),
                                         pk=request.POST["remove"], source=device)
                services.remove_link(request.user, link)
            else:
                other = services.find_by_sicil(device.institution_id, request.POST.get("target", ""))
                if other is None or not Device.objects.visible_to(request.user).filter(pk=other.pk).exists():
                    raise ValidationError(_("No device has the sicil no %(sicil)s.") % {
                        "sicil": request.POST.get("target", "").strip()})
                services.add_link(request.user, device, request.POST.get("kind", ""), other)

        return perform(request, action, _("Saved: %(object)s") % {"object": device.sicil_no}, device.get_absolute_url())


class TicketDevices(View):
    """Link a device to a ticket by its sicil no, or unlink one (technicians, from the ticket page)."""

    def post(self, request, ticket_pk):
        from bilge.servicedesk.models import Ticket

        if not has_module_perm(request.user, "servicedesk", "change"):
            raise PermissionDenied
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user, "view"), pk=ticket_pk)

        def action():
            if request.POST.get("unlink"):
                device = get_object_or_404(ticket.devices.all(), pk=request.POST["unlink"])
                services.unlink_ticket(request.user, ticket, device)
            else:
                services.link_ticket(request.user, ticket, request.POST.get("sicil_no", ""))

        return perform(request, action, _("Saved: %(object)s") % {"object": ticket.number}, ticket.get_absolute_url())


class LocationAutocomplete(View):
    """Options for the location picker: a metropolitan institution has thousands of rooms, too many
    for a plain select on every device list. The best 20 matches of the words typed, by full name."""

    def get(self, request):
        from django.http import HttpResponse
        from django.utils.html import format_html, format_html_join

        from bilge.core.turkish import fold

        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied
        qs = Location.objects.visible_to(request.user, "view").filter(archived_at__isnull=True)
        for word in fold(request.GET.get("q", "")).split()[:5]:
            qs = qs.filter(search_text__contains=word)
        rows = qs.order_by("path").values_list("pk", "path")[:20]
        html = format_html_join("", '<option value="{}">{}</option>', rows)
        return HttpResponse(html or format_html('<option value="">{}</option>', _("No match")))


urlpatterns = [
    path("locations/autocomplete/", LocationAutocomplete.as_view(), name="location_autocomplete"),
    path("devices/<int:pk>/status/", DeviceStatus.as_view(), name="device_status"),
    path("devices/<int:pk>/links/", DeviceLinks.as_view(), name="device_links"),
    path("devices/tickets/<int:ticket_pk>/", TicketDevices.as_view(), name="ticket_devices"),
]
