"""Pages of warehouses and stock: warehouses, stock items, stock levels (with "at or below the
reorder level"), Varlık İşlem Fişleri (list, detail, history, export, PDF), the entry of a receipt,
issue, transfer or return, inspection and cancellation, and consumption per unit and per printer."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View

from bilge.assets.filters import stock as filters
from bilge.assets.forms import stock as forms
from bilge.assets.models import Movement, StockItem, StockLevel, Warehouse
from bilge.assets.services import stock as services
from bilge.assets.tables import stock as tables
from bilge.core.permissions import can, has_module_perm
from bilge.web.generic import ModelUI


class WarehouseUI(ModelUI):
    model = Warehouse
    namespace = "assets"
    url_prefix = "warehouses"
    filterset = filters.WarehouseFilterSet
    form = forms.WarehouseForm
    table = tables.warehouse_table
    detail_template = "assets/warehouse_detail.html"
    detail_fields = ("institution", "code", "name", "unit", "location", "kayit_officer", "kontrol_officer")

    @classmethod
    def detail_context(cls, request, obj):
        levels = StockLevel.objects.visible_to(request.user, "view").filter(warehouse=obj).select_related("item")
        movements = (Movement.objects.visible_to(request.user, "view").filter(warehouse=obj)
                     .select_related("to_unit", "to_person").order_by("-date", "-id")[:20])
        return {"levels": levels.order_by("item__name"), "movements": movements,
                "can_move": has_module_perm(request.user, "assets", "add") and can(
                    request.user, "add", Movement(institution_id=obj.institution_id, warehouse=obj))}


class StockItemUI(ModelUI):
    model = StockItem
    namespace = "assets"
    url_prefix = "stock-items"
    filterset = filters.StockItemFilterSet
    form = forms.StockItemForm
    table = tables.stockitem_table
    detail_template = "assets/stock_item_detail.html"
    detail_fields = ("institution", "code", "name", "kind", "tasinir_code", "measure", "reorder_level")

    @classmethod
    def queryset(cls, request, action="view"):
        return super().queryset(request, action).prefetch_related("fits__manufacturer")

    @classmethod
    def detail_context(cls, request, obj):
        levels = (StockLevel.objects.visible_to(request.user, "view").filter(item=obj)
                  .select_related("warehouse").order_by("warehouse__code"))
        return {"levels": levels, "fits": obj.fits.select_related("manufacturer")}


class StockLevelUI(ModelUI):
    model = StockLevel
    namespace = "assets"
    url_prefix = "stock-levels"
    filterset = filters.StockLevelFilterSet
    form = forms.StockLevelForm
    table = tables.stocklevel_table
    archivable = False
    detail_fields = ("warehouse", "item", "quantity", "reorder_level", "alerted_at")


class MovementUI(ModelUI):
    model = Movement
    namespace = "assets"
    url_prefix = "movements"
    filterset = filters.MovementFilterSet
    form = None
    archivable = False
    table = tables.movement_table
    detail_template = "assets/movement_detail.html"

    @classmethod
    def detail_context(cls, request, obj):
        lines = obj.lines.select_related("item", "item__tasinir_code", "device", "device__tasinir_code",
                                         "for_device").order_by("pk")
        pending = obj.state == Movement.State.PENDING_INSPECTION
        return {"lines": lines, "total": services.movement_total(obj),
                "can_accept": pending and services.can_accept(request.user, obj),
                "can_cancel": pending and can(request.user, "change", obj)}


UIS = [WarehouseUI, StockItemUI, StockLevelUI, MovementUI]

KINDS = {
    "receipt": Movement.Kind.RECEIPT, "issue": Movement.Kind.ISSUE,
    "transfer": Movement.Kind.TRANSFER, "return": Movement.Kind.RETURN,
}
TITLES = {
    "receipt": _lazy("New receipt from purchase"), "issue": _lazy("New issue"),
    "transfer": _lazy("New transfer"), "return": _lazy("New return to stock"),
}


class MovementNew(View):
    """One page for the four movements people record by hand; the service decides (approved
    request or written order, stock left, devices usable) and nothing is written when it refuses."""

    def _form(self, request, kind, data=None):
        if kind not in KINDS:
            raise Http404
        if not has_module_perm(request.user, "assets", "add"):
            raise PermissionDenied(_("You do not have the right to do this."))
        initial = {}
        for key in ("warehouse", "ticket"):
            if request.GET.get(key, "").isdigit():
                initial[key] = int(request.GET[key])
        return forms.MovementForm(data, kind=KINDS[kind], user=request.user, initial=initial)

    def _render(self, request, kind, form, status=200):
        return render(request, "assets/movement_new.html",
                      {"form": form, "kind": kind, "title": TITLES[kind], "list_url": MovementUI.url("list")},
                      status=status)

    def get(self, request, kind):
        return self._render(request, kind, self._form(request, kind))

    def post(self, request, kind):
        form = self._form(request, kind, request.POST)
        if not form.is_valid():
            return self._render(request, kind, form, status=400)
        data, user = form.cleaned_data, request.user
        try:
            if kind == "receipt":
                movement = services.receive(user, data["warehouse"], data["lines"], supplier=data["supplier"],
                                            invoice_no=data["invoice_no"], procurement_ref=data["procurement_ref"],
                                            date=data["date"], note=data["note"])
            elif kind == "issue":
                movement = services.issue(user, data["warehouse"], data["lines"], ticket=data["ticket"],
                                          order_ref=data["order_ref"], to_unit=data["to_unit"],
                                          to_person=data["to_person"], date=data["date"], note=data["note"])
            elif kind == "transfer":
                if data["to_warehouse"] is None:
                    raise ValidationError(_("Choose the warehouse to transfer to."))
                movement = services.transfer(user, data["warehouse"], data["to_warehouse"], data["lines"],
                                             date=data["date"], note=data["note"])
            else:
                movement = services.return_to_stock(user, data["warehouse"], data["lines"],
                                                    from_unit=data["from_unit"], from_person=data["from_person"],
                                                    date=data["date"], note=data["note"])
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
            return self._render(request, kind, form, status=400)
        messages.success(request, _("Varlık İşlem Fişi %(number)s recorded.") % {"number": movement.number})
        return redirect(movement.get_absolute_url())


class MovementAction(View):
    """Accept (inspection) or cancel a receipt waiting for inspection."""

    def post(self, request, pk):
        movement = get_object_or_404(MovementUI.queryset(request, "view"), pk=pk)
        action = request.POST.get("action", "")
        try:
            if action == "accept":
                services.accept(request.user, movement)
                messages.success(request, _("Accepted: %(number)s") % {"number": movement.number})
            elif action == "cancel":
                services.cancel(request.user, movement, request.POST.get("reason", ""))
                messages.success(request, _("Cancelled: %(number)s") % {"number": movement.number})
            else:
                raise Http404
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(movement.get_absolute_url())


def movement_pdf_bytes(request, movement: Movement) -> bytes:
    from bilge.web.pdf import pdf_context, render_pdf

    lines = list(movement.lines.select_related("item", "item__tasinir_code", "device", "device__tasinir_code",
                                               "device__model", "for_device").order_by("pk"))
    for line in lines:
        line.total = line.unit_price * line.quantity if line.unit_price is not None else None
    context = pdf_context(request, "Varlık İşlem Fişi", institution=movement.institution, movement=movement,
                         warehouse=movement.warehouse, lines=lines, total=services.movement_total(movement))
    return render_pdf("assets/movement_pdf.html", context, request)


class MovementPdf(View):
    def get(self, request, pk):
        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied
        movement = get_object_or_404(MovementUI.queryset(request, "view").select_related(
            "institution", "warehouse", "warehouse__kayit_officer", "warehouse__kontrol_officer", "ticket"), pk=pk)
        response = HttpResponse(movement_pdf_bytes(request, movement), content_type="application/pdf")
        name = f"varlik-islem-fisi-{movement.warehouse.code}-{movement.number.replace('/', '-')}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


def _date(value, default):
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(value or "", fmt).date()
        except ValueError:
            continue
    return default


class StockConsumption(View):
    """Issued quantities by item per receiving unit and per printer over a date range (and Excel)."""

    def get(self, request):
        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied
        today = timezone.localdate()
        date_from = _date(request.GET.get("date_from"), today.replace(month=1, day=1))
        date_to = _date(request.GET.get("date_to"), today)
        warehouses = Warehouse.objects.visible_to(request.user, "view").order_by("code")
        warehouse = None
        if request.GET.get("warehouse", "").isdigit():
            warehouse = warehouses.filter(pk=int(request.GET["warehouse"])).first()
        data = services.consumption(request.user, date_from, date_to, warehouse)
        if request.GET.get("export") == "xlsx":
            if not has_module_perm(request.user, "assets", "export"):
                raise PermissionDenied
            return self._xlsx(data, date_from, date_to)
        return render(request, "assets/stock_consumption.html", {
            "data": data, "date_from": date_from, "date_to": date_to, "warehouses": warehouses,
            "warehouse": warehouse, "can_export": has_module_perm(request.user, "assets", "export"),
            "query": request.GET.urlencode()})

    def _xlsx(self, data, date_from, date_to):
        from bilge.core import audit
        from bilge.web.exports import xlsx_bytes

        headers = [_("unit"), _("device"), _("code"), _("stock item"), _("quantity"), _("unit of measure")]
        rows = [[r["movement__to_unit__name"], "", r["item__code"], r["item__name"], r["total"], r["item__measure"]]
                for r in data["units"]]
        rows += [["", " ".join(filter(None, [r["for_device__sicil_no"], r["for_device__name"]
                                               or r["for_device__model__name"]])),
                  r["item__code"], r["item__name"], r["total"], r["item__measure"]] for r in data["devices"]]
        audit.record("export", object_type="assets.movementline", object_repr=_("consumption"),
                     changes={"format": "xlsx", "from": date_from.isoformat(), "to": date_to.isoformat()})
        body = xlsx_bytes(_("consumption"), [str(h) for h in headers], rows)
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="consumption-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"'
        return response


class StockPersonAutocomplete(View):
    """The person picker of a movement (who receives, who returns): people of the institution."""

    def get(self, request):
        from bilge.core.views import person_options

        if not has_module_perm(request.user, "assets", "add"):
            raise PermissionDenied
        return person_options(forms.counterparts(request.user)[1], request.GET.get("q", ""))


urlpatterns = [
    path("stock/people/", StockPersonAutocomplete.as_view(), name="stock_person_autocomplete"),
    path("movements/new/<str:kind>/", MovementNew.as_view(), name="movement_new"),
    path("movements/<int:pk>/action/", MovementAction.as_view(), name="movement_action"),
    path("movements/<int:pk>/pdf/", MovementPdf.as_view(), name="movement_pdf"),
    path("stock/consumption/", StockConsumption.as_view(), name="stock_consumption"),
]
