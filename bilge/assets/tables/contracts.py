"""List columns of contracts."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bilge.web.tables import Column, Table

contract_table = Table(
    columns=[
        Column("number", _("contract number"), sort=("number",), link=True),
        Column("title", pgettext_lazy("contract", "title"), sort=("title",)),
        Column("kind", _("kind"), sort=("kind",)),
        Column("vendor", _("vendor"), sort=("vendor",)),
        Column("start_date", _("start date"), sort=("start_date",)),
        Column("end_date", _("end date"), sort=("end_date",)),
        Column("days_left", _("days left"), accessor=lambda c: c.days_left(), sort=("end_date",)),
        Column("responsible", _("followed by"), accessor="responsible.full_name", sort=("responsible__last_name",)),
        Column("vendor_phone", _("vendor phone"), default=False),
        Column("cost", _("cost"), sort=("cost",), default=False),
        Column("unit", _("responsible unit"), accessor="unit.name", sort=("unit__name",), default=False),
    ],
    default_sort=("end_date",),
    select_related=("responsible", "unit"),
    defer=("notes", "search_text", "responsible__search_text", "unit__search_text"),
)
