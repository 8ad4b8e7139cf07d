"""Year-end count (sayım): a board of at least three (with the warehouse's taşınır kayıt yetkilisi)
counts a warehouse or a place by QR label or typed sicil no; found / missing / unexpected; recounts;
closing proposes the shortages and surpluses as movements (Taşınır Mal Yönetmeliği)."""

from __future__ import annotations

import enum
import re
from urllib.parse import unquote, urlparse

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bilge.assets.models import Count, CountLine, CountMember, Device, Location
from bilge.assets.models.counts import CountSequence
from bilge.core import audit, numbering
from bilge.core.permissions import authorize, can, person_of

MIN_BOARD = 3


class ScanResult(enum.StrEnum):
    FOUND = "found"
    ALREADY = "already"
    UNEXPECTED = "unexpected"
    UNKNOWN = "unknown"

    @property
    def label(self):
        return SCAN_LABELS[self]


SCAN_LABELS = {
    ScanResult.FOUND: gettext_lazy("found"),
    ScanResult.ALREADY: gettext_lazy("already counted"),
    ScanResult.UNEXPECTED: gettext_lazy("unexpected here: added to the count"),
    ScanResult.UNKNOWN: gettext_lazy("no device has this sicil no"),
}


def next_count_number(year: int) -> str:
    """``SYM-2026-0001``: the year's next count number, gapless under concurrent opening."""
    return f"SYM-{year}-{numbering.take(CountSequence, year=year):04d}"


def location_subtree_ids(location: Location) -> list[int]:
    """The place and every place inside it (a few levels: site → building → floor → room)."""
    ids, level = [location.pk], [location.pk]
    while level:
        level = list(Location.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        ids += level
    return ids


def expected_devices(institution_id: int, warehouse=None, location=None):
    """The devices the records put in the counted place: not disposed, not archived."""
    qs = Device.objects.filter(institution_id=institution_id, archived_at__isnull=True)
    if warehouse is not None:
        return qs.filter(warehouse=warehouse, status=Device.Status.IN_WAREHOUSE)
    return qs.filter(location_id__in=location_subtree_ids(location), status__in=Device.ACTIVE_STATUSES)


def board_problems(members, warehouse=None, institution_id=None) -> list[str]:
    """Why ``members`` [(person, is_chair)] cannot be the count board ([] when they can)."""
    problems = []
    people = [m[0] for m in members]
    ids = {p.pk for p in people}
    if len(ids) != len(people):
        problems.append(_("A person is on the count board only once."))
    if len(ids) < MIN_BOARD:
        problems.append(_("The count board has at least %(n)s members.") % {"n": MIN_BOARD})
    if sum(1 for m in members if m[1]) > 1:
        problems.append(_("Only one member chairs the count board."))
    if warehouse is not None:
        if warehouse.kayit_officer_id is None:
            problems.append(_("Warehouse %(warehouse)s has no taşınır kayıt yetkilisi recorded; record one "
                              "first.") % {"warehouse": warehouse})
        elif warehouse.kayit_officer_id not in ids:
            problems.append(_("The warehouse's taşınır kayıt yetkilisi (%(person)s) must be on the count board.")
                            % {"person": warehouse.kayit_officer.full_name})
    if institution_id is not None:
        others = [p.full_name for p in people if p.institution_id != institution_id]
        if others:
            problems.append(_("Not of this institution: %(names)s.") % {"names": ", ".join(others)})
    return problems


def open_count(user, year: int, warehouse=None, location=None, members=(), note: str = "") -> Count:
    """Open a count of a warehouse (its devices in stock) or a place (every active device there and
    in the places inside it) with its board; the expected lines are taken from the records now."""
    members = [(m[0], bool(m[1]) if len(m) > 1 else False) for m in members]
    if (warehouse is None) == (location is None):
        raise ValidationError(_("Count either a warehouse or a place."))
    if not year or not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Enter the year counted.")})
    institution_id = (warehouse or location).institution_id
    count = Count(institution_id=institution_id, year=int(year), warehouse=warehouse, location=location,
                  opened_by=user, note=(note or "").strip())
    allowed, principal = authorize(user, "add", count)
    if not allowed:
        raise PermissionError(_("You may not open a count of this place (outside your scope)."))
    problems = board_problems(members, warehouse, institution_id)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), audit.acting_for(user, principal):
        place = Q(warehouse=warehouse) if warehouse is not None else Q(location=location)
        if Count.objects.select_for_update().filter(place, state=Count.State.OPEN).exists():
            raise ValidationError(_("A count of this place is already open; close it first."))
        count.number = next_count_number(count.year)
        count.save()
        for person, chair in members:
            CountMember.objects.create(count=count, person=person, is_chair=chair)
        lines = [CountLine(count=count, device_id=pk)
                 for pk in expected_devices(institution_id, warehouse, location).values_list("pk", flat=True)]
        CountLine.objects.bulk_create(lines, batch_size=2000)
        audit.record("open_count", count, {"expected": len(lines),
                                            "board": ", ".join(p.full_name for p, _c in members)})
    return count


