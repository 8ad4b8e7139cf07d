"""API permission: the same module rights and scopes as the web interface."""

from rest_framework.permissions import BasePermission

from bilge.core.permissions import can, has_module_perm

METHOD_ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
                  "PATCH": "change", "DELETE": "delete"}


def view_module(view) -> str | None:
    module = getattr(view, "permission_module", None)
    if module:
        return module
    queryset = getattr(view, "queryset", None)
    model = getattr(queryset, "model", None)
    return getattr(model, "permission_module", None)


class ModulePermission(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        module = view_module(view)
        if module is None:
            return user.is_superuser
        action = getattr(view, "required_action", None) or METHOD_ACTIONS.get(request.method, "change")
        return has_module_perm(user, module, action)

    def has_object_permission(self, request, view, obj):
        action = getattr(view, "required_action", None) or METHOD_ACTIONS.get(request.method, "change")
        return can(request.user, action, obj, view_module(view))
