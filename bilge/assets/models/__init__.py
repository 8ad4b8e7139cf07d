"""Models of the assets app, one module per area (see docs/design/assets.md)."""

from bilge.assets.models.catalog import DeviceModel, DeviceType, Manufacturer, TasinirCode
from bilge.assets.models.contracts import Contract, Reminder
from bilge.assets.models.counts import Count, CountLine, CountMember
from bilge.assets.models.custody import Custody, CustodyLine, CustodySequence
from bilge.assets.models.devices import Device, DeviceLink, SicilSequence
from bilge.assets.models.disposal import Disposal, DisposalItem, DisposalMember
from bilge.assets.models.imports import ImportJob
from bilge.assets.models.locations import Location
from bilge.assets.models.software import Certificate, Installation, Licence, LicenceAssignment, Software
from bilge.assets.models.stock import (
    Movement,
    MovementLine,
    MovementSequence,
    StockItem,
    StockLevel,
    Warehouse,
)

__all__ = [
    "Certificate", "Contract", "Count", "CountLine", "CountMember", "Custody", "CustodyLine", "CustodySequence", "Device",
    "DeviceLink", "DeviceModel", "DeviceType", "Disposal", "DisposalItem", "DisposalMember", "ImportJob",
    "Installation", "Licence", "LicenceAssignment", "Location", "Manufacturer", "Movement", "MovementLine",
    "MovementSequence", "Reminder", "SicilSequence", "Software", "StockItem", "StockLevel", "TasinirCode",
    "Warehouse",
]
