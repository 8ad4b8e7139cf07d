"""List columns of warehouses, stock items, stock levels and movements (also their Excel export)."""

from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

warehouse_table = Table(
    columns=[
        Column("code", _("code"), sort=("code",), link=True, turkish=False),
        Column("name", _("name"), sort=("name",)),
        Column("unit", _("unit"), accessor="unit.name", sort=("unit__name",)),
        Column("kayit_officer", _("taşınır kayıt yetkilisi"), accessor="kayit_officer.full_name",
               sort=("kayit_officer__last_name",)),
        Column("kontrol_officer", _("taşınır kontrol yetkilisi"), accessor="kontrol_officer.full_name",
               sort=("kontrol_officer__last_name",)),
        Column("location", _("location"), accessor="location.path", default=False),
    ],
    default_sort=("code",),
    select_related=("unit", "kayit_officer", "kontrol_officer", "location"),
    defer=("search_text",),
)

stockitem_table = Table(
    columns=[
        Column("code", _("code"), sort=("code",), link=True, turkish=False),
        Column("name", _("name"), sort=("name",), link=True),
        Column("kind", _("kind"), sort=("kind",)),
        Column("tasinir_code", _("taşınır code"), accessor="tasinir_code.code", sort=("tasinir_code__code",),
               turkish=False),
        Column("measure", _("unit of measure")),
        Column("reorder_level", _("reorder level"), sort=("reorder_level",)),
        Column("fits", _("fits models"), default=False,
               accessor=lambda i: ", ".join(str(m) for m in i.fits.all())),
    ],
    default_sort=("name",),
    select_related=("tasinir_code",),
    defer=("search_text",),
)

stocklevel_table = Table(
    columns=[
        Column("warehouse", _("warehouse"), accessor="warehouse.code", sort=("warehouse__code",), turkish=False),
        Column("item_code", _("code"), accessor="item.code", sort=("item__code",), turkish=False, link=True),
        Column("item", _("stock item"), accessor="item.name", sort=("item__name",), link=True),
        Column("kind", _("kind"), accessor="item.kind", sort=("item__kind",)),
        Column("quantity", _("quantity"), sort=("quantity",)),
        Column("measure", _("unit of measure"), accessor="item.measure"),
        Column("threshold", _("reorder level"), accessor="threshold"),
        Column("below_reorder", _("at or below the reorder level"), accessor="below_reorder"),
        Column("alerted_at", _("alerted at"), sort=("alerted_at",), default=False),
    ],
    default_sort=("warehouse__code", "item__name"),
    select_related=("warehouse", "item"),
    defer=("item__search_text", "warehouse__search_text"),
)

movement_table = Table(
    columns=[
        Column("number", _("number"), sort=("year", "sequence"), link=True, turkish=False),
        Column("warehouse", _("warehouse"), accessor="warehouse.code", sort=("warehouse__code",), turkish=False),
        Column("date", _("date"), sort=("date",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("state", _("state"), sort=("state",)),
        Column("to_unit", _("unit"), accessor="to_unit.name", sort=("to_unit__name",)),
        Column("to_person", _("person"), accessor="to_person.full_name", sort=("to_person__last_name",)),
        Column("ticket", _("approved request"), accessor="ticket.number"),
        Column("order_ref", _("written order"), default=False),
        Column("to_warehouse", _("to warehouse"), accessor="to_warehouse.code", default=False),
        Column("supplier", _("supplier"), sort=("supplier",), default=False),
        Column("invoice_no", _("invoice number"), default=False),
    ],
    default_sort=("-date", "-id"),
    select_related=("warehouse", "to_unit", "to_person", "ticket", "to_warehouse"),
    defer=("search_text", "note", "warehouse__search_text", "to_unit__search_text", "to_person__search_text",
           "ticket__search_text", "ticket__description", "ticket__form_data", "ticket__form_schema",
           "ticket__resolution", "ticket__rating_comment", "to_warehouse__search_text"),
)
