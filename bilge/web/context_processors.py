"""The navigation, built from the user's rights (a menu shows only what the user may open)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.permissions import has_module_perm

# An item shown only to those who may change the module's records (the IT staff), not to everyone
# who may read some of them (an employee reads their own devices).
STAFF = "change"

MENU = [
    (_("Service desk"), "servicedesk", [
        (_("New request"), "servicedesk:new_request"),
        (_("My requests and approvals"), "servicedesk:my_requests"),
        (_("Queues"), "servicedesk:queues"),
        (_("My work"), "servicedesk:my_work"),
        (_("Tickets"), "servicedesk:ticket_list"),
        (_("Knowledge base"), "servicedesk:article_list"),
        (_("IT services"), "servicedesk:service_list"),
        (_("Request types"), "servicedesk:requesttype_list"),
        (_("Assignment rules"), "servicedesk:assignmentrule_list"),
    ]),
    (_("Assets"), "assets", [
        (_("My devices"), "assets:my_devices"),
        (_("Devices"), "assets:device_list"),
        (_("Taşınır Teslim Belgeleri"), "assets:custody_list", STAFF),
        (_("Hand over"), "assets:custody_act", STAFF, ("handover",)),
        (_("Warehouses"), "assets:warehouse_list", STAFF),
        (_("Stock levels"), "assets:stocklevel_list", STAFF),
        (_("Varlık İşlem Fişleri"), "assets:movement_list", STAFF),
        (_("Consumption"), "assets:stock_consumption", STAFF),
        (_("Counts"), "assets:count_list", STAFF),
        (_("Disposals"), "assets:disposal_list", STAFF),
        (_("QR labels"), "assets:labels", STAFF),
        (_("Contracts"), "assets:contract_list", STAFF),
        (_("Software"), "assets:software_list", STAFF),
        (_("Licences"), "assets:licence_list", STAFF),
        (_("Certificates"), "assets:certificate_list", STAFF),
        (_("Import"), "assets:importjob_list", STAFF),
        (_("Locations"), "assets:location_list", STAFF),
        (_("Device types"), "assets:devicetype_list", STAFF),
        (_("Device models"), "assets:devicemodel_list", STAFF),
        (_("Manufacturers"), "assets:manufacturer_list", STAFF),
        (_("Stock items"), "assets:stockitem_list", STAFF),
        (_("Taşınır codes"), "assets:tasinircode_list", STAFF),
    ]),
    (_("Organization"), "org", [
        (_("Units"), "core:unit_list"),
        (_("People"), "core:person_list"),
        (_("Positions"), "core:position_list"),
        (_("Delegations"), "core:delegation_list"),
        (_("Institutions"), "core:institution_list"),
    ]),
    (_("Duties"), "org", [
        (_("Regulations"), "core:regulation_list"),
        (_("Duty catalog"), "core:duty_list"),
        (_("Duty coverage"), "core:duty_coverage"),
    ]),
    (_("Administration"), "admin", [
        (_("Roles"), "core:role_list"),
        (_("Role assignments"), "core:roleassignment_list"),
        (_("Locked accounts"), "core:locked_accounts"),
        (_("Business calendars"), "core:workingcalendar_list"),
        (_("Notification templates"), "core:notificationtemplate_list"),
    ]),
    (_("Integrations"), "integrations", [
        (_("Webhooks"), "integrations:webhook_list"),
        (_("Webhook deliveries"), "integrations:webhookdelivery_list"),
    ]),
    (_("Reports"), "reports", [
        (_("Service desk reports"), "servicedesk:reports"),
        (_("Assets reports"), "assets:reports"),
    ]),
    (_("Audit"), "audit", [
        (_("Audit trail"), "core:auditentry_list"),
    ]),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    menu = []
    for label, module, items in MENU:
        if has_module_perm(user, module, "view") or (module == "admin" and has_module_perm(user, module, "change")):
            entries = []
            for item_label, name, *rest in items:
                action = rest[0] if rest else None
                if action and not has_module_perm(user, module, action):
                    continue
                entries.append((item_label, reverse(name, args=rest[1] if len(rest) > 1 else ())))
            menu.append((label, entries))
    from bilge.core.models import Notification

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"menu": menu, "unread_notifications": unread}
