"""Service-desk report pages: an index, one page per report with its filter form, tables and
charts, and each as Excel (``?export=xlsx``) and PDF (``?export=pdf``).

Who: those with the "reports" view right (unit managers, IT staff, auditors; see
``reports.may_view_reports``) — everyone else gets 403. What: only the tickets
``reports.tickets_for`` gives the user (their service-desk view scope and their reports scope).
The figures come from ``bilge.servicedesk.reports``; this module only lays them out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View

from bilge.core.permissions import grants_for
from bilge.servicedesk import reports
from bilge.web import charts

# --- what each report shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # int | pct | hours | avg | text | month


@dataclass(frozen=True)
class Section:
    key: str  # the key of the rows in the report's data ("by_service", "by_month"…)
    title: str
    first: str  # the heading of the first column
    columns: tuple[Column, ...]
    total: bool = True


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    function: object
    sections: tuple[Section, ...]
    period: bool = True  # False: a snapshot of now (open tickets, aging)
    charts: object = None  # data -> list of SVG
    notes: tuple[str, ...] = field(default=())


OPEN_COLUMNS = (Column("total", _lazy("Open")), Column("awaiting_approval", _lazy("Awaiting approval")),
                Column("unassigned", _lazy("Unassigned")), Column("on_hold", _lazy("On hold")),
                Column("overdue", _lazy("Overdue")))
SLA_COLUMNS = (Column("tickets", _lazy("Tickets")),
               Column("response_met", _lazy("Response met")), Column("response_breached", _lazy("Response breached")),
               Column("response_pending", _lazy("Response pending")), Column("response_pct", _lazy("Response %"), "pct"),
               Column("resolution_met", _lazy("Resolution met")),
               Column("resolution_breached", _lazy("Resolution breached")),
               Column("resolution_pending", _lazy("Resolution pending")),
               Column("resolution_pct", _lazy("Resolution %"), "pct"))
TIME_COLUMNS = (Column("response_count", _lazy("Responded")),
                Column("response_mean_hours", _lazy("Mean time to first response (hours)"), "hours"),
                Column("resolution_count", _lazy("Resolved")),
                Column("resolution_mean_hours", _lazy("Mean time to resolution (hours)"), "hours"))
SAT_COLUMNS = (Column("resolved", _lazy("Resolved")), Column("rated", _lazy("Rated")),
               Column("rated_pct", _lazy("Share rated"), "pct"), Column("average", _lazy("Average (1–5)"), "avg"),
               *(Column(f"r{n}", str(n)) for n in range(1, 6)))
TREND_COLUMNS = (Column("created", _lazy("Created")), Column("resolved", _lazy("Resolved")),
                 Column("breached", _lazy("Breached")), Column("balance", _lazy("Created − resolved")))


def _month_labels(rows) -> list[str]:
    fmt = "M" if len(rows) <= 12 else "M y"
    return [date_format(r["label"], fmt) for r in rows]


def _open_charts(data):
    rows = data["by_service"]
    return [charts.bar_chart(_("Open tickets by IT service"), [str(r["label"]) for r in rows],
                             [r["total"] for r in rows])]


def _aging_charts(data):
    rows = data["by_service"]
    return [charts.grouped_bar_chart(_("Age of open tickets by IT service"), [str(r["label"]) for r in rows],
                                     [(str(label), [r[key] for r in rows]) for key, label in data["buckets"]])]


def _sla_charts(data):
    rows = data["by_month"]
    return [charts.line_chart(_("SLA compliance by month (%)"), _month_labels(rows),
                              [(_("First response"), [r["response_pct"] for r in rows]),
                               (_("Resolution"), [r["resolution_pct"] for r in rows])], max_value=100, unit=" %")]


def _time_charts(data):
    rows = data["by_month"]
    return [charts.line_chart(_("Mean times by month (hours)"), _month_labels(rows),
                              [(_("First response"), [r["response_mean_hours"] for r in rows]),
                               (_("Resolution"), [r["resolution_mean_hours"] for r in rows])], unit=" h")]


def _sat_charts(data):
    total = data["total"]
    return [charts.bar_chart(_("Ratings given (1–5)"), ["1", "2", "3", "4", "5"],
                             [total[f"r{n}"] for n in range(1, 6)])]


def _trend_charts(data):
    rows = data["by_month"]
    return [charts.grouped_bar_chart(_("Tickets per month"), _month_labels(rows),
                                     [(_("Created"), [r["created"] for r in rows]),
                                      (_("Resolved"), [r["resolved"] for r in rows]),
                                      (_("Breached"), [r["breached"] for r in rows])])]


REPORTS = {r.slug: r for r in (
    Report("open", _lazy("Open tickets"),
           _lazy("Tickets not yet finished, now: by IT service, technician, requester's unit and request type."),
           reports.open_tickets, (
               Section("by_service", _lazy("By IT service"), _lazy("IT service"), OPEN_COLUMNS),
               Section("by_technician", _lazy("By technician"), _lazy("Technician"), OPEN_COLUMNS),
               Section("by_unit", _lazy("By requester's unit"), _lazy("Unit"), OPEN_COLUMNS),
               Section("by_type", _lazy("By request type"), _lazy("Request type"), OPEN_COLUMNS)),
           period=False, charts=_open_charts,
           notes=(_lazy("Overdue: the resolution due time has passed (or the ticket was marked breached)."),)),
    Report("aging", _lazy("Aging of open tickets"),
           _lazy("How long the open tickets have been waiting since they were created, per IT service."),
           reports.aging, (
               Section("by_service", _lazy("By IT service"), _lazy("IT service"),
                       tuple(Column(key, label) for key, label, _lo, _hi in reports.AGE_BUCKETS)
                       + (Column("total", _lazy("Total")),)),),
           period=False, charts=_aging_charts,
           notes=(_lazy("Age in calendar days from creation to now."),)),
    Report("sla", _lazy("SLA compliance"),
           _lazy("First response and resolution on time or late, for the tickets created in the period."),
           reports.sla_compliance, (
               Section("by_service", _lazy("By IT service"), _lazy("IT service"), SLA_COLUMNS),
               Section("by_month", _lazy("By month of creation"), _lazy("Month"), SLA_COLUMNS)),
           charts=_sla_charts,
           notes=(_lazy("Compliance % = met ÷ (met + breached); tickets not yet due are pending and not counted. "
                        "Rejected, cancelled and merged tickets are left out."),)),
    Report("times", _lazy("Response and resolution times"),
           _lazy("Mean time to first response and to resolution, for the tickets created in the period."),
           reports.response_times, (
               Section("by_service", _lazy("By IT service"), _lazy("IT service"), TIME_COLUMNS),
               Section("by_month", _lazy("By month of creation"), _lazy("Month"), TIME_COLUMNS)),
           charts=_time_charts,
           notes=(_lazy("Calendar (wall-clock) hours from when the ticket reached the IT queue (after any "
                        "approval) to the first response or the resolution; time on hold is included. The SLA "
                        "report measures against the business-calendar due times."),)),
    Report("satisfaction", _lazy("Satisfaction"),
           _lazy("Ratings of the resolved tickets created in the period: average, distribution, share rated."),
           reports.satisfaction, (
               Section("by_service", _lazy("By IT service"), _lazy("IT service"), SAT_COLUMNS),
               Section("by_technician", _lazy("By technician"), _lazy("Technician"), SAT_COLUMNS)),
           charts=_sat_charts),
    Report("trend", _lazy("Monthly trend"),
           _lazy("Tickets created, resolved and breached in each month of the period."),
           reports.monthly_trend, (
               Section("by_month", _lazy("By month"), _lazy("Month"), TREND_COLUMNS),),
           charts=_trend_charts,
           notes=(_lazy("Each event counts in its own month: a ticket created in March and resolved in April "
                        "counts in both."),)),
)}


# --- the filter form ------------------------------------------------------------------------------


def _institutions(user):
    from bilge.core.models import Institution

    if user.is_superuser:
        return Institution.objects.order_by("name")
    ids = {g.institution_id for module in ("servicedesk", "reports") for g in grants_for(user, module, "view")}
    return Institution.objects.filter(pk__in=ids).order_by("name")


class ReportFilterForm(forms.Form):
    year = forms.IntegerField(label=_lazy("Year"), required=False, min_value=2000, max_value=2100)
    date_from = forms.DateField(label=_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_lazy("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    institution = forms.ModelChoiceField(label=_lazy("Institution"), queryset=None, required=False,
                                         empty_label=_lazy("(all)"))
    service = forms.ModelChoiceField(label=_lazy("IT service"), queryset=None, required=False,
                                     empty_label=_lazy("(all)"))

    def __init__(self, *args, user, with_period=True, **kwargs):
        super().__init__(*args, **kwargs)
        from bilge.servicedesk.models import Service

        institutions = _institutions(user)
        self.fields["institution"].queryset = institutions
        self.fields["service"].queryset = Service.objects.filter(institution__in=institutions).order_by("name")
        self.with_period = with_period
        if not with_period:
            for name in ("year", "date_from", "date_to"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.with_period and not self.errors:
            year, start, end = data.get("year"), data.get("date_from"), data.get("date_to")
            try:
                data["period"] = reports.Period.make(year, start, end)
            except reports.ReportError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        kwargs = {"institution": data.get("institution"), "service": data.get("service")}
        if self.with_period:
            period = data["period"]
            kwargs.update(date_from=period.first_day, date_to=period.last_day)
        return kwargs

    def describe(self) -> list[tuple[str, str]]:
        data, parts = self.cleaned_data, []
        if self.with_period:
            parts.append((_("Period"), str(data["period"])))
        else:
            parts.append((_("As of"), date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")))
        for name in ("institution", "service"):
            if data.get(name):
                parts.append((str(self.fields[name].label), str(data[name])))
        return parts


# --- tables in three outputs ------------------------------------------------------------------------


def display_value(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "month":
        return date_format(value, "YEAR_MONTH_FORMAT")
    if kind == "text":
        return str(value)
    if kind == "pct":
        return f"{number_format(value, 1)} %"
    if kind in ("hours", "avg"):
        return number_format(value, 1 if kind == "hours" else 2)
    return number_format(value, 0, force_grouping=True)


def build_tables(report: Report, data: dict) -> list[dict]:
    """Each section as headers and rows of (raw value, text, kind) cells."""
    tables = []
    for section in report.sections:
        first_kind = "month" if section.key == "by_month" else "text"
        kinds = [first_kind] + [c.kind for c in section.columns]

        def cells(row, kinds=kinds, section=section):
            values = [row["label"]] + [row.get(c.key) for c in section.columns]
            return [{"value": v, "text": display_value(v, k), "kind": k} for v, k in zip(values, kinds, strict=True)]

        rows = [cells(row) for row in data.get(section.key, [])]
        total = None
        if section.total and "total" in data:
            total = cells({**data["total"], "label": data["total"]["label"]}, ["text", *kinds[1:]])
        tables.append({"title": str(section.title), "headers": [str(section.first)] + [str(c.label) for c in section.columns],
                       "kinds": kinds, "rows": rows, "total": total, "key": section.key})
    return tables


NUMBER_FORMATS = {"int": "#,##0", "pct": "0.0%", "hours": "0.00", "avg": "0.00", "month": "mmmm yyyy"}


def xlsx_report(report: Report, tables: list[dict], about: list[tuple[str, str]], user) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    info = workbook.active
    info.title = _sheet_title(_("Report"))
    info.append([str(report.title)])
    info["A1"].font = Font(bold=True, size=14)
    for label, value in about:
        info.append([label, value])
    info.append([_("Generated on"), timezone.localtime().replace(tzinfo=None)])
    info.cell(row=info.max_row, column=2).number_format = "dd.mm.yyyy hh:mm"
    info.append([_("Generated by"), user.get_full_name() or user.get_username()])
    for note in report.notes:
        info.append([str(note)])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 40
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EDF4")
    used = set()
    for table in tables:
        title = _sheet_title(table["title"])
        while title in used:
            title = _sheet_title(title[:28] + str(len(used)))
        used.add(title)
        sheet = workbook.create_sheet(title)
        sheet.append(table["headers"])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table["rows"] + ([table["total"]] if table["total"] else []):
            values = []
            for cell in row:
                value = cell["value"]
                if cell["kind"] == "pct" and value is not None:
                    value = value / 100.0
                elif cell["kind"] == "text" and value is not None:
                    value = str(value)
                values.append(value)
            sheet.append(values)
            for index, cell in enumerate(row, start=1):
                fmt = NUMBER_FORMATS.get(cell["kind"])
                if fmt:
                    sheet.cell(row=sheet.max_row, column=index).number_format = fmt
        if table["total"]:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = max([len(str(r[0]["text"])) for r in table["rows"]] + [16]) + 2
        for index in range(2, len(table["headers"]) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 14
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- views --------------------------------------------------------------------------------------------


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return (cleaned or "Sheet")[:31]


def _require(user):
    if not reports.may_view_reports(user):
        raise PermissionDenied(_("Reports need the reports view right."))


class ReportIndex(View):
    def get(self, request):
        _require(request.user)
        items = [{"report": r, "url": reverse(f"servicedesk:report_{r.slug}")} for r in REPORTS.values()]
        return render(request, "servicedesk/reports/index.html", {"items": items})


class ReportPage(View):
    report: Report = None

    def get(self, request):
        _require(request.user)
        report = self.report
        form = ReportFilterForm(request.GET or None, user=request.user, with_period=report.period)
        if request.GET and not form.is_valid():
            return render(request, "servicedesk/reports/report.html",
                          {"report": report, "form": form, "errors": True}, status=400)
        if not request.GET:
            form = ReportFilterForm({}, user=request.user, with_period=report.period)
            form.is_valid()
        try:
            data = report.function(request.user, **form.filters())
        except reports.ReportError as exc:
            form.add_error(None, str(exc))
            return render(request, "servicedesk/reports/report.html",
                          {"report": report, "form": form, "errors": True}, status=400)
        tables = build_tables(report, data)
        about = form.describe()
        export = request.GET.get("export")
        stem = f"{report.slug}-{timezone.localdate():%Y%m%d}"
        if export == "xlsx":
            response = HttpResponse(
                xlsx_report(report, tables, about, request.user),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
            response["Cache-Control"] = "private, no-store"
            return response
        svgs = report.charts(data) if report.charts else []
        context = {"report": report, "form": form, "tables": tables, "about": about, "charts": svgs,
                   "query": query_without_export(request)}
        if export == "pdf":
            from bilge.web.pdf import pdf_response

            institution = form.cleaned_data.get("institution")
            extra = {"institution": institution} if institution else {}
            return pdf_response(request, "servicedesk/reports/report_pdf.html",
                                {**context, "title": str(report.title), **extra}, f"{stem}.pdf")
        return render(request, "servicedesk/reports/report.html", context)


def query_without_export(request) -> str:
    query = request.GET.copy()
    query.pop("export", None)
    return query.urlencode()


def urlpatterns():
    patterns = [path("reports/", ReportIndex.as_view(), name="reports")]
    for slug, report in REPORTS.items():
        view = type(f"{slug.title()}ReportPage", (ReportPage,), {"report": report})
        patterns.append(path(f"reports/{slug}/", view.as_view(), name=f"report_{slug}"))
    return patterns

