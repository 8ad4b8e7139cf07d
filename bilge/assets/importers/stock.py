"""Stock from Excel/CSV: opening balances of consumables and spare parts per warehouse. Items not
yet in the catalogue are created; the quantities come in as one receipt (Varlık İşlem Fişi) per
warehouse through the stock service, accepted at once when the importing user may accept it (the
warehouse's kontrol officer or someone with ``assets.approve``), else waiting for that inspection."""

from __future__ import annotations

from collections import defaultdict

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from bilge.assets.importers import register
from bilge.assets.importers.base import CheckResult, Column, Importer, RowError, header_key, parse_int
from bilge.assets.importers.readers import cell_text

KIND_WORDS = {"tambur": "drum", "murekkep": "ink", "kablo": "cable", "yedekparca": "part", "parca": "part",
              "diger": "other", "sarf": "other"}


@register
class StockImporter(Importer):
    kind = "stock"
    label = _l("stock (opening balances)")
    columns = (
        Column("code", "Malzeme kodu", "Item code", _l("Code of the stock item; a new code creates the item."),
               True, "TNR-M404"),
        Column("name", "Malzeme adı", "Item name", _l("Required for a new item."), example="HP 59A toner"),
        Column("kind", "Tür", "Kind", _l("toner, drum, ink, cable, disk, spare part or other."), example="toner"),
        Column("measure", "Ölçü birimi", "Unit of measure", _l("adet (default), kutu, metre…"), example="adet"),
        Column("warehouse", "Ambar kodu", "Warehouse code", _l("Two-character warehouse code."), True, "BT"),
        Column("quantity", "Miktar", "Quantity", _l("Opening balance, a whole number."), True, "12"),
        Column("reorder_level", "Kritik seviye", "Reorder level",
               _l("Alert when the stock falls to this level (a new item's level)."), example="3"),
    )

    def prepare(self):
        from bilge.assets.models import StockItem, StockLevel, Warehouse

        self.warehouses = {header_key(w.code): w for w in Warehouse.objects.filter(
            institution=self.institution, archived_at__isnull=True)}
        self.items = {header_key(i.code): i for i in StockItem.objects.filter(institution=self.institution)}
        self.levels = {(lv.warehouse_id, lv.item_id): lv.quantity for lv in StockLevel.objects.filter(
            warehouse__institution=self.institution)}
        self.kinds = dict(KIND_WORDS)
        for value, label in StockItem.Kind.choices:
            self.kinds[header_key(value)] = value
            for lang in ("tr", "en"):
                with translation.override(lang):
                    self.kinds.setdefault(header_key(str(label)), value)

    def clean_row(self, number, row):
        text = {k: cell_text(v) for k, v in row.items()}
        code = text.get("code", "")
        if not code:
            raise RowError(_("The item code is required."), "code")
        item = self.items.get(header_key(code))
        if item is not None and item.is_archived:
            raise RowError(_("%(item)s is archived.") % {"item": item}, "code")
        if item is None and not text.get("name"):
            raise RowError(_("%(code)s is a new item: give its name.") % {"code": code}, "name")
        kind = "other"
        if text.get("kind"):
            kind = self.kinds.get(header_key(text["kind"]))
            if kind is None:
                raise RowError(_("Unknown kind “%(value)s”.") % {"value": text["kind"]}, "kind")
        warehouse = self.warehouses.get(header_key(text.get("warehouse", "")))
        if warehouse is None:
            raise RowError(_("No warehouse “%(value)s”.") % {"value": text.get("warehouse", "")}, "warehouse")
        try:
            quantity = parse_int(row.get("quantity"), minimum=1)
        except ValueError as exc:
            raise RowError(str(exc), "quantity") from None
        if quantity is None:
            raise RowError(_("The quantity is required."), "quantity")
        try:
            reorder = parse_int(row.get("reorder_level"))
        except ValueError as exc:
            raise RowError(str(exc), "reorder_level") from None
        if item is not None and self.levels.get((warehouse.pk, item.pk)):
            raise RowError(_("Warehouse %(warehouse)s already holds %(quantity)s of %(code)s: an opening balance "
                             "is recorded once.") % {"warehouse": warehouse.code, "code": item.code,
                                                     "quantity": self.levels[(warehouse.pk, item.pk)]}, "quantity")
        return {"code": code.strip(), "key": header_key(code), "name": text.get("name", "")[:200], "kind": kind,
                "measure": (text.get("measure") or "adet")[:20], "warehouse_id": warehouse.pk,
                "quantity": quantity, "reorder_level": reorder, "item_id": item.pk if item else None}

    def finish_check(self, result: CheckResult, rows: list[dict]) -> None:
        seen, names = {}, {}
        for row in rows:
            key = (row["key"], row["warehouse_id"])
            if key in seen:
                self.add_error(result, row["_row"], "code", _("%(code)s appears also in row %(row)s for the same "
                               "warehouse.") % {"code": row["code"], "row": seen[key]})
            else:
                seen[key] = row["_row"]
            if row["item_id"] is None and row["name"]:
                first = names.setdefault(row["key"], (row["name"], row["_row"]))
                if header_key(first[0]) != header_key(row["name"]):
                    self.add_error(result, row["_row"], "name", _("%(code)s is named differently in row %(row)s.")
                                   % {"code": row["code"], "row": first[1]})

    def summarise(self, rows):
        return {"lines": len(rows), "new_items": len({r["key"] for r in rows if r["item_id"] is None}),
                "warehouses": len({r["warehouse_id"] for r in rows}), "quantity": sum(r["quantity"] for r in rows)}

    def preview_headers(self):
        return [_("Row"), _("Item code"), _("Name"), _("Warehouse"), _("Quantity")]

    def preview_row(self, row):
        warehouse = next(w for w in self.warehouses.values() if w.pk == row["warehouse_id"])
        name = row["name"] or next(i.name for i in self.items.values() if i.pk == row["item_id"])
        return [row["_row"], row["code"], name, warehouse.code, row["quantity"]]

    def write(self, rows, progress) -> int:
        from bilge.assets.models import StockItem
        from bilge.assets.services import stock

        items = {}
        for row in rows:
            if row["item_id"] is not None:
                items[row["key"]] = self.items[row["key"]]
            elif row["key"] not in items:
                item = StockItem(institution=self.institution, code=row["code"], name=row["name"], kind=row["kind"],
                                 measure=row["measure"], reorder_level=row["reorder_level"] or 0)
                item.full_clean()
                item.save()
                items[row["key"]] = item
        by_warehouse = defaultdict(list)
        for row in rows:
            by_warehouse[row["warehouse_id"]].append(row)
        warehouses = {w.pk: w for w in self.warehouses.values()}
        done = 0
        self.movements = []
        for warehouse_id, lines in by_warehouse.items():
            movement = stock.receive(self.user, warehouses[warehouse_id],
                                     [{"item": items[r["key"]], "quantity": r["quantity"]} for r in lines],
                                     note=_("Opening balances (devir) imported from a file."))
            if stock.can_accept(self.user, movement):
                stock.accept(self.user, movement)
            self.movements.append(movement)
            done += len(lines)
            progress(done)
        return done
