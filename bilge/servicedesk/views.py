"""Service-desk pages: the queues (generic list), a ticket with its actions, the portal for
every employee (new request, my requests, my approvals) and the signed approval link."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View

from bilge.assets.services.devices import ticket_devices
from bilge.core.permissions import can, has_module_perm, person_of
from bilge.core.turkish import fold
from bilge.servicedesk import filters, forms, services, tables
from bilge.servicedesk.forms_schema import labelled_answers
from bilge.servicedesk.models import Approval, Article, AssignmentRule, RequestType, Service, Ticket
from bilge.web.generic import ModelUI, ObjectEditView, perform, require_module


class ServiceUI(ModelUI):
    model = Service
    namespace = "servicedesk"
    url_prefix = "services"
    filterset = filters.ServiceFilterSet
    form = forms.ServiceForm
    table = tables.service_table
    detail_fields = ("institution", "unit", "code", "chief", "email", "breach_action", "escalation_person")


class RequestTypeUI(ModelUI):
    model = RequestType
    namespace = "servicedesk"
    url_prefix = "types"
    filterset = filters.RequestTypeFilterSet
    form = forms.RequestTypeForm
    table = tables.requesttype_table
    detail_fields = ("service", "code", "name_tr", "name_en", "kind", "keywords", "requires_legal_basis")

    @classmethod
    def urlpatterns(cls):
        # Add and edit are the structured editor of the form, approvals, SLA and phases (RequestTypeEdit).
        from django.urls import path

        editor = RequestTypeEdit.as_view(ui=cls)
        return [p for p in super().urlpatterns() if p.name not in ("requesttype_add", "requesttype_edit")] + [
            path("types/add/", editor, name="requesttype_add"),
            path("types/<int:pk>/edit/", editor, name="requesttype_edit"),
        ]


class TicketUI(ModelUI):
    model = Ticket
    namespace = "servicedesk"
    url_prefix = "tickets"
    filterset = filters.TicketFilterSet
    form = None
    archivable = False
    table = tables.ticket_table
    detail_template = "servicedesk/ticket_detail.html"
    bulk_actions = (("assign", _lazy("Assign to")), ("start", _lazy("Start work")),
                    ("wait_vendor", _lazy("Wait for the vendor")), ("resolve", _lazy("Resolve")),
                    ("close", _lazy("Close")), ("comment", _lazy("Add comment")),
                    ("merge", _lazy("Merge into (duplicates)")))
    bulk_url_name = "servicedesk:ticket_bulk"
    bulk_template = "servicedesk/_bulk_fields.html"
    count_limit = filters.TicketFilterSet.COUNT_LIMIT
    search_count_limit = filters.TicketFilterSet.SEARCH_COUNT_LIMIT

    @classmethod
    def bulk_context(cls, request):
        person = person_of(request.user)
        # (id, name) pairs: a big IT department has hundreds of technicians on every queue page.
        technicians = ([(pk, f"{first} {last}".strip()) for pk, first, last in
                        services.technicians(person.unit_id).values_list("pk", "first_name", "last_name")]
                       if person and person.unit.is_it else [])
        return {**super().bulk_context(request), "technicians": technicians}

    @classmethod
    def queryset(cls, request, action="view"):
        qs = super().queryset(request, action)
        if action != "view":
            return qs
        # Approvers (and their deputies) see the tickets waiting for their decision and those they decided.
        # (A subquery, not a join: no duplicate rows, no DISTINCT over the queue.)
        # One subquery per kind, each answered by an index (an OR inside one subquery reads every approval).
        person = person_of(request.user)
        mine = (Q(pk__in=services.pending_approvals_for(request.user).values("ticket_id"))
                | Q(pk__in=Approval.objects.filter(decided_by=request.user).values("ticket_id")))
        if person is not None:
            mine |= Q(pk__in=Approval.objects.filter(approver=person).values("ticket_id"))
        return qs | Ticket.objects.filter(mine)

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
            "technicians": services.technicians(obj.service_unit_id, limit=200) if staff else [],
            "links": services.links_of(user, obj) if staff else [],
            "articles": obj.articles.filter(pk__in=services.articles_for(user).values("pk")) if staff else [],
            "article_choices": services.articles_for(user).only("pk", "title").order_by("title")[:300] if staff else [],
            "devices": ticket_devices(obj),
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
        staff = can(request.user, "change", obj)
        tickets = (TicketUI.queryset(request, "view").filter(articles=obj).order_by("-id")[:20]
                   if has_module_perm(request.user, "servicedesk", "change") else [])
        return {"versions": obj.versions.select_related("saved_by")[:20], "files": obj.attachments.all(),
                "can_attach": staff, "linked_tickets": tickets}


UIS = [ServiceUI, RequestTypeUI, TicketUI, AssignmentRuleUI, ArticleUI]


def _moves(ticket):
    labels = {
        "start": _("Start work"), "wait_requester": _("Wait for the requester"),
        "wait_vendor": _("Wait for the vendor"), "close": _("Close"),
    }
    return [(move, label) for move, label in labels.items() if ticket.status in services.TRANSITIONS[move]]


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


class TicketBulk(View):
    """One action on the tickets ticked in the list: all of them or none (each refusal named)."""

    def post(self, request):
        if not has_module_perm(request.user, "servicedesk", "change"):
            raise PermissionDenied
        ids = request.POST.getlist("ids")
        data = request.POST.copy()
        data["body"] = data.get("resolution", "")  # one text field: the resolution, or the comment
        try:
            count = services.bulk(request.user, ids, request.POST.get("action", ""), data)
        except services.BulkError as exc:
            messages.error(request, _("Nothing was changed: %(reasons)s") % {"reasons": "; ".join(exc.messages)})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(count)s tickets changed.") % {"count": count})
        back = request.POST.get("next", "")
        return redirect(back if back.startswith("/") and not back.startswith("//") else TicketUI.url("list"))


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
                   "articles": services.suggest_articles(request.user, chosen, query),
                   "on_behalf": self._on_behalf(request)}
        if request.htmx and not chosen:
            return render(request, "servicedesk/_type_choices.html", context)
        return render(request, "servicedesk/new_request.html", context)

    @staticmethod
    def _on_behalf(request, data=None):
        """IT staff may record the request for someone else (phone, walk-in, e-mail)."""
        if not has_module_perm(request.user, "servicedesk", "change"):
            return None
        return forms.OnBehalfForm(data, user=request.user)

    def post(self, request):
        if not has_module_perm(request.user, "servicedesk", "add"):
            raise PermissionDenied
        chosen = get_object_or_404(self._types(request), pk=request.POST.get("type") or 0)
        person, channel = person_of(request.user), "portal"
        on_behalf = self._on_behalf(request, request.POST)
        if on_behalf is not None and not on_behalf.is_valid():
            return render(request, "servicedesk/new_request.html",
                          {"types": [], "chosen": chosen, "values": request.POST, "errors": {},
                           "general_errors": [_("Choose the person from the list.")], "on_behalf": on_behalf},
                          status=400)
        if on_behalf is not None and on_behalf.cleaned_data["requester"]:
            person = on_behalf.cleaned_data["requester"]
            channel = on_behalf.cleaned_data["channel"] or "phone"
        answers = {f["key"]: (request.POST.getlist(f"f_{f['key']}") if f["type"] == "multichoice"
                              else request.POST.get(f"f_{f['key']}", "")) for f in chosen.form}
        try:
            ticket = services.create_ticket(
                request.user, requester=person, request_type=chosen, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), answers=answers,
                urgency=int(request.POST.get("urgency") or chosen.default_urgency),
                impact=int(request.POST.get("impact") or chosen.default_impact),
                related_devices=request.POST.get("related_devices", ""), channel=channel,
                files=request.FILES.getlist("attachments"))
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except (ValidationError, ValueError) as exc:
            errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": getattr(exc, "messages", [str(exc)])}
            general = errors.pop("__all__", [])
            if not errors and not general:
                general = [str(exc)]
            context = {"types": [], "chosen": chosen, "values": request.POST, "errors": errors,
                       "general_errors": general, "on_behalf": on_behalf}
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


class Queues(View):
    """The IT queues at a glance: open, unassigned, warned and breached tickets per service, each
    number a link to the filtered list; "my work" is the technician's own open tickets."""

    def get(self, request):
        if not has_module_perm(request.user, "servicedesk", "change"):
            raise PermissionDenied
        return render(request, "servicedesk/queues.html", {"rows": services.queue_overview(request.user),
                                                           "list_url": TicketUI.url("list")})


