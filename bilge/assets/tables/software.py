"""List columns of software, licences, assignments, installations and certificates."""

from django.utils.translation import gettext_lazy as _

from bilge.web.tables import Column, Table

software_table = Table(
    columns=[
        Column("name", _("name"), sort=("name",), link=True),
        Column("publisher", _("publisher"), sort=("publisher",)),
        Column("category", _("category"), sort=("category",)),
        Column("is_open_source", _("open source"), sort=("is_open_source",)),
        Column("approved", _("approved for use"), sort=("approved",)),
    ],
    default_sort=("name",),
    defer=("notes", "search_text"),
)

licence_table = Table(
    columns=[
        Column("software", _("software"), accessor="software.name", sort=("software__name",), link=True),
        Column("kind", _("kind"), sort=("kind",)),
        Column("quantity", _("seats"), sort=("quantity",)),
        Column("assigned", _("assigned"), accessor="assigned_count"),
        Column("reference", _("licence reference"), sort=("reference",)),
        Column("expiry_date", _("expiry date"), sort=("expiry_date",)),
        Column("days_left", _("days left"), sort=("expiry_date",),
               accessor=lambda lic: (lic.expiry_date - _today()).days if lic.expiry_date else None),
        Column("responsible", _("followed by"), accessor="responsible.full_name", sort=("responsible__last_name",)),
        Column("supplier", _("supplier"), sort=("supplier",), default=False),
        Column("cost", _("cost"), sort=("cost",), default=False),
    ],
    default_sort=("software__name", "expiry_date"),
    select_related=("software", "responsible"),
    defer=("search_text", "software__search_text", "software__notes", "responsible__search_text"),
)

licenceassignment_table = Table(
    columns=[
        Column("licence", _("licence"), sort=("licence__software__name",), link=True),
        Column("person", _("person"), accessor="person.full_name", sort=("person__last_name",)),
        Column("device", _("device"), accessor="device.sicil_no", sort=("device__sicil_no",), turkish=False),
        Column("created_at", _("assigned on"), sort=("created_at",)),
    ],
    default_sort=("-created_at",),
    select_related=("licence__software", "person", "device"),
)

installation_table = Table(
    columns=[
        Column("device", _("device"), accessor="device.sicil_no", sort=("device__sicil_no",), turkish=False,
               link=True),
        Column("software", _("software"), accessor="software.name", sort=("software__name",)),
        Column("version", _("version"), sort=("version",)),
        Column("source", _("source"), sort=("source",)),
        Column("seen_at", _("last seen"), sort=("seen_at",)),
    ],
    default_sort=("device__sicil_no", "software__name"),
    select_related=("device", "software"),
    defer=("search_text", "device__search_text", "device__notes", "device__attributes", "software__search_text",
           "software__notes"),
)

certificate_table = Table(
    columns=[
        Column("subject", _("subject"), sort=("subject",), link=True),
        Column("kind", _("kind"), sort=("kind",)),
        Column("holder", _("holder"), accessor="holder.full_name", sort=("holder__last_name",)),
        Column("issuer", _("issuer"), sort=("issuer",)),
        Column("valid_to", _("valid until"), sort=("valid_to",)),
        Column("days_left", _("days left"), accessor=lambda c: None if c.revoked_at else c.days_left(),
               sort=("valid_to",)),
        Column("renewable_from", _("renewable from"), accessor="renewable_from"),
        Column("revoked_at", _("revoked on"), sort=("revoked_at",)),
        Column("serial", _("serial number"), sort=("serial",), default=False, turkish=False),
        Column("responsible", _("followed by"), accessor="responsible.full_name", default=False),
    ],
    default_sort=("valid_to",),
    select_related=("holder", "responsible"),
    defer=("notes", "search_text", "holder__search_text", "responsible__search_text"),
)


def _today():
    from django.utils import timezone

    return timezone.localdate()
