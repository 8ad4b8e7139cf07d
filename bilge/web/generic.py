"""Thin generic views. A model's interface is a ``ModelUI`` subclass of a few lines; its URLs
(list, add, detail, edit, archive, history, export) are generated from it. Every view gets its
rows through ``Model.objects.visible_to(user, action)``: the one permission filter."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from bilge.core import audit
from bilge.core.paging import CappedPaginator, count_limit_for
from bilge.core.permissions import authorize, can, has_module_perm
from bilge.core.turkish import collate
from bilge.web.models import UserPreference
from bilge.web.tables import Table

PAGE_SIZES = (25, 50, 100)
EXPORT_LIMIT = 100_000


class ModelUI:
    """Configuration of one model's pages. Subclass and set the attributes."""

    model = None
    namespace = "core"
    url_prefix = ""                 # e.g. "people"
    filterset = None                # django-filter FilterSet (shared with the API)
    form = None                     # ModelForm for add/edit; None: read-only
    table: Table = None
    detail_template = "web/object_detail.html"
    detail_fields: tuple[str, ...] = ()   # fields shown on the generic detail page
    archivable = True
    icon = ""
    # Actions on many selected rows: [(key, label)]; the list posts them to ``bulk_url``, and
    # ``bulk_template`` holds the fields the actions need (e.g. a technician to assign).
    bulk_actions: tuple = ()
    bulk_url_name = ""
    bulk_template = ""
    # Lists that can hold millions of rows count at most this many (the page says "more than …"):
    # counting every match of a common word would cost more than the page itself. None: exact.
    count_limit: int | None = None
    search_count_limit: int | None = None  # the same while a free-text search is on (counting matches reads rows)

    # --- names -------------------------------------------------------------------------------
    @classmethod
    def name(cls) -> str:
        return cls.model._meta.model_name

    @classmethod
    def url(cls, view: str, *args) -> str:
        return reverse(f"{cls.namespace}:{cls.name()}_{view}", args=args)

    @classmethod
    def module(cls) -> str:
        return cls.model.permission_module

    # --- hooks -------------------------------------------------------------------------------
    @classmethod
    def queryset(cls, request, action="view"):
        qs = cls.model.objects.visible_to(request.user, action)
        if cls.table and cls.table.select_related:
            qs = qs.select_related(*cls.table.select_related)
        if cls.table and cls.table.prefetch_related:
            qs = qs.prefetch_related(*cls.table.prefetch_related)
        return qs

    @classmethod
    def new_instance(cls, request):
        return cls.model()

    @classmethod
    def detail_context(cls, request, obj) -> dict:
        return {}

    @classmethod
    def bulk_context(cls, request) -> dict:
        """What the bulk-action bar needs (its URL and the choices of its fields)."""
        return {"bulk_url": reverse(cls.bulk_url_name), "bulk_template": cls.bulk_template}

    @classmethod
    def save_form(cls, request, form, creating: bool):
        """Save inside a transaction; raise PermissionDenied when the result leaves the user's scope."""
        obj = form.save(commit=False)
        action = "add" if creating else "change"
        allowed, principal = authorize(request.user, action, obj)
        if not allowed:
            raise PermissionDenied(_("You may not save this record with these values (outside your scope)."))
        with audit.acting_for(request.user, principal):
            obj.save()
            form.save_m2m()
        return obj

    # --- URLs --------------------------------------------------------------------------------
    @classmethod
    def urlpatterns(cls):
        name, prefix = cls.name(), cls.url_prefix
        views = [
            path(f"{prefix}/", ObjectListView.as_view(ui=cls), name=f"{name}_list"),
            path(f"{prefix}/<int:pk>/", ObjectDetailView.as_view(ui=cls), name=f"{name}_detail"),
            path(f"{prefix}/<int:pk>/history/", ObjectHistoryView.as_view(ui=cls), name=f"{name}_history"),
        ]
        if cls.form is not None:
            views += [
                path(f"{prefix}/add/", ObjectEditView.as_view(ui=cls), name=f"{name}_add"),
                path(f"{prefix}/<int:pk>/edit/", ObjectEditView.as_view(ui=cls), name=f"{name}_edit"),
            ]
        if cls.archivable:
            views.append(path(f"{prefix}/<int:pk>/archive/", ObjectArchiveView.as_view(ui=cls),
                              name=f"{name}_archive"))
        return views


