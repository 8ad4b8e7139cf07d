"""Assets report pages: an index and one page per report with its filters and tables, each as
Excel (``?export=xlsx``) and PDF (``?export=pdf``). The figures come from ``bilge.assets.reports``;
the report structure, the Excel workbook and the PDF frame are the service desk's
(``bilge.servicedesk.report_views``), reused."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop
from django.views import View

from bilge.assets import reports
from bilge.servicedesk.report_views import (
    Column,
    Report,
    Section,
    display_value,
    query_without_export,
    xlsx_report,
)
from bilge.web import charts

C = Column


_lazy_format = lazy(lambda text, **values: _(text) % values, str)  # translated when shown
STATUS_COLUMNS = tuple(C(s, reports.S(s).label) for s in reports.ACTIVE) + (C("total", _lazy("Total")),)
WARRANTY_COLUMNS = (C("ended", _lazy("Warranty ended")), C("ending", _lazy("Ends within 90 days")),
                    C("covered", _lazy("Under warranty")), C("unknown", _lazy("No warranty date")),
                    C("total", _lazy("Total")))
CUSTODY_COLUMNS = (C("devices", _lazy("Devices held")), C("in_use", _lazy("In use")), C("lent", _lazy("Lent")),
                   C("in_repair", _lazy("In repair")))
CONSUMPTION = (C("quantity", _lazy("Quantity issued")), C("issues", _lazy("Issues")))
DEVICE_FILTERS = ("institution", "unit", "device_type")


def _status_chart(data):
    rows = data["by_status"]
    return [charts.bar_chart(_("Devices by status"), [str(r["label"]) for r in rows], [r["devices"] for r in rows])]


def _age_chart(data):
    rows = data["by_band"]
    return [charts.bar_chart(_("Devices by age"), [str(r["label"]) for r in rows], [r["devices"] for r in rows])]


REPORTS = {r.slug: r for r in (
    Report("units", _lazy("Devices by unit"), _lazy("Devices of each owning unit, by status."),
           reports.devices_by_unit, (Section("by_unit", _lazy("By unit"), _lazy("Unit"), STATUS_COLUMNS),),
           period=False, notes=(_lazy("Disposed devices are left out (the status report counts them)."),)),
    Report("types", _lazy("Devices by type"), _lazy("Devices of each type, by status."),
           reports.devices_by_type, (Section("by_type", _lazy("By device type"), _lazy("Device type"),
                                             STATUS_COLUMNS),), period=False),
    Report("age", _lazy("Devices by age"), _lazy("Devices by the year they were bought, in age bands, per type."),
           reports.devices_by_age, (
               Section("by_band", _lazy("By age"), _lazy("Age"),
                       (C("devices", _lazy("Devices")), C("share", _lazy("Share"), "pct")), total=False),
               Section("by_type", _lazy("By device type"), _lazy("Device type"),
                       tuple(C(k, label) for k, label, _lo, _hi in reports.AGE_BANDS) + (C("total", _lazy("Total")),))),
           period=False, charts=_age_chart,
           notes=(_lazy("Age: this year minus the year of purchase. Disposed devices are left out."),)),
    Report("status", _lazy("Devices by status"), _lazy("Every device by its status, the disposed included."),
           reports.devices_by_status, (Section("by_status", _lazy("By status"), _lazy("Status"),
                                               (C("devices", _lazy("Devices")), C("share", _lazy("Share"), "pct"))),),
           period=False, charts=_status_chart),
    Report("custody", _lazy("Custody"), _lazy("Devices held by people now (Taşınır Teslim Belgeleri): per person and "
                                              "per unit."),
           reports.custody, (
               Section("by_person", _lazy("By person"), _lazy("Person"),
                       (C("unit", _lazy("Unit"), "text"),) + CUSTODY_COLUMNS, total=False),
               Section("by_unit", _lazy("By the holders' unit"), _lazy("Unit"),
                       (C("holders", _lazy("People")),) + CUSTODY_COLUMNS)),
           period=False, notes=(_lazy_format(gettext_noop("By person: the %(n)s people holding the most devices."),
                                             n=f"{reports.ROW_LIMIT:,}"),)),
    Report("warranty", _lazy("Warranty"), _lazy("Devices out of warranty, ending within 90 days, and covered."),
           reports.warranty, (Section("by_unit", _lazy("By unit"), _lazy("Unit"), WARRANTY_COLUMNS),
                              Section("by_type", _lazy("By device type"), _lazy("Device type"), WARRANTY_COLUMNS)),
           period=False, notes=(_lazy("A device under a maintenance contract may be out of warranty and still "
                                      "supported: see the contracts."),)),
    Report("stock", _lazy("Stock levels and consumption"),
           _lazy("Stock now in each warehouse, and consumables issued in the period: by item, by unit, by printer."),
           reports.stock, (
               Section("levels", _lazy("Stock levels now"), _lazy("Warehouse · item"),
                       (C("measure", _lazy("Unit of measure"), "text"), C("quantity", _lazy("Quantity")),
                        C("reorder", _lazy("Reorder level")), C("below", _lazy("At or below"), "text")), total=False),
               Section("by_item", _lazy("Consumption by item"), _lazy("Item"),
                       (C("measure", _lazy("Unit of measure"), "text"),) + CONSUMPTION, total=False),
               Section("by_unit", _lazy("Consumption by unit"), _lazy("Unit"), CONSUMPTION, total=False),
               Section("by_printer", _lazy("Consumption by printer"), _lazy("Device"), CONSUMPTION, total=False)),
           notes=(_lazy("Consumption: accepted issues (Varlık İşlem Fişleri) of consumables in the period."),)),
    Report("licences", _lazy("Licence compliance"),
           _lazy("Per software: seats owned (licences in force), assigned, and installations known."),
           reports.licence_compliance, (
               Section("by_software", _lazy("By software"), _lazy("Software"),
                       (C("owned", _lazy("Seats owned")), C("assigned", _lazy("Assigned")),
                        C("installed", _lazy("Installed")), C("shortfall", _lazy("Installed beyond the seats")),
                        C("status", _lazy("Status"), "text")), total=False),),
           period=False, notes=(_lazy("Seats owned “–”: a site licence (unlimited)."),)),
    Report("expiring", _lazy("Expiring contracts, licences and certificates"),
           _lazy("What ends within the chosen number of days, soonest first."),
           reports.expiring, (
               Section("contracts", _lazy("Contracts"), _lazy("Contract"),
                       (C("vendor", _lazy("Vendor"), "text"), C("end", _lazy("End date"), "date"),
                        C("days", _lazy("Days left")), C("devices", _lazy("Devices covered"))), total=False),
               Section("licences", _lazy("Licences"), _lazy("Software"),
                       (C("kind", _lazy("Kind"), "text"), C("seats", _lazy("Seats")),
                        C("end", _lazy("Expiry date"), "date"), C("days", _lazy("Days left"))), total=False),
               Section("certificates", _lazy("Certificates"), _lazy("Subject"),
                       (C("kind", _lazy("Kind"), "text"), C("holder", _lazy("Holder"), "text"),
                        C("end", _lazy("Valid until"), "date"), C("days", _lazy("Days left")),
                        C("renewable", _lazy("Renewable from"), "date")), total=False)),
           period=False),
)}
FILTERS = {"units": DEVICE_FILTERS, "types": DEVICE_FILTERS, "age": DEVICE_FILTERS, "status": DEVICE_FILTERS,
           "custody": DEVICE_FILTERS, "warranty": DEVICE_FILTERS, "stock": ("year", "date_from", "date_to",
                                                                            "institution", "unit"),
           "licences": ("institution",), "expiring": ("days", "institution")}


# --- filters ----------------------------------------------------------------------------------------

class AssetReportForm(forms.Form):
    year = forms.IntegerField(label=_lazy("Year"), required=False, min_value=2000, max_value=2100)
    date_from = forms.DateField(label=_lazy("From"), required=False)
    date_to = forms.DateField(label=_lazy("To"), required=False)
    days = forms.TypedChoiceField(label=_lazy("Ending within"), required=False, coerce=int, empty_value=90,
                                  choices=[(n, _lazy_format(gettext_noop("%(n)s days"), n=n)) for n in (30, 60, 90, 180, 365)])
    institution = forms.ModelChoiceField(label=_lazy("Institution"), queryset=None, required=False,
                                         empty_label=_lazy("(all)"))
    unit = forms.ModelChoiceField(label=_lazy("Unit (and below)"), queryset=None, required=False,
                                  empty_label=_lazy("(all)"))
    device_type = forms.ModelChoiceField(label=_lazy("Device type"), queryset=None, required=False,
                                         empty_label=_lazy("(all)"))

    def __init__(self, *args, user, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        from bilge.assets.models import DeviceType
        from bilge.core.models import Institution

        institutions = Institution.objects.order_by("name")
        if not user.is_superuser:
            ids = {g.institution_id for module in ("assets", "reports") for g in reports.grants_for(user, module, "view")}
            institutions = institutions.filter(pk__in=ids)
        self.fields["institution"].queryset = institutions
        self.fields["unit"].queryset = _units(user, institutions)
        self.fields["device_type"].queryset = DeviceType.objects.filter(archived_at__isnull=True).order_by("name_tr")
        self.report = report
        for name in list(self.fields):
            if name not in FILTERS[report.slug]:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.report.period and not self.errors:
            from bilge.servicedesk.reports import Period, ReportError

            try:
                data["period"] = Period.make(data.get("year"), data.get("date_from"), data.get("date_to"))
            except ReportError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data.get(name) for name in ("institution", "unit", "device_type") if name in self.fields}
        if "days" in self.fields:
            kwargs["days"] = data.get("days") or 90
        if self.report.period:
            kwargs.update(date_from=data["period"].first_day, date_to=data["period"].last_day)
        return kwargs

    def describe(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        parts = [(_("Period"), str(data["period"]))] if self.report.period else [
            (_("As of"), date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT"))]
        if "days" in self.fields:
            parts.append((str(self.fields["days"].label), _("%(n)s days") % {"n": data.get("days") or 90}))
        for name in ("institution", "unit", "device_type"):
            if data.get(name):
                parts.append((str(self.fields[name].label), str(data[name])))
        return parts


def _units(user, institutions):
    """The units to filter by: all of the institution for those who see all of it, else the
    units their rights start from and those below."""
    from bilge.core.models import Unit
    from bilge.core.permissions import SCOPE_INSTITUTION, SCOPE_IT_SERVICE

    units = Unit.objects.filter(institution__in=institutions, archived_at__isnull=True).order_by("name")
    if user.is_superuser:
        return units
    grants = [g for module in ("assets", "reports") for g in reports.grants_for(user, module, "view")]
    if any(g.scope in (SCOPE_INSTITUTION, SCOPE_IT_SERVICE) for g in grants):
        return units
    ids = set()
    for grant in grants:
        if grant.unit_id and grant.scope != "own":
            ids.update(Unit.objects.descendant_ids(grant.unit_id))
    return units.filter(pk__in=ids)


# --- tables -----------------------------------------------------------------------------------------

def _text(value, kind):
    if kind == "date":
        return "–" if value is None else date_format(value, "SHORT_DATE_FORMAT")
    if kind == "text":
        return "" if value is None else str(value)
    return display_value(value, kind)


def build_tables(report: Report, data: dict) -> list[dict]:
    """Each section as headers and rows of (raw value, text, kind) cells (the service desk's layout,
    with dates)."""
    tables = []
    for section in report.sections:
        kinds = ["text"] + [c.kind for c in section.columns]

        def cells(row, section=section, kinds=kinds):
            values = [row["label"]] + [row.get(c.key) for c in section.columns]
            return [{"value": v, "text": _text(v, k), "kind": k} for v, k in zip(values, kinds, strict=True)]

        total = cells(data["total"]) if section.total and "total" in data else None
        tables.append({"title": str(section.title), "key": section.key, "kinds": kinds, "total": total,
                       "headers": [str(section.first)] + [str(c.label) for c in section.columns],
                       "rows": [cells(row) for row in data.get(section.key, [])]})
    return tables


# --- views ------------------------------------------------------------------------------------------

def _require(user):
    if not reports.may_view_reports(user):
        raise PermissionDenied(_("Reports need the reports view right or a view right over the inventory."))


class ReportIndex(View):
    def get(self, request):
        _require(request.user)
        items = [{"report": r, "url": reverse(f"assets:report_{r.slug}")} for r in REPORTS.values()]
        return render(request, "assets/reports/index.html", {"items": items})


class ReportPage(View):
    report: Report = None

    def get(self, request):
        _require(request.user)
        report = self.report
        form = AssetReportForm(request.GET or {}, user=request.user, report=report)
        if not form.is_valid():
            return render(request, "assets/reports/report.html", {"report": report, "form": form, "errors": True},
                          status=400)
        data = report.function(request.user, **form.filters())
        tables, about = build_tables(report, data), form.describe()
        export = request.GET.get("export")
        stem = f"varliklar-{report.slug}-{timezone.localdate():%Y%m%d}"
        if export == "xlsx":
            response = HttpResponse(xlsx_report(report, tables, about, request.user),
                                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
            response["Cache-Control"] = "private, no-store"
            return response
        context = {"report": report, "form": form, "tables": tables, "about": about,
                   "charts": report.charts(data) if report.charts else [], "query": query_without_export(request)}
        if export == "pdf":
            from bilge.web.pdf import pdf_response

            institution = form.cleaned_data.get("institution")
            extra = {"institution": institution} if institution else {}
            landscape = max(len(t["headers"]) for t in tables) > 6
            return pdf_response(request, "assets/reports/report_pdf.html",
                                {**context, "title": str(report.title), "landscape": landscape, **extra},
                                f"{stem}.pdf")
        return render(request, "assets/reports/report.html", context)


urlpatterns = [path("reports/", ReportIndex.as_view(), name="reports")]
for _slug, _report in REPORTS.items():
    _view = type(f"Assets{_slug.title()}ReportPage", (ReportPage,), {"report": _report})
    urlpatterns.append(path(f"reports/{_slug}/", _view.as_view(), name=f"report_{_slug}"))
