"""URLs of the assets app: each area's views module lists its ``urlpatterns`` (and its ModelUIs
in ``UIS``, whose list/detail/edit/history URLs are generated)."""

from importlib import import_module

app_name = "assets"

AREAS = ("devices", "custody", "stock", "disposal", "counts", "contracts", "software", "imports", "reports")

urlpatterns = []
for area in AREAS:
    try:
        module = import_module(f"bilge.assets.views.{area}")
    except ModuleNotFoundError as exc:
        if exc.name != f"bilge.assets.views.{area}":
            raise
        continue
    urlpatterns += getattr(module, "urlpatterns", [])
    for ui in getattr(module, "UIS", ()):
        urlpatterns += ui.urlpatterns()
