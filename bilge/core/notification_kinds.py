"""The registry of notification kinds.

Each kind says what it is for, which context variables its templates may use (with a sample
context for previews) and where its default subject and body templates are. Apps declare their
kinds in a ``notification_kinds`` module (e.g. ``bilge/servicedesk/notification_kinds.py``),
found on first use like Django's admin modules; ``notify()`` refuses a kind nobody registered.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # fits Notification.kind (40 characters)


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: object                       # lazy text, e.g. gettext_lazy("Assigned to me")
    description: object = ""            # when it is sent and to whom
    variables: dict = field(default_factory=dict)   # name → lazy description
    sample: dict = field(default_factory=dict)      # name → value used for previews and checks
    module: str = ""                    # permission module it belongs to (groups the preferences page)
    email_default: bool = True          # whether a user who chose nothing gets the e-mail
    subject_template: str = ""          # default: notifications/<key>.subject.txt
    body_template: str = ""             # default: notifications/<key>.body.txt

    def __post_init__(self):
        if not KEY_RE.match(self.key):
            raise ValueError(f"notification kind {self.key!r}: lower-case letters, digits and _, at most 40")
        missing = set(self.variables) ^ set(self.sample)
        if missing:
            raise ValueError(f"notification kind {self.key!r}: variables and sample differ in {sorted(missing)}")
        if not self.subject_template:
            object.__setattr__(self, "subject_template", f"notifications/{self.key}.subject.txt")
        if not self.body_template:
            object.__setattr__(self, "body_template", f"notifications/{self.key}.body.txt")


_registry: dict[str, NotificationKind] = {}
_discovered = False
_lock = threading.Lock()


def register(kind: NotificationKind) -> NotificationKind:
    """Add a kind. Registering the same key twice with a different definition is an error."""
    existing = _registry.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {kind.key!r} is already registered")
    _registry[kind.key] = kind
    return kind


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            from django.utils.module_loading import autodiscover_modules

            autodiscover_modules("notification_kinds")
            _discovered = True


def all_kinds() -> list[NotificationKind]:
    _discover()
    return list(_registry.values())


def get_kind(key: str) -> NotificationKind:
    _discover()
    try:
        return _registry[key]
    except KeyError:
        raise LookupError(f"unknown notification kind {key!r}; register it in <app>/notification_kinds.py") from None


def choices() -> list[tuple[str, str]]:
    return [(k.key, str(k.label)) for k in all_kinds()]
