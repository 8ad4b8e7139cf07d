"""Integration pages: webhooks (generic list/detail/edit/archive/history), their delivery log
(generic list, filterable by webhook, status and event), and the actions on them — reveal or
rotate the secret, send a test ping, redeliver — each through the services module."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import View

from bilge.core.events import EVENTS
from bilge.core.permissions import authorize, can, has_module_perm
from bilge.integrations import filters, forms, services, tables
from bilge.integrations.models import PING, Webhook, WebhookDelivery
from bilge.web.generic import ModelUI


def event_label(name: str) -> str:
    return _("test ping") if name == PING else str(EVENTS.get(name, name))


class WebhookUI(ModelUI):
    model = Webhook
    namespace = "integrations"
    url_prefix = "webhooks"
    filterset = filters.WebhookFilterSet
    form = forms.WebhookForm
    table = tables.webhook_table
    detail_template = "integrations/webhook_detail.html"
    detail_fields = ("institution", "url", "service", "include_title", "active", "timeout", "last_status",
                     "last_response_code", "last_attempt_at", "delivered_count", "failed_count")

    @classmethod
    def save_form(cls, request, form, creating):
        from bilge.core import audit

        obj = form.save(commit=False)
        allowed, principal = authorize(request.user, "add" if creating else "change", obj)
        if not allowed:
            raise PermissionDenied(_("You may not save this record with these values (outside your scope)."))
        with audit.acting_for(request.user, principal):
            obj.save()
        if creating:  # the one time the secret is shown without a recorded reveal
            messages.info(request, format_html(
                "{} <code data-testid=\"new-secret\">{}</code>",
                _("The signing secret of this webhook — copy it to the receiver now; it is not shown again:"),
                obj.secret))
        return obj

    @classmethod
    def detail_context(cls, request, obj):
        deliveries = obj.deliveries.order_by("-id")[:20]
        return {
            "events": [event_label(name) for name in obj.events or []],
            "deliveries": [(d, event_label(d.event)) for d in deliveries],
            "deliveries_url": f"{DeliveryUI.url('list')}?webhook={obj.pk}",
            "can_manage": can(request.user, "change", obj),
        }


class DeliveryUI(ModelUI):
    model = WebhookDelivery
    namespace = "integrations"
    url_prefix = "deliveries"
    filterset = filters.WebhookDeliveryFilterSet
    form = None
    archivable = False
    table = tables.webhookdelivery_table
    detail_template = "integrations/delivery_detail.html"

    @classmethod
    def detail_context(cls, request, obj):
        import json

        return {
            "event": event_label(obj.event),
            "payload": json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True),
            "can_redeliver": obj.can_redeliver and can(request.user, "change", obj.webhook),
        }


UIS = [WebhookUI, DeliveryUI]


def _webhook(request, pk, action="view"):
    if not has_module_perm(request.user, "integrations", action):
        raise PermissionDenied
    return get_object_or_404(Webhook.objects.visible_to(request.user, "view"), pk=pk)


class WebhookSecret(View):
    """Reveal (htmx: the secret in place, recorded) or rotate the signing secret."""

    def post(self, request, pk):
        webhook = _webhook(request, pk, "change")
        try:
            if request.POST.get("action") == "rotate":
                secret = services.rotate_secret(request.user, webhook)
                messages.info(request, format_html(
                    "{} <code data-testid=\"new-secret\">{}</code>",
                    _("New signing secret — copy it to the receiver now; the old one no longer works:"), secret))
                return redirect(webhook.get_absolute_url())
            secret = services.reveal_secret(request.user, webhook)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        return HttpResponse(format_html('<code class="fs-6" data-testid="secret">{}</code>', secret))


class WebhookPing(View):
    """Send a test call now and show how the receiver answered."""

    def post(self, request, pk):
        webhook = _webhook(request, pk, "change")
        try:
            row = services.send_ping(request.user, webhook)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(webhook.get_absolute_url())
        if row.status == WebhookDelivery.Status.DELIVERED:
            messages.success(request, _("The receiver answered %(code)s.") % {"code": row.response_code})
        else:
            messages.error(request, _("The test call failed: %(error)s") % {"error": row.error})
        return redirect(row.get_absolute_url())


class DeliveryRedeliver(View):
    def post(self, request, pk):
        if not has_module_perm(request.user, "integrations", "change"):
            raise PermissionDenied
        original = get_object_or_404(WebhookDelivery.objects.visible_to(request.user, "view")
                                     .select_related("webhook"), pk=pk)
        try:
            row = services.redeliver(request.user, original)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(original.get_absolute_url())
        messages.success(request, _("Queued for delivery again."))
        return redirect(row.get_absolute_url())
