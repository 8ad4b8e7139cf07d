from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

disposal_table = Table(
    columns=[
        Column("number", _("number"), sort=("number",), link=True, turkish=False),
        Column("state", _("state"), sort=("state",)),
        Column("method", _("method"), sort=("method",)),
        Column("devices", _("devices"), accessor="n_items", sort=("n_items",)),
        Column("warehouse", _("warehouse"), accessor="warehouse", sort=("warehouse__code",)),
        Column("decision_date", _("decision date"), sort=("decision_date",)),
        Column("decision_no", _("decision number"), sort=("decision_no",)),
        Column("created_at", _("proposed"), sort=("created_at",)),
        Column("completed_at", _("completed at"), sort=("completed_at",), default=False),
        Column("reason", _("reason"), default=False),
    ],
    default_sort=("-id",),
    select_related=("warehouse",),
)