def may_count(user, count: Count) -> bool:
    """Board members and those who may change the count may scan and recount."""
    person = person_of(user)
    if person is not None and count.members.filter(person=person).exists():
        return True
    return can(user, "change", count)


def _require_open(user, count: Count, doing: str):
    if count.state != Count.State.OPEN:
        raise ValidationError(_("Count %(number)s is closed: it cannot be %(doing)s.") % {
            "number": count.number, "doing": doing})
    if not may_count(user, count):
        raise PermissionError(_("Only the count board and the taşınır staff may work on count %(number)s.")
                              % {"number": count.number})


QR_PATH = re.compile(r"/q/(?P<sicil>[^?#]+?)/?$")


def sicil_from_code(code: str) -> str:
    """The sicil no in what was typed or scanned: the sicil no itself, the label's URL
    (``…/assets/q/<sicil no>/``) or a device page's URL."""
    code = (code or "").strip()
    if "://" not in code and not code.startswith("/"):
        return code
    path = unquote(urlparse(code).path)
    match = QR_PATH.search(path)
    if match:
        return match["sicil"]
    try:
        found = resolve(path)
    except Resolver404:
        return code
    if found.url_name == "device_detail" and "pk" in found.kwargs:
        return Device.objects.filter(pk=found.kwargs["pk"]).values_list("sicil_no", flat=True).first() or code
    return code


def scan(user, count: Count, code: str) -> tuple[ScanResult, Device | None]:
    """One device seen: found (expected), already counted, unexpected (a known device the records
    put elsewhere: added to the count) or unknown (nothing written)."""
    _require_open(user, count, _("counted"))
    sicil = sicil_from_code(code)
    device = (Device.objects.filter(institution_id=count.institution_id, sicil_no=sicil)
              .select_related("device_type", "model").first()) if sicil else None
    if device is None:
        return ScanResult.UNKNOWN, None
    with transaction.atomic():
        count = Count.objects.select_for_update().get(pk=count.pk)
        if count.state != Count.State.OPEN:
            raise ValidationError(_("Count %(number)s was closed meanwhile.") % {"number": count.number})
        line = CountLine.objects.filter(count=count, device=device).first()
        if line is not None and line.found:
            return ScanResult.ALREADY, device
        now = timezone.now()
        if line is None:
            CountLine.objects.create(count=count, device=device, expected=False, found=True, found_round=count.round,
                                     found_at=now, found_by=user)
            return ScanResult.UNEXPECTED, device
        line.found, line.found_round, line.found_at, line.found_by = True, count.round, now, user
        line.save(update_fields=["found", "found_round", "found_at", "found_by"])
    return ScanResult.FOUND, device


def recount(user, count: Count) -> Count:
    """Start another round for the differences: what was found stays found; the missing devices
    are looked for again (their earlier marks cleared)."""
    _require_open(user, count, _("recounted"))
    with transaction.atomic():
        count = Count.objects.select_for_update().get(pk=count.pk)
        missing = count.lines.filter(expected=True, found=False)
        cleared = missing.update(found_round=None, found_at=None, found_by=None)
        count.round += 1
        count.save(update_fields=["round", "updated_at"])
        audit.record("recount", count, {"round": count.round, "missing": cleared})
    return count