class RequesterAutocomplete(View):
    """The person picker of "recording for someone else" (IT staff)."""

    def get(self, request):
        from bilge.core.views import person_options

        if not has_module_perm(request.user, "servicedesk", "change"):
            raise PermissionDenied
        return person_options(forms.requesters_for(request.user), request.GET.get("q", ""))


class MyWork(View):
    def get(self, request):
        if not has_module_perm(request.user, "servicedesk", "change"):
            raise PermissionDenied
        return redirect(f"{TicketUI.url('list')}?mine=true&open=true&sort=due_resolution_at")


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



class ArticleAttach(View):
    """Add files to an article (those who may change it)."""

    def post(self, request, pk):
        article = get_object_or_404(services.articles_for(request.user), pk=pk)
        return perform(request, lambda: services.attach_to_article(request.user, article, request.FILES.getlist("attachments")),
                       _("Saved: %(object)s") % {"object": article.title}, article.get_absolute_url())


def _download(stored):
    from django.http import FileResponse

    response = FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name,
                            content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


class ArticleAttachmentDownload(View):
    """An article's file, to whoever may read the article."""

    def get(self, request, pk):
        from bilge.servicedesk.models import ArticleAttachment

        stored = get_object_or_404(ArticleAttachment, pk=pk)
        if not services.articles_for(request.user).filter(pk=stored.article_id).exists():
            raise Http404
        return _download(stored)


