"""Import pages: upload (with a template to download per kind), the job page with a progress bar
that polls while the worker runs, the rejection report (page and Excel), the preview and its
confirmation; the list of past imports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from bilge.assets import importers
from bilge.assets.forms.imports import ImportForm
from bilge.assets.models import ImportJob
from bilge.assets.services import imports as service
from bilge.core.permissions import has_module_perm
from bilge.web.generic import ModelUI
from bilge.web.tables import Column, Table

ERRORS_PER_PAGE = 500

import_table = Table(
    columns=[
        Column("created_at", _l("started"), sort=("created_at",), link=True),
        Column("kind", _l("kind"), accessor=lambda j: _kind_label(j.kind)),
        Column("file_name", _l("file"), sort=("file_name",)),
        Column("state", _l("state"), sort=("state",)),
        Column("total_rows", _l("rows"), sort=("total_rows",)),
        Column("imported_rows", _l("rows imported")),
        Column("created_by", _l("started by"), accessor="created_by.username"),
    ],
    default_sort=("-created_at",),
    select_related=("created_by",),
    defer=("errors", "preview"),
)


def _kind_label(kind: str) -> str:
    cls = importers.IMPORTERS.get(kind)
    return str(cls.label) if cls else kind


class ImportJobUI(ModelUI):
    model = ImportJob
    namespace = "assets"
    url_prefix = "imports"
    table = import_table
    form = ImportForm  # "Add" on the list leads to the upload page (not the generic editor)
    archivable = False
    detail_template = "assets/import_detail.html"

    @classmethod
    def detail_context(cls, request, obj):
        page = max(1, int(request.GET.get("page", "1") or 1)) if (request.GET.get("page") or "1").isdigit() else 1
        errors = obj.errors[(page - 1) * ERRORS_PER_PAGE:page * ERRORS_PER_PAGE]
        return {
            "job": obj, "kind_label": _kind_label(obj.kind), "errors": errors,
            "error_count": (obj.counts or {}).get("errors", len(obj.errors)),
            "errors_page": page, "errors_more": len(obj.errors) > page * ERRORS_PER_PAGE,
            "errors_hidden": max(0, (obj.counts or {}).get("errors", 0) - len(obj.errors)),
            "preview": obj.preview if isinstance(obj.preview, dict) else {},
            "summary": _summary(obj),
            "can_confirm": obj.state == ImportJob.State.PREVIEW and has_module_perm(request.user, "assets", "add"),
        }

    @classmethod
    def urlpatterns(cls):
        generic = [p for p in super().urlpatterns() if p.name not in ("importjob_add", "importjob_edit")]
        return generic + [
            path("imports/new/", new_import, name="importjob_add"),
            path("imports/template/<str:kind>.xlsx", template, name="import_template"),
            path("imports/<int:pk>/progress/", progress, name="importjob_progress"),
            path("imports/<int:pk>/confirm/", confirm, name="importjob_confirm"),
            path("imports/<int:pk>/errors.xlsx", errors_xlsx, name="importjob_errors"),
        ]


def _summary(job) -> list[tuple[str, object]]:
    counts = job.counts or {}
    labels = {"devices": _("devices"), "handovers": _("Taşınır Teslim Belgeleri"), "held": _("devices handed over"),
              "people": _("receivers"), "lines": _("lines"), "new_items": _("new stock items"),
              "warehouses": _("warehouses"), "quantity": _("total quantity")}
    rows = [(labels[k], v) for k, v in counts.items() if k in labels]
    for code, n in (counts.get("by_type") or {}).items():
        rows.append((code, n))
    return rows


def _require_add(request):
    if not has_module_perm(request.user, "assets", "add"):
        raise PermissionDenied(_("You may not import records (the right to add assets is needed)."))


def new_import(request):
    _require_add(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            job = service.start(request.user, form.cleaned_data["kind"], form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return redirect(job.get_absolute_url())
    kinds = [(kind, label, [c for c in importers.get(kind).columns if c.required]) for kind, label in importers.choices()]
    return render(request, "assets/import_new.html", {"form": form, "kinds": kinds,
                                                      "list_url": ImportJobUI.url("list")})


def template(request, kind):
    _require_add(request)
    if kind not in importers.IMPORTERS:
        raise Http404
    from bilge.assets.services.imports import institution_for

    importer = importers.get(kind)(institution_for(request.user), request.user)
    response = HttpResponse(importer.template_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="bilge-{kind}-sablon.xlsx"'
    return response


def _job(request, pk):
    if not has_module_perm(request.user, "assets", "view"):
        raise PermissionDenied
    return get_object_or_404(ImportJob.objects.visible_to(request.user, "view"), pk=pk)


def progress(request, pk):
    """The progress bar (htmx polls it every second); when the worker is done, the page reloads."""
    job = _job(request, pk)
    response = render(request, "assets/import_progress.html", {"job": job})
    if job.finished and request.GET.get("running"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
def confirm(request, pk):
    job = _job(request, pk)
    try:
        service.confirm(request.user, job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    return redirect(job.get_absolute_url())


def errors_xlsx(request, pk):
    job = _job(request, pk)
    response = HttpResponse(service.errors_xlsx(job),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-hatalar.xlsx"'
    return response


UIS = (ImportJobUI,)
urlpatterns = []
