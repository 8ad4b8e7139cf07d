"""Hooks the assets app gives the rest of Bilge (registered in ``AssetsConfig.ready``): a person
who leaves or changes unit must first hand back the devices in their custody (F md.11/21, 11/25),
and the person's page lists those devices."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bilge.core.services import register_exit_check, register_person_panel


def open_custody_blockers(person, new_unit_id, new_end_date) -> list[str]:
    """Reasons the exit (end date) or unit change of ``person`` cannot be saved: each device still held."""
    from bilge.assets.services.custody import open_items

    if person.pk is None:
        return []
    leaving = new_end_date is not None
    moving = new_unit_id is not None and new_unit_id != person.unit_id
    if not (leaving or moving):
        return []
    items = list(open_items(person))
    if not items:
        return []
    listed = ", ".join(d.sicil_no for d in items[:20]) + (" …" if len(items) > 20 else "")
    return [ngettext(
        "%(name)s still holds %(count)s device (%(items)s): take it back or transfer it with a Taşınır Teslim "
        "Belgesi first.",
        "%(name)s still holds %(count)s devices (%(items)s): take them back or transfer them with a Taşınır Teslim "
        "Belgesi first.", len(items)) % {"name": person.full_name, "count": len(items), "items": listed}]


def custody_panel(request, person) -> str:
    from bilge.assets.models import Device
    from bilge.assets.services.custody import open_items
    from bilge.core.permissions import has_module_perm

    if not has_module_perm(request.user, "assets", "view"):
        return ""
    items = open_items(person).filter(pk__in=Device.objects.visible_to(request.user).values("pk"))[:200]
    return render_to_string("assets/custody_person_panel.html",
                            {"items": items, "person": person, "title": _("Devices in custody")}, request=request)


register_exit_check(open_custody_blockers)
register_person_panel(custody_panel)
