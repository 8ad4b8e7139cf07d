from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

count_table = Table(
    columns=[
        Column("number", _("number"), sort=("number",), link=True, turkish=False),
        Column("year", _("year"), sort=("year",)),
        Column("state", _("state"), sort=("state",)),
        Column("place", _("counted place"), accessor=lambda c: c.warehouse or c.location),
        Column("round", _("round"), sort=("round",)),
        Column("created_at", _("opened"), sort=("created_at",)),
        Column("closed_at", _("closed at"), sort=("closed_at",)),
    ],
    default_sort=("-id",),
    select_related=("warehouse", "location"),
    defer=("note", "location__address"),
)