def perform(request, action, success: str, next_url: str):
    """A POST that runs one service operation and returns to a page: the service's PermissionError
    is a 403, its ValidationError a message on that page (nothing was written), else ``success``."""
    try:
        action()
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(next_url)


def require_module(request, ui, action: str) -> None:
    if not has_module_perm(request.user, ui.module(), action):
        raise PermissionDenied(_("You do not have the right to do this."))


class UIView(View):
    ui: type[ModelUI] = None

    def base_context(self, **extra):
        ui = self.ui
        meta = ui.model._meta
        user = self.request.user
        return {
            "ui": ui,
            "meta": meta,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "can_add": ui.form is not None and has_module_perm(user, ui.module(), "add"),
            "can_export": has_module_perm(user, ui.module(), "export"),
            "list_url": ui.url("list"),
            **extra,
        }


class ObjectListView(UIView):
    def get(self, request):
        ui = self.ui
        require_module(request, ui, "view")
        export = request.GET.get("export")
        action = "export" if export else "view"
        if export:
            require_module(request, ui, "export")
        qs = ui.queryset(request, action)
        filterset = ui.filterset(request.GET, queryset=qs, request=request) if ui.filterset else None
        if filterset is not None:
            if not filterset.is_valid():
                qs = qs.none()
            else:
                qs = filterset.qs
        table = ui.table
        if table.defer:
            qs = qs.defer(*table.defer)
        columns = self._columns(request, table)
        sort = request.GET.get("sort") or ""
        qs = self._sort(qs, table, sort)
        if export in ("xlsx", "csv"):
            return self._export(request, qs, columns, export)
        per_page = self._per_page(request)
        limit = count_limit_for(ui, request.GET.get("q"))
        # The page's ids first, then its rows with their related records: PostgreSQL, misjudging
        # how many rows a filter leaves (unit and type are correlated), would otherwise join every
        # matching row to every related table before sorting and keeping 50.
        ids = qs.select_related(None).values_list("pk", flat=True)
        paginator = CappedPaginator(ids, per_page, limit) if limit else Paginator(ids, per_page)
        page = paginator.get_page(request.GET.get("page"))
        page_ids = list(page.object_list)
        by_pk = {obj.pk: obj for obj in _rows_by_id(qs, page_ids)} if page_ids else {}
        page.object_list = [by_pk[pk] for pk in page_ids if pk in by_pk]
        rows = [(obj, [col.render(obj) for col in columns]) for obj in page.object_list]
        query = request.GET.copy()
        query.pop("page", None)
        sort_query = query.copy()
        sort_query.pop("sort", None)
        bulk_actions = (ui.bulk_actions if ui.bulk_actions and has_module_perm(request.user, ui.module(), "change")
                        else ())
        context = self.base_context(
            filterset=filterset, page=page, rows=rows, body=_body_html(rows, bool(bulk_actions)),
            columns=columns, all_columns=table.columns,
            chosen=[c.name for c in columns], sort=sort, query=query.urlencode(),
            sort_query=sort_query.urlencode(), per_page=per_page, page_sizes=PAGE_SIZES,
            total=paginator.count, total_capped=getattr(paginator, "capped", False),
            bulk_actions=bulk_actions,
        )
        if context["bulk_actions"]:
            context.update(ui.bulk_context(request))
        template = "web/_list_results.html" if request.htmx and not request.htmx.boosted else "web/object_list.html"
        return render(request, template, context)

    def _pref_key(self):
        return f"columns:{self.ui.model._meta.label_lower}"

    def _columns(self, request, table: Table):
        by_name = table.by_name()
        if "columns" in request.GET:
            names = [n for n in request.GET.getlist("columns") if n in by_name]
            if request.GET.get("save_columns") and names:
                UserPreference.put(request.user, self._pref_key(), names)
        else:
            names = UserPreference.get(request.user, self._pref_key()) or table.default_names()
            names = [n for n in names if n in by_name] or table.default_names()
        return [by_name[n] for n in names]

    def _per_page(self, request):
        try:
            value = int(request.GET.get("per_page", 0))
        except ValueError:
            value = 0
        return value if value in PAGE_SIZES else PAGE_SIZES[1]

    def _sort(self, qs, table: Table, sort: str):
        by_name = table.by_name()
        desc = sort.startswith("-")
        column = by_name.get(sort.lstrip("-"))
        fields = column.sort if column and column.sort else table.default_sort
        if column is None or not column.sort:
            desc = False
        order = []
        for fname in fields:
            fdesc = fname.startswith("-") != desc
            fname = fname.lstrip("-")
            try:
                model_field = _field_at(qs.model, fname)
            except Exception:
                model_field = None
            text = model_field is not None and model_field.get_internal_type() in ("CharField", "TextField")
            expr = collate(fname) if (text and (column is None or column.turkish)) else _F(fname)
            order.append(expr.desc() if fdesc else expr.asc())
        order.append(_F("pk").desc() if desc else _F("pk").asc())
        return qs.order_by(*order)

    def _export(self, request, qs, columns, kind):
        name = f"{self.ui.model._meta.verbose_name_plural}-{timezone.localdate():%Y%m%d}"
        rows = qs[:EXPORT_LIMIT]
        from bilge.web.templatetags.bilge import capfirst

        headers = [capfirst(str(c.label)) for c in columns]
        audit.record("export", object_type=self.ui.model._meta.label_lower, object_repr=str(self.ui.model._meta.verbose_name_plural),
                     changes={"format": kind, "filters": request.GET.urlencode(), "rows": qs.count()})
        if kind == "csv":
            def stream():
                buffer = io.StringIO()
                writer = csv.writer(buffer, delimiter=";")
                buffer.write("\ufeff")  # Excel opens UTF-8 with the BOM
                writer.writerow(headers)
                for obj in rows.iterator(chunk_size=2000):
                    writer.writerow([_csv_value(c.export_value(obj)) for c in columns])
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate(0)
                yield buffer.getvalue()

            response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}.csv"'
            return response
        from bilge.web.exports import xlsx_bytes

        data = xlsx_bytes(str(self.ui.model._meta.verbose_name_plural), headers,
                          ([c.export_value(obj) for c in columns] for obj in rows.iterator(chunk_size=2000)))
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}.xlsx"'
        return response


