"""Importers as a registry: one importer per kind of record (devices, custody, stock), each
reading every format in ``readers`` (Excel .xlsx and CSV). ``get(kind)`` gives the class;
``bilge.assets.services.imports`` runs them in the worker (check, preview, all-or-nothing write)."""

from __future__ import annotations

IMPORTERS: dict[str, type] = {}


def register(cls):
    IMPORTERS[cls.kind] = cls
    return cls


def get(kind: str):
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise ValueError(f"no importer for {kind!r}") from None


ORDER = ("devices", "custody", "stock")


def choices() -> list[tuple[str, str]]:
    return [(kind, IMPORTERS[kind].label) for kind in sorted(IMPORTERS, key=lambda k: (k not in ORDER,
                                                                                      ORDER.index(k) if k in ORDER else 0, k))]


from bilge.assets.importers import custody, devices, stock  # noqa: E402,F401  (they register themselves)
