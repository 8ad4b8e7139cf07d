from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

webhook_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("url", _("target address"), sort=("url",), turkish=False),
        Column("events", _("events"), accessor=lambda w: len(w.events or [])),
        Column("service", _("only for the IT service"), accessor="service.name", sort=("service__name",)),
        Column("active", _("active"), sort=("active",)),
        Column("last_status", _("last outcome"), sort=("last_status",)),
        Column("last_attempt_at", _("last attempt"), sort=("last_attempt_at",)),
        Column("delivered_count", _("delivered"), sort=("delivered_count",), default=False),
        Column("failed_count", _("failed attempts"), sort=("failed_count",), default=False),
    ],
    default_sort=("name",),
    select_related=("service",),
)

webhookdelivery_table = Table(
    columns=[
        Column("created_at", _("created at"), sort=("created_at",), link=True),
        Column("webhook", _("webhook"), accessor="webhook.name", sort=("webhook__name",)),
        Column("event", _("event"), sort=("event",), turkish=False),
        Column("ticket_number", _("ticket"), sort=("ticket_number",), turkish=False),
        Column("status", _("status"), sort=("status",)),
        Column("attempts", _("attempts"), sort=("attempts",)),
        Column("response_code", _("last response code"), sort=("response_code",)),
        Column("next_attempt_at", _("next attempt"), sort=("next_attempt_at",)),
        Column("delivered_at", _("delivered at"), sort=("delivered_at",), default=False),
        Column("duration_ms", _("duration (ms)"), sort=("duration_ms",), default=False),
        Column("delivery_id", _("delivery id"), accessor=lambda d: str(d.delivery_id), default=False),
    ],
    default_sort=("-id",),
    select_related=("webhook",),
)