class AttachmentDownload(View):
    """A ticket's file, to those who may see the ticket; always as a download (an uploaded HTML
    or SVG file never runs in the browser)."""

    def get(self, request, pk):
        from bilge.servicedesk.models import Attachment

        attachment = get_object_or_404(Attachment, pk=pk)
        if not TicketUI.queryset(request, "view").filter(pk=attachment.ticket_id).exists():
            raise Http404
        return _download(attachment)


class RequestTypeEdit(ObjectEditView):
    """A request type's add/edit page: its own fields and the structured editor of its form,
    approval chain, SLA targets and phases (bilge.servicedesk.type_editor). Writing the catalog
    takes the change right also for a new type: every employee has "add" (to file requests)."""

    def _object(self, request, pk):
        require_module(request, self.ui, "change")
        return super()._object(request, pk)

    def _render(self, request, form, obj, pk, status=200):
        context = self.base_context(form=form, editor=form.editor, object=obj if pk else None, creating=pk is None)
        return render(request, "servicedesk/requesttype_edit.html", context, status=status)


class RequestTypePreview(View):
    """The requester's form as the editor stands (htmx partial beside the editor); saves nothing."""

    def post(self, request):
        if not (has_module_perm(request.user, "servicedesk", "change")):
            raise PermissionDenied
        from django.utils.translation import get_language

        form = forms.RequestTypeForm(request.POST, instance=RequestType(), request=request)
        lang = "en" if (get_language() or "tr").startswith("en") else "tr"
        data = request.POST
        return render(request, "servicedesk/_type_preview.html",
                      {**form.editor.preview(), "name": data.get(f"name_{lang}") or data.get("name_tr", ""),
                       "help": data.get(f"help_{lang}") or data.get("help_tr", ""), "values": {}, "errors": {}})
