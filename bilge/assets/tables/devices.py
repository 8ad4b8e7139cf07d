from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

tasinircode_table = Table(
    columns=[
        Column("code", _("code"), sort=("code",), link=True, turkish=False),
        Column("name", _("name"), sort=("name",)),
        Column("parent", _("upper level"), accessor="parent.code", default=False),
    ],
    default_sort=("code",),
    select_related=("parent",),
)

devicetype_table = Table(
    columns=[
        Column("name", _("name"), accessor="name", sort=("name_tr",), link=True),
        Column("code", _("code"), sort=("code",)),
        Column("tasinir_code", _("taşınır code"), accessor="tasinir_code.code", sort=("tasinir_code__code",),
               turkish=False),
        Column("fields", _("own fields"), accessor=lambda t: len(t.fields or [])),
        Column("stores_data", _("stores data")),
        Column("is_network", _("on the network")),
    ],
    default_sort=("name_tr",),
    select_related=("tasinir_code",),
)

manufacturer_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("support_phone", _("support phone")),
        Column("website", _("website"), default=False),
    ],
    default_sort=("name",),
)

devicemodel_table = Table(
    columns=[
        Column("name", _("model"), sort=("name",), link=True),
        Column("manufacturer", _("manufacturer"), accessor="manufacturer.name", sort=("manufacturer__name",)),
        Column("device_type", _("device type"), accessor="device_type.name", sort=("device_type__name_tr",)),
    ],
    default_sort=("manufacturer__name", "name"),
    select_related=("manufacturer", "device_type"),
)

location_table = Table(
    columns=[
        Column("path", _("location"), sort=("path",), link=True),
        Column("kind", _("kind"), sort=("kind",)),
        Column("unit", _("unit using it"), accessor="unit.name", sort=("unit__name",)),
        Column("shared", _("shared room")),
        Column("is_remote", _("remote unit")),
        Column("internet", _("internet line"), accessor=lambda loc: " · ".join(
            p for p in (loc.internet_provider, loc.internet_speed, loc.circuit_no) if p), default=False),
        Column("code", _("code"), sort=("code",), default=False),
    ],
    default_sort=("path",),
    select_related=("unit",),
)

device_table = Table(
    columns=[
        Column("sicil_no", _("sicil no"), sort=("sicil_no",), link=True, turkish=False),
        Column("device_type", _("type"), accessor="device_type.name", sort=("device_type__name_tr",)),
        Column("model", _("model"), accessor=lambda d: str(d.model) if d.model_id else "", sort=("model__name",)),
        Column("name", _("name"), sort=("name",), default=False),
        Column("serial", _("serial number"), sort=("serial",), turkish=False),
        Column("status", _("status"), sort=("status",)),
        Column("holder", _("responsible person"), accessor="holder.full_name", sort=("holder__last_name",)),
        Column("unit", _("owning unit"), accessor="unit.name", sort=("unit__name",)),
        Column("location", _("location"), accessor="location.path", sort=("location__path",), default=False),
        Column("ip_address", _("IP address"), default=False),
        Column("mac_address", _("MAC address"), default=False),
        Column("host_name", _("host name"), default=False),
        Column("approved", _("approved"), default=False),
        Column("purchase_date", _("purchase date"), sort=("purchase_date",), default=False),
        Column("price", _("price"), sort=("price",), default=False),
        Column("warranty_end", _("warranty end"), sort=("warranty_end",)),
        Column("tasinir_code", _("taşınır code"), accessor="tasinir_code.code", default=False),
    ],
    default_sort=("-id",),
    select_related=("holder", "unit", "location"),
    prefetch_related=("device_type", "model__manufacturer", "tasinir_code"),
    defer=("search_text", "attributes", "notes", "holder__search_text", "unit__search_text", "location__search_text"),
)
