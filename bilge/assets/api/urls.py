"""API routes of the assets app: each area's ``bilge.assets.api.<area>`` module lists ROUTES."""

from importlib import import_module

AREAS = ("devices", "custody", "stock", "disposal", "counts", "contracts", "software", "imports")

ROUTES = []
for area in AREAS:
    try:
        module = import_module(f"bilge.assets.api.{area}")
    except ModuleNotFoundError as exc:
        if exc.name != f"bilge.assets.api.{area}":
            raise
        continue
    ROUTES += module.ROUTES
