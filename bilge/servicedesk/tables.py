from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

service_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("code", _("code"), sort=("code",)),
        Column("unit", _("IT unit"), accessor="unit.name", sort=("unit__name",)),
        Column("chief", _("chief"), accessor="chief.full_name"),
    ],
    default_sort=("name",),
    select_related=("unit", "chief"),
)

requesttype_table = Table(
    columns=[
        Column("name", _("name"), accessor="name", sort=("name_tr",), link=True),
        Column("kind", _("kind"), sort=("kind",)),
        Column("service", _("IT service"), accessor="service.name", sort=("service__name",)),
        Column("approvals", _("approval steps"), accessor=lambda t: len(t.approval_chain)),
        Column("code", _("code"), sort=("code",), default=False),
    ],
    default_sort=("name_tr",),
    select_related=("service",),
)

ticket_table = Table(
    columns=[
        Column("number", _("number"), sort=("id",), link=True, turkish=False),
        Column("title", _("subject"), sort=("title",)),
        Column("status", _("status"), sort=("status",)),
        Column("priority", _("priority"), sort=("priority",)),
        Column("requester", _("requester"), accessor="requester.full_name", sort=("requester__last_name",)),
        Column("requester_unit", _("unit"), accessor="requester_unit.name", sort=("requester_unit__name",)),
        Column("service", _("IT service"), accessor="service.name", sort=("service__name",)),
        Column("assignee", _("technician"), accessor="assignee.full_name", sort=("assignee__last_name",)),
        Column("created_at", _("opened"), sort=("created_at",)),
        Column("due_resolution_at", _("resolution due"), sort=("due_resolution_at",)),
        Column("request_type", _("request type"), accessor="request_type.name", default=False),
        Column("category", _("category"), sort=("category",), default=False),
        Column("channel", _("channel"), sort=("channel",), default=False),
    ],
    default_sort=("-id",),
    select_related=("requester", "requester_unit", "service", "assignee", "request_type"),
    defer=("search_text", "description", "form_data", "form_schema", "resolution", "rating_comment",
           "requester__search_text", "assignee__search_text", "requester_unit__search_text",
           "service__search_text", "request_type__search_text", "request_type__form",
           "request_type__approval_chain", "request_type__phases", "request_type__sla", "request_type__help_tr",
           "request_type__help_en", "request_type__keywords"),
)

assignmentrule_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("service", _("IT service"), accessor="service.name", sort=("service__name",)),
        Column("order", _("order"), sort=("order",)),
        Column("strategy", _("strategy"), sort=("strategy",)),
        Column("request_type", _("request type"), accessor="request_type.name"),
        Column("requester_unit", _("requester's unit"), accessor="requester_unit.name"),
    ],
    default_sort=("service__name", "order"),
    select_related=("service", "request_type", "requester_unit"),
)

article_table = Table(
    columns=[
        Column("title", _("heading"), sort=("title",), link=True),
        Column("category", _("category"), sort=("category",)),
        Column("visibility", _("visible to"), sort=("visibility",)),
        Column("version", _("version"), sort=("version",)),
        Column("updated_at", _("updated at"), sort=("updated_at",)),
    ],
    default_sort=("title",),
)
