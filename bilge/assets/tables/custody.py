from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

custody_table = Table(
    columns=[
        Column("number", _("number"), sort=("id",), link=True, turkish=False),
        Column("date", _("date"), sort=("date",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("giver", _("handed over by"), accessor="giver.full_name", sort=("giver__last_name",)),
        Column("receiver", _("received by"), accessor=lambda c: c.receiver.full_name if c.receiver_id else
               (c.room.path if c.room_id else ""), sort=("receiver__last_name",)),
        Column("unit", _("unit"), accessor="unit.name", sort=("unit__name",)),
        Column("confirmed_at", _("confirmed at"), sort=("confirmed_at",)),
        Column("warehouse", _("warehouse"), accessor="warehouse.code", default=False),
    ],
    default_sort=("-id",),
    select_related=("giver", "receiver", "room", "unit", "warehouse"),
    defer=("search_text", "note", "giver__search_text", "receiver__search_text", "room__search_text",
           "unit__search_text", "warehouse__search_text"),
)