def summary(count: Count) -> dict:
    """Numbers and lines of the count: expected, found, missing, unexpected."""
    lines = count.lines.select_related("device__device_type", "device__model", "device__location",
                                       "found_by").order_by("device__sicil_no")
    found = [line for line in lines if line.expected and line.found]
    missing = [line for line in lines if line.expected and not line.found]
    unexpected = [line for line in lines if not line.expected]
    return {"expected": len(found) + len(missing), "found": found, "missing": missing, "unexpected": unexpected}


LINE_KINDS = {
    "found": (Q(expected=True, found=True), ("-found_at", "-pk")),
    "missing": (Q(expected=True, found=False), ("device__sicil_no",)),
    "unexpected": (Q(expected=False), ("-found_at", "-pk")),
}


def numbers(count: Count) -> dict:
    """How many devices are expected, found, missing and unexpected (counted in the database)."""
    from django.db.models import Count as CountOf

    totals = count.lines.aggregate(**{f"n_{kind}": CountOf("pk", filter=condition) for kind, (condition, _o) in
                                      LINE_KINDS.items()}, n_expected=CountOf("pk", filter=Q(expected=True)))
    return {name[2:]: value for name, value in totals.items()}


def lines_of(count: Count, kind: str, limit: int):
    """The first ``limit`` lines of one list for the screen (the latest finds first)."""
    condition, order = LINE_KINDS[kind]
    return list(count.lines.filter(condition).select_related("device__device_type", "device__model")
                .order_by(*order)[:limit])


def close(user, count: Count) -> Count:
    """Close the count: the missing devices are proposed as a count shortage and the unexpected
    ones as a count surplus (Varlık İşlem Fişleri awaiting acceptance, when a warehouse was counted
    and the stock area numbers them; otherwise listed on the Sayım Tutanağı)."""
    _require_open(user, count, _("closed"))
    allowed, principal = authorize(user, "change", count)
    with transaction.atomic(), audit.acting_for(user, principal if allowed else None):
        count = Count.objects.select_for_update().get(pk=count.pk)
        if count.state != Count.State.OPEN:
            raise ValidationError(_("Count %(number)s is already closed.") % {"number": count.number})
        result = summary(count)
        movements = _propose_movements(user, count, result)
        count.state, count.closed_at = Count.State.CLOSED, timezone.now()
        count.save(update_fields=["state", "closed_at", "updated_at"])
        if movements:
            count.movements.add(*movements)
        audit.record("close_count", count, {
            "found": len(result["found"]), "missing": ", ".join(line.device.sicil_no for line in result["missing"]),
            "unexpected": ", ".join(line.device.sicil_no for line in result["unexpected"]),
            "movements": ", ".join(m.number for m in movements)})
    return count


def _propose_movements(user, count: Count, result: dict) -> list:
    from bilge.assets.models import Movement
    from bilge.assets.services.stock import record_device_movement

    if count.warehouse_id is None:
        return []
    movements = []
    for kind, lines in ((Movement.Kind.COUNT_SHORTAGE, result["missing"]),
                        (Movement.Kind.COUNT_SURPLUS, result["unexpected"])):
        if lines:
            movements.append(record_device_movement(
                user, count.warehouse, kind, [line.device for line in lines],
                note=_("Proposed by count %(number)s") % {"number": count.number},
                order_ref=count.number, state=Movement.State.PENDING_INSPECTION))
    return movements


def open_counts_for(user):
    """The open counts the user sits on the board of."""
    person = person_of(user)
    if person is None:
        return Count.objects.none()
    return Count.objects.filter(state=Count.State.OPEN, members__person=person).order_by("-id")


def count_for_device(user, device: Device):
    """The open count a label scan of ``device`` belongs to for this user: one they are on the
    board of that expects the device, else one whose counted place holds it, else their only open
    count (where it would be unexpected); None when none fits."""
    counts = list(open_counts_for(user).filter(institution_id=device.institution_id))
    if not counts:
        return None
    for count in counts:
        if count.lines.filter(device=device).exists():
            return count
    for count in counts:
        if count.warehouse_id and count.warehouse_id == device.warehouse_id:
            return count
        if count.location_id and device.location_id in location_subtree_ids(count.location):
            return count
    return counts[0] if len(counts) == 1 else None
