"""Count pages: the list (generic), opening a count with its board, the count screen (type or
scan sicil numbers; found / missing / unexpected answered at once), recount, close, the Sayım
Tutanağı. The QR label pages live in ``labels`` and are wired here."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from bilge.assets.filters.counts import CountFilterSet
from bilge.assets.forms.counts import OpenCountForm, ScanForm
from bilge.assets.forms.disposal import institution_people
from bilge.assets.models import Count, CountMember
from bilge.assets.services import counts as services
from bilge.assets.tables.counts import count_table
from bilge.assets.views import labels
from bilge.core.permissions import has_module_perm, person_of
from bilge.web.generic import ModelUI, perform, require_module
from bilge.web.pdf import pdf_context, pdf_response

LIST_LIMIT = 500  # rows of each list on the screen (the PDF lists them all)


class CountUI(ModelUI):
    model = Count
    namespace = "assets"
    url_prefix = "counts"
    filterset = CountFilterSet
    table = count_table
    archivable = False
    detail_template = "assets/count_detail.html"

    @classmethod
    def queryset(cls, request, action="view"):
        qs = super().queryset(request, action)
        if action != "view":
            return qs
        # Board members see the counts they sit on, whatever their scope.
        person = person_of(request.user)
        if person is None:
            return qs
        mine = CountMember.objects.filter(person=person).values("count_id")
        return qs | Count.objects.filter(pk__in=mine).select_related(*count_table.select_related)

    @classmethod
    def detail_context(cls, request, obj):
        return screen_context(request, obj)


UIS = [CountUI]


def screen_context(request, count, result=None, device=None, code=""):
    numbers = services.numbers(count)
    titles = {"found": _("Found"), "missing": _("Missing"), "unexpected": _("Unexpected")}
    return {
        "count": count,
        "numbers": numbers,
        "lists": [(kind, title, services.lines_of(count, kind, LIST_LIMIT), numbers[kind])
                  for kind, title in titles.items()],
        "members": count.members.select_related("person__unit").order_by("-is_chair", "person__last_name"),
        "may_count": count.state == Count.State.OPEN and services.may_count(request.user, count),
        "result": result,
        "scanned": device,
        "code": code,
        "autoscan": request.GET.get("code", "") if request.method == "GET" else "",
        "movements": count.movements.all() if count.state == Count.State.CLOSED else [],
    }


def _count(request, pk):
    require_module(request, CountUI, "view")
    return get_object_or_404(CountUI.queryset(request, "view"), pk=pk)


class OpenCount(View):
    def get(self, request):
        require_module(request, CountUI, "add")
        return render(request, "assets/count_open.html", {"form": OpenCountForm(request=request)})

    def post(self, request):
        require_module(request, CountUI, "add")
        form = OpenCountForm(request.POST, request=request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = services.open_count(request.user, data["year"], warehouse=data.get("warehouse"),
                                            location=data.get("location"), members=form.members(),
                                            note=data.get("note", ""))
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Count %(number)s is open.") % {"number": count.number})
                return redirect(count.get_absolute_url())
        return render(request, "assets/count_open.html", {"form": form}, status=400)


class Scan(View):
    """One typed or scanned code; htmx gets the updated panel, a plain form post the page."""

    def post(self, request, pk):
        count = _count(request, pk)
        form = ScanForm(request.POST)
        result, device, code = None, None, request.POST.get("code", "")
        if form.is_valid():
            try:
                result, device = services.scan(request.user, count, form.cleaned_data["code"])
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        if not request.htmx:
            if result is not None:
                level = messages.WARNING if result in (services.ScanResult.UNEXPECTED, services.ScanResult.UNKNOWN) \
                    else messages.SUCCESS
                messages.add_message(request, level, f"{code}: {result.label}")
            return redirect(count.get_absolute_url())
        return render(request, "assets/_count_panel.html", screen_context(request, count, result, device, code))


class Recount(View):
    def post(self, request, pk):
        count = _count(request, pk)
        try:
            count = services.recount(request.user, count)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Round %(round)s: the missing devices are looked for again.")
                             % {"round": count.round})
        return redirect(count.get_absolute_url())


class Close(View):
    def post(self, request, pk):
        count = _count(request, pk)
        return perform(request, lambda: services.close(request.user, count),
                       _("Count %(number)s is closed.") % {"number": count.number}, count.get_absolute_url())


class CountPdf(View):
    """Sayım Tutanağı: the board, the counted place, found / missing / unexpected, signatures."""

    def get(self, request, pk):
        count = _count(request, pk)
        summary = services.summary(count)
        context = pdf_context(request, "Sayım Tutanağı", institution=count.institution, count=count,
                              summary=summary, movements=count.movements.all(),
                              members=count.members.select_related("person__unit", "person__position")
                              .order_by("-is_chair", "pk"))
        return pdf_response(request, "assets/count_pdf.html", context, f"{count.number}.pdf")


class BoardPersonAutocomplete(View):
    """The person picker of count boards and disposal committees: the institution's people."""

    def get(self, request):
        from bilge.core.views import person_options

        if not (has_module_perm(request.user, "assets", "add") or has_module_perm(request.user, "assets", "change")):
            raise PermissionDenied
        return person_options(institution_people(request.user), request.GET.get("q", ""))


urlpatterns = [
    path("counts/people/", BoardPersonAutocomplete.as_view(), name="board_person_autocomplete"),
    path("counts/open/", OpenCount.as_view(), name="count_open"),
    path("counts/<int:pk>/scan/", Scan.as_view(), name="count_scan"),
    path("counts/<int:pk>/recount/", Recount.as_view(), name="count_recount"),
    path("counts/<int:pk>/close/", Close.as_view(), name="count_close"),
    path("counts/<int:pk>/pdf/", CountPdf.as_view(), name="count_pdf"),
] + labels.urlpatterns
