"""QR labels: printable sheets (PDF) for chosen devices on common label-sheet sizes, and the
resolver their QR codes open (``/assets/q/<sicil no>/``): the device page, or the count screen of
an open count the user sits on the board of."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bilge.assets.forms.counts import LabelForm
from bilge.assets.models import Device
from bilge.assets.services.counts import count_for_device
from bilge.core import audit
from bilge.core.permissions import has_module_perm
from bilge.web.pdf import font_face_css, html_to_pdf

MAX_LABELS = 2000


@dataclass(frozen=True)
class Sheet:
    """An A4 label sheet: columns × rows of labels (mm), from the page's top-left corner."""

    key: str
    label: str
    cols: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    hgap: float = 0.0
    vgap: float = 0.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """(x, y) in mm of the label at ``index`` on its page."""
        index %= self.per_page
        row, col = divmod(index, self.cols)
        return (round(self.left + col * (self.width + self.hgap), 2), round(self.top + row * (self.height + self.vgap), 2))

    @property
    def qr_size(self) -> float:
        return round(min(self.height - 4, self.width * 0.4), 1)

    @property
    def qr_top(self) -> float:
        return round((self.height - self.qr_size) / 2, 2)


SHEETS = {sheet.key: sheet for sheet in (
    Sheet("a4_3x8", gettext_lazy("A4, 3 × 8 labels of 70 × 37 mm"), 3, 8, 70, 37, 0, 0.5),
    Sheet("a4_2x7", gettext_lazy("A4, 2 × 7 labels of 99.1 × 38.1 mm"), 2, 7, 99.1, 38.1, 4.65, 15.15, hgap=2.5),
    Sheet("a4_4x10", gettext_lazy("A4, 4 × 10 labels of 48.5 × 25.4 mm"), 4, 10, 48.5, 25.4, 8, 21.5),
    Sheet("a4_3x7", gettext_lazy("A4, 3 × 7 labels of 63.5 × 38.1 mm"), 3, 7, 63.5, 38.1, 7.2, 15.15, hgap=2.5),
)}


def qr_url(request, device: Device) -> str:
    """The absolute URL a device's label encodes (the installation's address when configured)."""
    relative = reverse("assets:device_qr", args=[device.sicil_no])
    base = (getattr(settings, "BILGE_BASE_URL", "") or "").rstrip("/")
    return f"{base}{relative}" if base else request.build_absolute_uri(relative)


def qr_data_uri(content: str) -> str:
    """The QR as a data: PNG (the PDF renderer loads nothing else), with a two-module quiet zone."""
    return segno.make(content, error="m", micro=False).png_data_uri(scale=8, border=2)


def label_sheet_pdf(request, devices, sheet: Sheet, skip: int = 0) -> bytes:
    labels = [None] * skip + [{
        "device": d, "qr": qr_data_uri(qr_url(request, d)),
        "kind": " ".join(str(p) for p in (d.device_type, d.model or "") if p),
    } for d in devices]
    pages = []
    for start in range(0, len(labels), sheet.per_page):
        chunk = labels[start:start + sheet.per_page]
        pages.append([(label, *sheet.position(i)) for i, label in enumerate(chunk) if label is not None])
    html = render_to_string("assets/label_sheet_pdf.html", {
        "pages": pages, "sheet": sheet, "font_face_css": font_face_css(), "title": _("Labels"),
        "font_family": "Bilge DejaVu Sans",
    }, request=request)
    return html_to_pdf(html)


class Labels(View):
    """Choose devices (the list's selection or sicil numbers) and a sheet; get the PDF."""

    def _check(self, request):
        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied

    def get(self, request):
        self._check(request)
        return render(request, "assets/label_form.html", {"form": LabelForm(request=request, initial={
            "sheet": "a4_3x8"}), "ids": LabelForm(request=request).ids()})

    def post(self, request):
        self._check(request)
        form = LabelForm(request.POST, request=request)
        if not form.is_valid():
            return render(request, "assets/label_form.html", {"form": form, "ids": form.ids()}, status=400)
        devices = form.cleaned_data["devices"][:MAX_LABELS]
        devices = list(Device.objects.filter(pk__in=[d.pk for d in devices])
                       .select_related("device_type", "model__manufacturer", "institution").order_by("sicil_no"))
        sheet = SHEETS[form.cleaned_data["sheet"]]
        data = label_sheet_pdf(request, devices, sheet, min(form.cleaned_data["skip"], sheet.per_page - 1))
        audit.record("labels", object_type="assets.device", object_repr=_("QR labels"),
                     changes={"devices": [d.sicil_no for d in devices][:200], "sheet": sheet.key})
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="etiketler.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class QRResolver(View):
    """What a label's QR opens: the count screen (with the device to count) when the user sits on
    the board of an open count that expects the device or covers its place; else the device page."""

    def get(self, request, sicil):
        sicil = sicil.strip("/")
        device = Device.objects.filter(sicil_no=sicil).first()
        count = count_for_device(request.user, device) if device is not None else None
        if count is not None:
            return redirect(f"{count.get_absolute_url()}?{urlencode({'code': sicil})}")
        if device is None or not Device.objects.visible_to(request.user, "view").filter(pk=device.pk).exists():
            raise Http404(_("No device you may see has this sicil no."))
        return redirect(device.get_absolute_url())


class DeviceSelection(View):
    """Where the device list's bulk bar can send its ticked rows (``ids``) with ``action`` =
    ``labels`` (the label form) or ``dispose`` (the disposal proposal), both filled with them."""

    def post(self, request):
        from bilge.assets.forms.disposal import ProposeForm

        action = request.POST.get("action")
        if action == "labels":
            form = LabelForm(request=request, initial={"sheet": "a4_3x8"})
            template = "assets/label_form.html"
        elif action == "dispose":
            if not has_module_perm(request.user, "assets", "add"):
                raise PermissionDenied
            form = ProposeForm(request=request)
            template = "assets/disposal_propose.html"
        else:
            raise Http404
        if not has_module_perm(request.user, "assets", "view"):
            raise PermissionDenied
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()][:MAX_LABELS]
        return render(request, template, {"form": form, "ids": ids})


urlpatterns = [
    path("labels/", Labels.as_view(), name="labels"),
    path("labels/selection/", DeviceSelection.as_view(), name="device_selection"),
    path("q/<path:sicil>/", QRResolver.as_view(), name="device_qr"),
]