def _rows_by_id(qs, ids):
    """The rows of ``ids`` as ``qs`` loads them (related records, deferred fields, prefetches),
    without ``qs``'s filters: the ids were read through them (rights and search included), and a
    costly filter — a free-text search, a scope with subqueries — would run a second time."""
    if qs.query.annotations or qs.query.extra or qs.query.distinct:
        return qs.order_by().filter(pk__in=ids)  # what the rows show may rest on the filters' joins
    rows = qs.model._base_manager.filter(pk__in=ids)
    rows.query.select_related = qs.query.select_related
    rows.query.deferred_loading = qs.query.deferred_loading
    return rows.prefetch_related(*qs._prefetch_related_lookups)


def _body_html(rows, selectable: bool) -> str:
    """The table rows as one string: the template engine's loop costs about 50 µs a cell, and a
    page has 500 cells. Cells are escaped unless a column rendered them as safe HTML (links)."""
    select = escape(_("Select"))
    html = []
    for obj, cells in rows:
        html.append('<tr class="text-body-secondary">' if getattr(obj, "is_archived", False) else "<tr>")
        if selectable:
            html.append(f'<td class="text-center"><input class="form-check-input" type="checkbox" name="ids" '
                        f'value="{obj.pk}" form="bulk-form" aria-label="{select} {escape(str(obj))}" '
                        f'data-testid="select-{obj.pk}"></td>')
        html.extend(f"<td>{conditional_escape(cell)}</td>" for cell in cells)
        html.append("</tr>")
    return mark_safe("".join(html))


