"""Service-desk pages: the queues (generic list), a ticket with its actions, the portal for
every employee (new request, my requests, my approvals) and the signed approval link."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from bilge.core.permissions import can, has_module_perm, person_of
from bilge.core.turkish import fold
from bilge.servicedesk import filters, forms, services, tables
from bilge.servicedesk.forms_schema import labelled_answers
from bilge.servicedesk.models import Approval, Article, AssignmentRule, RequestType, Service, Ticket
from bilge.web.generic import ModelUI


class ServiceUI(ModelUI):
    model = Service
    namespace = "servicedesk"
    url_prefix = "services"
    filterset = filters.ServiceFilterSet
    form = forms.ServiceForm
    table = tables.service_table
    detail_fields = ("institution", "unit", "code", "chief", "email")


class RequestTypeUI(ModelUI):
    model = RequestType
    namespace = "servicedesk"
    url_prefix = "types"
    filterset = filters.RequestTypeFilterSet
    form = forms.RequestTypeForm
    table = tables.requesttype_table
    detail_fields = ("service", "code", "name_tr", "name_en", "kind", "keywords", "requires_legal_basis")


class TicketUI(ModelUI):
    model = Ticket
    namespace = "servicedesk"
    url_prefix = "tickets"
    filterset = filters.TicketFilterSet
    form = None
    archivable = False
    table = tables.ticket_table
    detail_template = "servicedesk/ticket_detail.html"

    @classmethod
    def queryset(cls, request, action="view"):
        qs = super().queryset(request, action)
        if action != "view":
            return qs
        # Approvers (and their deputies) see the tickets waiting for their decision and those they decided.
        # (A subquery, not a join: no duplicate rows, no DISTINCT over the queue.)
        person = person_of(request.user)
        mine = Q(pk__in=services.pending_approvals_for(request.user).values("pk")) | Q(decided_by=request.user)
        if person is not None:
            mine |= Q(approver=person)
        return qs | Ticket.objects.filter(pk__in=Approval.objects.filter(mine).values("ticket_id"))

    @classmethod
    def detail_context(cls, request, obj):
        user = request.user
        person = person_of(user)
        is_requester = person is not None and person.pk == obj.requester_id
        staff = can(user, "change", obj)
        comments = obj.comments.select_related("author")
        if not staff:
            comments = comments.filter(is_internal=False)
        approvals = list(obj.approvals.select_related("approver", "decided_by", "on_behalf_of"))
        return {
            "answers": labelled_answers(obj.form_schema, obj.form_data),
            "comments": comments,
            "work_logs": obj.work_logs.select_related("person") if staff else [],
            "approvals": approvals,
            "my_approval": next((a for a in approvals if services.can_decide(user, a)), None),
            "attachments": obj.attachments.all(),
            "staff": staff,
            "is_requester": is_requester,
            "moves": _moves(obj) if staff else [],
            "technicians": _technicians(obj) if staff else [],
        }


class AssignmentRuleUI(ModelUI):
    model = AssignmentRule
    namespace = "servicedesk"
    url_prefix = "rules"
    filterset = filters.AssignmentRuleFilterSet
    form = forms.AssignmentRuleForm
    table = tables.assignmentrule_table
    detail_fields = ("service", "order", "request_type", "requester_unit", "strategy", "last_assigned")


class ArticleUI(ModelUI):
    model = Article
    namespace = "servicedesk"
    url_prefix = "kb"
    filterset = filters.ArticleFilterSet
    form = forms.ArticleForm
    table = tables.article_table
    detail_template = "servicedesk/article_detail.html"

    @classmethod
    def queryset(cls, request, action="view"):
        if action in ("view", "export"):
            return services.articles_for(request.user)
        return super().queryset(request, action)

    @classmethod
    def save_form(cls, request, form, creating):
        from bilge.core.permissions import authorize

        obj = form.instance
        if not authorize(request.user, "add" if creating else "change", obj)[0]:
            raise PermissionDenied(_("You may not save this record with these values (outside your scope)."))
        return services.save_article(request.user, obj, form.save)

    @classmethod
    def detail_context(cls, request, obj):
        return {"versions": obj.versions.select_related("saved_by")[:20]}


UIS = [ServiceUI, RequestTypeUI, TicketUI, AssignmentRuleUI, ArticleUI]


def _moves(ticket):
    labels = {
        "start": _("Start work"), "wait_requester": _("Wait for the requester"),
        "wait_vendor": _("Wait for the vendor"), "close": _("Close"),
    }
    return [(move, label) for move, label in labels.items() if ticket.status in services.TRANSITIONS[move]]


def _technicians(ticket):
    from bilge.core.models import Person

    units = ticket.service_unit.descendants(include_self=True).values("pk") if ticket.service_unit_id else []
    return Person.objects.current().filter(unit_id__in=units).order_by("last_name", "first_name")[:200]


class TicketAction(View):
    """All moves of a ticket through one POST: the service layer checks state and rights; a stale
    page (another user saved first) gets a clear conflict message and nothing is overwritten."""

    def post(self, request, pk):
        ticket = get_object_or_404(TicketUI.queryset(request, "view"), pk=pk)
        action = request.POST.get("action", "")
        version = request.POST.get("version")
        version = int(version) if version and version.isdigit() else None
        user, data = request.user, request.POST
        try:
            if action == "attach":
                services.attach(user, ticket, request.FILES.getlist("attachments"))
            elif action in ("approve", "reject"):
                approval = get_object_or_404(Approval, pk=data.get("approval") or 0, ticket=ticket)
                services.decide(user, approval, action == "approve", data.get("note", ""))
            elif action in services.MOVES:
                services.perform(user, ticket, action, data, version)
            else:
                raise Http404
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.Conflict as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved: %(object)s") % {"object": ticket.number})
        return redirect(ticket.get_absolute_url())


class NewRequest(View):
    """"Talep Oluştur": find the right request type by the words typed, fill its form."""

    def _types(self, request):
        person = person_of(request.user)
        if person is None:
            return RequestType.objects.none()
        return (RequestType.objects.filter(archived_at__isnull=True, service__institution=person.institution,
                                           service__archived_at__isnull=True)
                .select_related("service").order_by("name_tr"))

    def get(self, request):
        if not has_module_perm(request.user, "servicedesk", "add"):
            raise PermissionDenied
        types = self._types(request)
        query = request.GET.get("q", "")
        for word in fold(query).split()[:5]:
            types = types.filter(search_text__contains=word)
        chosen = None
        if request.GET.get("type"):
            chosen = get_object_or_404(self._types(request), pk=request.GET["type"])
        context = {"types": types[:30], "q": query, "chosen": chosen, "values": {}, "errors": {},
                   "articles": services.suggest_articles(request.user, chosen, query)}
        if request.htmx and not chosen:
            return render(request, "servicedesk/_type_choices.html", context)
        return render(request, "servicedesk/new_request.html", context)

    def post(self, request):
        if not has_module_perm(request.user, "servicedesk", "add"):
            raise PermissionDenied
        chosen = get_object_or_404(self._types(request), pk=request.POST.get("type") or 0)
        person = person_of(request.user)
        answers = {f["key"]: (request.POST.getlist(f"f_{f['key']}") if f["type"] == "multichoice"
                              else request.POST.get(f"f_{f['key']}", "")) for f in chosen.form}
        try:
            ticket = services.create_ticket(
                request.user, requester=person, request_type=chosen, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), answers=answers,
                urgency=int(request.POST.get("urgency") or chosen.default_urgency),
                impact=int(request.POST.get("impact") or chosen.default_impact),
                related_devices=request.POST.get("related_devices", ""),
                files=request.FILES.getlist("attachments"))
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except (ValidationError, ValueError) as exc:
            errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": getattr(exc, "messages", [str(exc)])}
            general = errors.pop("__all__", [])
            if not errors and not general:
                general = [str(exc)]
            context = {"types": [], "chosen": chosen, "values": request.POST, "errors": errors,
                       "general_errors": general}
            return render(request, "servicedesk/new_request.html", context, status=400)
        messages.success(request, _("Your request %(number)s is recorded.") % {"number": ticket.number})
        return redirect(ticket.get_absolute_url())


class MyRequests(View):
    def get(self, request):
        if not has_module_perm(request.user, "servicedesk", "view"):
            raise PermissionDenied
        person = person_of(request.user)
        tickets = services.own_tickets(person)
        unit_tickets = services.unit_tickets_for_manager(request.user, person)
        return render(request, "servicedesk/my_requests.html", {"tickets": tickets, "unit_tickets": unit_tickets,
                                                                "approvals": services.pending_approvals_for(request.user)})


class ApprovalLink(View):
    """The signed link in the approval e-mail: opens the decision for the approver (or deputy)."""

    def get(self, request, token):
        if not has_module_perm(request.user, "servicedesk", "view"):
            raise PermissionDenied
        try:
            approval = services.approval_from_token(token)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("servicedesk:my_requests")
        if not services.can_decide(request.user, approval):
            if approval.decision != Approval.Decision.PENDING:
                messages.info(request, _("This approval is already decided."))
                return redirect("servicedesk:my_requests")
            raise PermissionDenied(_("This approval is not yours to decide."))
        return redirect(f"{approval.ticket.get_absolute_url()}#approval")



class AttachmentDownload(View):
    """A ticket's file, to those who may see the ticket; always as a download (an uploaded HTML
    or SVG file never runs in the browser)."""

    def get(self, request, pk):
        from django.http import FileResponse

        from bilge.servicedesk.models import Attachment

        attachment = get_object_or_404(Attachment, pk=pk)
        if not TicketUI.queryset(request, "view").filter(pk=attachment.ticket_id).exists():
            raise Http404
        response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                                content_type="application/octet-stream")
        response["Cache-Control"] = "private, no-store"
        return response