def _field_at(model, path):
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def _F(name):
    from django.db.models import F

    return F(name)


def _csv_value(value):
    if hasattr(value, "isoformat"):
        from django.utils.formats import date_format

        return date_format(value, "SHORT_DATETIME_FORMAT" if hasattr(value, "hour") else "SHORT_DATE_FORMAT")
    return value


def _ascii(text: str) -> str:
    from bilge.core.turkish import fold

    table = str.maketrans("çğıöşüâîû ", "cgiosuaiu-")
    return "".join(ch for ch in fold(text).translate(table) if ch.isalnum() or ch in "-_") or "export"


class ObjectDetailView(UIView):
    def get(self, request, pk):
        ui = self.ui
        require_module(request, ui, "view")
        obj = get_object_or_404(ui.queryset(request, "view"), pk=pk)
        context = self.base_context(
            object=obj,
            fields=_detail_fields(obj, ui.detail_fields),
            can_change=ui.form is not None and can(request.user, "change", obj),
            can_archive=ui.archivable and can(request.user, "delete", obj) and not getattr(obj, "is_archived", False),
            tab="detail",
            **ui.detail_context(request, obj),
        )
        return render(request, ui.detail_template, context)


def _detail_fields(obj, names):
    fields = []
    for name in names:
        field = obj._meta.get_field(name)
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if display else getattr(obj, name)
        fields.append((field.verbose_name, value, getattr(value, "get_absolute_url", None)))
    return fields


class ObjectEditView(UIView):
    def _object(self, request, pk):
        ui = self.ui
        if pk is None:
            require_module(request, ui, "add")
            return ui.new_instance(request)
        require_module(request, ui, "change")
        return get_object_or_404(ui.queryset(request, "change"), pk=pk)

    def get(self, request, pk=None):
        obj = self._object(request, pk)
        form = self.ui.form(instance=obj, request=request)
        return self._render(request, form, obj, pk)

    def post(self, request, pk=None):
        obj = self._object(request, pk)
        form = self.ui.form(request.POST, request.FILES, instance=obj, request=request)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = self.ui.save_form(request, form, creating=pk is None)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved: %(object)s") % {"object": saved})
                return redirect(saved.get_absolute_url())
        return self._render(request, form, obj, pk, status=400)

    def _render(self, request, form, obj, pk, status=200):
        context = self.base_context(form=form, object=obj if pk else None, creating=pk is None)
        return render(request, "web/object_edit.html", context, status=status)


class ObjectArchiveView(UIView):
    def get(self, request, pk):
        obj = self._object(request, pk)
        return render(request, "web/object_archive.html", self.base_context(object=obj))

    def _object(self, request, pk):
        require_module(request, self.ui, "delete")
        return get_object_or_404(self.ui.queryset(request, "delete"), pk=pk)

    def post(self, request, pk):
        from bilge.core.services import archive

        obj = self._object(request, pk)
        try:
            archive(obj, request.user, request.POST.get("reason", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(obj.get_absolute_url())
        messages.success(request, _("Archived: %(object)s") % {"object": obj})
        return redirect(self.ui.url("list"))


class ObjectHistoryView(UIView):
    def get(self, request, pk):
        from bilge.core.history import history_rows

        ui = self.ui
        require_module(request, ui, "view")
        obj = get_object_or_404(ui.queryset(request, "view"), pk=pk)
        paginator = Paginator(history_rows(obj), 50)
        page = paginator.get_page(request.GET.get("page"))
        context = self.base_context(object=obj, page=page, tab="history")
        return render(request, "web/object_history.html", context)
