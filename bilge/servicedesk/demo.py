"""Service-desk demo data: years of tickets of a living IT department, for ``bilge demo``.

``generate_tickets(institution, count, years)`` spreads ``count`` tickets over the last ``years``
calendar years (the current one up to now): more each year, created mostly in working hours
(busier mornings, Mondays and January, quieter August), a few in the evening and at weekends.
Request types, requesters and their units, channels, impact and urgency, technicians follow
realistic weights. Old tickets are resolved and closed with their first response, resolution
and SLA due times computed on the institution's business calendar; some breached their targets
(marked at 75 % and at breach as the SLA check does); a share is rated. Recent tickets are still
in the queues, on hold or waiting for approval. Numbers are ``YYYY-nnnnnn``, gapless per year in
creation order and continuing the year's ``TicketSequence`` (which is updated to match). Types
with an approval chain get their approval rows; some tickets get comments and work logs.

Accounts: IT staff who work tickets and unit managers who approve them get sign-in accounts
(unusable passwords; ``bilge demo --users`` gives a few demo accounts a password). A request
filed on the portal or through the API by a person without an account is recorded by the
account ``demo.portal``.

How rows are written, and the audit trail:
* up to ``COPY_THRESHOLD`` tickets (``--scale small``), through the ORM's ``bulk_create``: audited
  like the rest of the demo (one "create" entry per row, see ``bilge.core.demo``);
* beyond it (``--scale metro``: 3,000,000 tickets) with PostgreSQL ``COPY``. Millions of per-row
  entries would dwarf the real trail, so the load is recorded by one "create" entry per table
  naming the number of rows, the number range and the years (source ``command:demo``). Indexes
  of the ticket table are dropped during the load and rebuilt after it; referential checks are
  skipped when the database user may do so (the generator only writes existing references).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import operator
import random
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bilge.core import audit
from bilge.core.calendar import BusinessCalendar
from bilge.core.models import Person, Role, RoleAssignment, Unit
from bilge.core.turkish import fold
from bilge.servicedesk.models import Approval, Comment, RequestType, Service, Ticket, TicketSequence, WorkLog
from bilge.servicedesk.services import DPO_POSITIONS, priority_for
from bilge.servicedesk.sla import DEFAULT_TARGETS

COPY_THRESHOLD = 20_000
PORTAL_USERNAME = "demo.portal"
GROWTH = 1.09  # tickets per year grow by this factor
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MIN = 60_000_000  # one minute in microseconds
_HOUR = 60 * _MIN
_DAY = 24 * _HOUR

# Share of tickets per request type (codes of the built-in catalog; other types weigh 1).
TYPE_WEIGHTS = {
    "bilgisayar-arizasi": 22, "yazici-arizasi": 20, "uygulama-hatasi": 11, "ag-arizasi": 9, "donanim-arizasi": 7,
    "donanim-malzeme-talebi": 6, "ebys-yetki": 5, "genel-talep": 4, "ybs-yetki": 3.5, "eposta-hesabi": 3,
    "e-imza-yenileme": 2.5, "e-imza-basvuru": 2, "rapor-talebi": 1.8, "yazilim-talebi": 1.2, "etkinlik-destegi": 1.2,
    "kamera-goruntusu": 0.5, "e-imza-iptal": 0.3,
}
# Technicians per IT service (by service code; others 6).
TECHNICIANS = {"donanim": 40, "sistem": 14, "ebys": 14, "yazilim": 12, "eimza": 6, "kamera": 4}
CHANNELS = (("portal", 55), ("phone", 24), ("email", 8), ("walk_in", 7), ("api", 6))
HOUR_WEIGHTS = {8: 0.9, 9: 1.5, 10: 1.6, 11: 1.3, 12: 0.5, 13: 1.0, 14: 1.3, 15: 1.2, 16: 0.9, 17: 0.5}
WEEKDAY_WEIGHTS = (1.3, 1.1, 1.0, 1.0, 0.85, 0.05, 0.03)
MONTH_WEIGHTS = (1.15, 1.05, 1.05, 1.0, 1.0, 0.95, 0.85, 0.75, 1.0, 1.05, 1.05, 1.0)
OUTSIDE_WEIGHT = 0.035  # per hour outside working time on a working day, relative to a working hour

TITLES = {
    "bilgisayar-arizasi": ["Bilgisayar açılmıyor", "Bilgisayar çok yavaş çalışıyor", "Mavi ekran hatası",
                           "Bilgisayar kendi kendine yeniden başlıyor", "Ekran görüntü vermiyor",
                           "Klavye ve fare çalışmıyor", "Windows güncellemesi takıldı", "Disk dolu uyarısı"],
    "yazici-arizasi": ["Yazıcı kâğıt sıkıştırıyor", "Yazıcı çıktı vermiyor", "Yazıcı silik basıyor",
                       "Tarayıcı bilgisayarı görmüyor", "Fotokopi makinesi arıza veriyor", "Ağ yazıcısı görünmüyor"],
    "ag-arizasi": ["İnternet bağlantısı yok", "Ağ çok yavaş", "Kablosuz ağa bağlanamıyorum", "Ağ prizi çalışmıyor",
                   "Katta kimse internete çıkamıyor", "VPN bağlantısı kopuyor"],
    "uygulama-hatasi": ["EBYS'de evrak imzalanamıyor", "YBS'de tahakkuk ekranı hata veriyor", "Uygulamaya giriş yapılamıyor",
                        "Raporlama ekranı açılmıyor", "Muhasebe modülünde hata", "İmar modülü donuyor"],
    "donanim-arizasi": ["Monitör arızalı", "UPS ötüyor", "Projeksiyon cihazı çalışmıyor", "Kart okuyucu okumuyor",
                        "Telefon santrali dahili hat çalışmıyor", "Bilgisayar fanı çok ses yapıyor"],
    "genel-talep": ["Program kurulumu", "Masa değişikliği nedeniyle bilgisayar taşıma", "Toplantı salonu bağlantısı",
                    "Ortak klasör erişimi", "Yeni personel için bilgisayar hazırlığı"],
}
RESOLUTIONS = ["Sorun yerinde giderildi.", "Parça değiştirildi, cihaz çalışır durumda teslim edildi.",
               "Sürücü yeniden yüklendi, test edildi.", "Ayarlar düzeltildi, kullanıcı ile birlikte denendi.",
               "Yetki tanımlandı, kullanıcı bilgilendirildi.", "Talep karşılandı.", "Uzaktan bağlanılarak çözüldü.",
               "Cihaz servise gönderildi, yedek cihaz verildi.", "Ağ anahtarındaki port yeniden yapılandırıldı."]
COMMENTS = ["Cihaz yerinde incelendi, parça bekleniyor.", "Kullanıcıya telefonla ulaşılamadı, tekrar aranacak.",
            "Firmaya arıza kaydı açıldı.", "Yarın sabah yerinde bakılacak.", "Ekran görüntüsü rica ediyoruz.",
            "Sorun tekrar ederse lütfen bildiriniz.", "Yedek cihaz teslim edildi.", "Onay bekleniyor."]
WORK_NOTES = ["Yerinde arıza tespiti", "Parça değişimi", "Yazılım kurulumu ve test", "Uzaktan destek",
              "Kablolama ve port kontrolü", "Yetki tanımı", "Kullanıcı bilgilendirme"]
RATING_COMMENTS = ["Hızlı çözüldü, teşekkürler.", "İlginiz için teşekkür ederim.", "Geç dönüş yapıldı.",
                   "Sorun tekrar etti.", "Çok memnun kaldım.", "Teknisyen arkadaşa teşekkürler."]
PLACES = ["Zemin kat", "1. kat", "2. kat", "3. kat", "4. kat", "Ek hizmet binası", "Arşiv", "Santral binası"]


@dataclass
class TicketDemoResult:
    tickets: int = 0
    approvals: int = 0
    comments: int = 0
    work_logs: int = 0
    open: int = 0
    method: str = ""
    seconds: float = 0.0
    per_year: dict = field(default_factory=dict)
    created: bool = True


# --- the business clock in integers -----------------------------------------------------------

class _Clock:
    """The institution's business calendar over a span of years as one line of working time, in
    UTC microseconds (what ``BusinessCalendar.add_business_minutes`` computes, without building a
    datetime per step: millions of tickets need it several times each)."""

    def __init__(self, calendar: BusinessCalendar, first_year: int, last_year: int):
        self.tz = calendar.tz
        self.first = dt.date(first_year, 1, 1)
        self.cum, self.intervals, self.midnights, self.dates = [0], [], [], []
        for year in range(first_year, last_year + 1):
            block = calendar._year(year)
            base = self.cum[-1]
            for i, spans in enumerate(block.intervals):
                self.intervals.append(spans)
                self.cum.append(base + block.cum[i + 1])
                day = dt.date.fromordinal(block.first_ordinal + i)
                self.dates.append(day)
                self.midnights.append(_us(dt.datetime(day.year, day.month, day.day, tzinfo=self.tz)))

    def day_of(self, us: int) -> int:
        return bisect.bisect_right(self.midnights, us) - 1

    def offset(self, day: int, us: int) -> int:
        """Working time from the start of the span to ``us`` (which falls on ``day``)."""
        offset = self.cum[day]
        for s, e in self.intervals[day]:
            if us <= s:
                break
            offset += (e if us >= e else us) - s
        return offset

    def moment(self, offset: int) -> int:
        """The earliest instant at which ``offset`` of working time has passed (as the calendar)."""
        day = bisect.bisect_left(self.cum, offset, 1) - 1
        rest = offset - self.cum[day]
        for s, e in self.intervals[day]:
            if rest <= e - s:
                return s + rest
            rest -= e - s
        raise AssertionError("offset beyond the clock's span")  # pragma: no cover


def _us(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _dt(us: int | None) -> dt.datetime | None:
    return None if us is None else _EPOCH + dt.timedelta(microseconds=us)


# --- the people and types the tickets refer to ------------------------------------------------------

@dataclass
class _Type:
    pk: int
    code: str
    service_id: int
    service_code: str
    service_unit_id: int
    name: str
    category: str
    form: list
    chain: list
    phases: list
    impact: int
    urgency: int
    targets: dict  # priority → (response µs, resolution µs)
    titles: list


def _types(institution) -> list[_Type]:
    result = []
    for rt in (RequestType.objects.filter(service__institution=institution, archived_at__isnull=True,
                                          service__archived_at__isnull=True)
               .select_related("service").order_by("pk")):
        targets = {}
        for priority in (1, 2, 3, 4):
            configured = (rt.sla or {}).get(str(priority))
            response, resolution = ((int(configured["response"]), int(configured["resolution"])) if configured
                                    else DEFAULT_TARGETS[priority])
            targets[priority] = (response * _MIN, resolution * _MIN)
        titles = list(TITLES.get(rt.code, []))
        for f in rt.form or []:
            if f.get("type") == "choice" and f.get("required"):
                titles += [f"{rt.name_tr}: {label}" for key, label in f.get("choices", []) if key != "diger"]
                break
        result.append(_Type(rt.pk, rt.code, rt.service_id, rt.service.code, rt.service.unit_id, rt.name_tr,
                            rt.category, rt.form or [], rt.approval_chain or [], [p["key"] for p in rt.phases or []],
                            rt.default_impact, rt.default_urgency, targets, titles or [rt.name_tr]))
    return result


def _ensure_accounts(institution, types: list[_Type]):
    """Technicians per service and approving managers get accounts (and the right roles)."""
    User = get_user_model()
    roles = {r.name: r for r in Role.objects.filter(name__in=["BT personeli", "Birim yöneticisi", "Birim personeli"])}
    portal, _created = User.objects.get_or_create(username=PORTAL_USERNAME,
                                                  defaults={"first_name": "Portal", "last_name": "(demo)"})
    if _created:
        portal.set_unusable_password()
        portal.save(update_fields=["password"])
    technicians: dict[int, list[tuple[int, int]]] = {}  # service id → [(person id, user id)]
    services = {t.service_id: (t.service_code, t.service_unit_id) for t in types}
    taken: set[int] = set()
    for service_id, (code, unit_id) in sorted(services.items()):
        tree = list(Unit.objects.descendant_ids(unit_id))
        current = Person.objects.filter(institution=institution, archived_at__isnull=True)
        wanted = TECHNICIANS.get(code, 6)
        # Own staff first; a small IT unit shares its people between its services; a unit without
        # anyone borrows from the rest of the IT department.
        staff = (list(current.filter(unit_id__in=tree).exclude(pk__in=taken).order_by("pk")[:wanted])
                 or list(current.filter(unit_id__in=tree).order_by("pk")[:wanted])
                 or list(current.filter(unit__is_it=True).order_by("pk")[:wanted]))
        taken.update(p.pk for p in staff)
        technicians[service_id] = [(p.pk, _account(p, roles.get("BT personeli"), "it_service").pk) for p in staff]
        service = Service.objects.get(pk=service_id)
        unit = Unit.objects.get(pk=unit_id)
        if service.chief_id is None and unit.manager_id:
            service.chief_id = unit.manager_id
            service.save(update_fields=["chief", "updated_at"])
    return portal.pk, technicians, roles


def _account(person: Person, role, scope: str):
    User = get_user_model()
    if person.user_id:
        user = person.user
    else:
        base = fold(f"{person.first_name}.{person.last_name}").translate(str.maketrans("çğıöşüâîû", "cgiosuaiu"))
        username = f"{''.join(ch for ch in base if ch.isalnum() or ch == '.')}.{person.registration_no}"
        user = User.objects.filter(username=username).first() or User(
            username=username, first_name=person.first_name, last_name=person.last_name, email=person.email)
        if user.pk is None:
            user.set_unusable_password()
            user.save()
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    if role is not None:
        RoleAssignment.objects.get_or_create(user=user, role=role, scope=scope, institution=None, unit=None)
    return user


# --- generation ---------------------------------------------------------------------------------------

def _year_slots(clock: _Clock, year: int, now_us: int, recent_boost: float = 1.0):
    """(cumulative weights, slots) of the moments a ticket can be created in ``year`` before now;
    a slot is (start µs, end µs, day index)."""
    weights, slots, total = [], [], 0.0
    first = (dt.date(year, 1, 1) - clock.first).days
    last = (dt.date(year + 1, 1, 1) - clock.first).days
    for day in range(first, last):
        midnight = clock.midnights[day]
        if midnight >= now_us:
            break
        date = clock.dates[day]
        factor = WEEKDAY_WEIGHTS[date.weekday()] * MONTH_WEIGHTS[date.month - 1]
        if midnight >= now_us - 14 * _DAY:
            factor *= recent_boost
        spans = clock.intervals[day]
        pieces = []
        if spans:
            for s, e in spans:
                t = s
                while t < e:
                    hour = (t - midnight) // _HOUR
                    end = min(e, midnight + (hour + 1) * _HOUR)
                    pieces.append((t, end, HOUR_WEIGHTS.get(hour, 0.4) * factor))
                    t = end
            pieces.append((midnight + 7 * _HOUR, spans[0][0], OUTSIDE_WEIGHT * factor))
            pieces.append((spans[-1][1], midnight + 22 * _HOUR, OUTSIDE_WEIGHT * factor))
        else:  # weekend or holiday: a few (network faults, events)
            pieces.append((midnight + 9 * _HOUR, midnight + 19 * _HOUR, OUTSIDE_WEIGHT * 0.5))
        for s, e, w in pieces:
            e = min(e, now_us)
            if e <= s or w <= 0:
                continue
            total += w * (e - s) / _HOUR
            weights.append(total)
            slots.append((s, e, day))
    return weights, slots


class _FastRandom(random.Random):
    """Seeded and deterministic; choice/randint/randrange from one ``random()`` call each (the
    standard ones draw bits in a loop: too slow for millions of rows)."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def _lognormal(rng, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


class _Generator:
    def __init__(self, institution, types, people, managers, dpo, technicians, portal_user, clock, now_us, rng):
        self.institution = institution
        self.types = types
        self.type_weights = list(_cumulative(TYPE_WEIGHTS.get(t.code, 1.0) for t in types))
        self.people = people  # [(id, unit id, first, last)]
        self.managers = managers  # unit id → [(manager person id, manager user id)] from the unit up
        self.dpo = dpo
        self.technicians = technicians
        self.tech_weights = {sid: list(_cumulative(1.0 + (i % 5) * 0.35 for i in range(len(staff))))
                             for sid, staff in technicians.items()}
        self.user_of = {pid: uid for staff in technicians.values() for pid, uid in staff}
        self.portal_user = portal_user
        self.clock = clock
        self.now_us = now_us
        self.rng = rng
        self.channels = list(_cumulative(w for _c, w in CHANNELS))
        self.schema_json = {t.pk: json.dumps(t.form, ensure_ascii=False) for t in types}
        self.folded = {}

    def fold(self, text: str) -> str:
        found = self.folded.get(text)
        if found is None:
            found = self.folded[text] = fold(text)
        return found

    def _choose(self, cumulative, items):
        return items[bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    def approvers(self, chain, requester_id, unit_id):
        result = []
        for step in chain:
            kind = step.get("kind")
            if kind == "unit_manager":
                found = next((m for m in self.managers.get(unit_id, ()) if m[0] != requester_id), None)
            elif kind == "dpo":
                found = self.dpo
            else:  # a named position or person: the requester's unit manager stands in for the demo
                found = next((m for m in self.managers.get(unit_id, ()) if m[0] != requester_id), None)
            if found is None:
                return None
            result.append((step, found))
        return result

    def answers(self, t: _Type, requester_id, unit_id, created_us):
        rng = self.rng
        data = {}
        for f in t.form:
            kind, key = f.get("type"), f.get("key")
            if not f.get("required") and rng.random() < 0.4:
                continue
            if kind == "choice" and f.get("choices"):
                data[key] = str(rng.choice(f["choices"])[0])
            elif kind == "multichoice" and f.get("choices"):
                data[key] = [str(rng.choice(f["choices"])[0])]
            elif kind == "person":
                data[key] = requester_id
            elif kind == "unit":
                data[key] = unit_id
            elif kind == "number":
                data[key] = str(rng.randint(1, 20))
            elif kind == "date":
                data[key] = (_dt(created_us) + dt.timedelta(days=rng.randint(1, 60))).date().isoformat()
            elif kind == "device":
                data[key] = f"DMR-{rng.randint(2012, 2026)}-{rng.randint(1, 99999):05d}"
            elif kind == "textarea":
                data[key] = "Ayrıntılar açıklamada."
            elif kind == "text":
                data[key] = rng.choice(PLACES) if "location" in key or "yer" in key else "—"
        return data

    def ticket(self, pk, number, created_us, day, year_index, years):
        """One ticket row (a dict by column) and its approvals, comments and work logs."""
        rng, clock, now = self.rng, self.clock, self.now_us
        for _attempt in range(20):
            t = self._choose(self.type_weights, self.types)
            person = self.people[rng.randrange(len(self.people))]
            steps = self.approvers(t.chain, person[0], person[1]) if t.chain else []
            if steps is not None:
                break
        else:  # pragma: no cover - an institution without managers
            raise ValueError("No request type can be routed for approval in this institution.")
        requester_id, unit_id, first_name, last_name = person
        channel = self._choose(self.channels, CHANNELS)[0]
        if channel == "api" and year_index < years - 4:
            channel = "portal"
        impact, urgency = t.impact, t.urgency
        if rng.random() < 0.35:
            impact = min(3, max(1, impact + rng.choice((-1, 1))))
        if rng.random() < 0.35:
            urgency = min(3, max(1, urgency + rng.choice((-1, 1))))
        priority = priority_for(impact, urgency)
        title = rng.choice(t.titles)
        if rng.random() < 0.3:
            title = f"{title} ({rng.choice(PLACES)})"
        devices = f"DMR-{rng.randint(2012, 2026)}-{rng.randint(1, 99999):05d}" if t.code.endswith("arizasi") \
            and rng.random() < 0.6 else ""
        staff = self.technicians.get(t.service_id) or []
        technician = self._choose(self.tech_weights[t.service_id], staff) if staff else (None, None)
        row = {
            "id": pk, "number": number, "created_at": created_us, "updated_at": created_us,
            "institution_id": self.institution.pk, "requester_id": requester_id, "requester_unit_id": unit_id,
            "created_by_id": technician[1] if channel in ("phone", "walk_in", "email") and technician[1]
            else self.portal_user,
            "channel": channel, "request_type_id": t.pk, "category": t.category, "service_id": t.service_id,
            "service_unit_id": t.service_unit_id, "impact": impact, "urgency": urgency, "priority": priority,
            "status": "", "assignee_id": None, "title": title,
            "description": f"{title}. {rng.choice(PLACES)} — {first_name} {last_name}",
            "form_data": self.answers(t, requester_id, unit_id, created_us), "form_schema": t.pk,
            "related_devices": devices, "phase": t.phases[0] if t.phases else "", "resolution": "",
            "due_response_at": None, "due_resolution_at": None, "first_response_at": None, "resolved_at": None,
            "closed_at": None, "paused_since": None, "sla_started_at": None, "sla_warned_at": None,
            "sla_breached_at": None, "rating": None, "rating_comment": "", "rated_at": None, "merged_into_id": None,
            "version": 1,
        }
        # What SearchMixin.build_search_text gives (fold works word by word; the parts are cached).
        row["search_text"] = " ".join(
            [number, self.fold(title), self.fold(first_name), self.fold(last_name)] + ([devices.lower()] if devices else []))
        approvals, comments, work_logs = [], [], []
        offset = clock.offset(day, created_us)
        start_us, start_off = created_us, offset
        if steps:
            decided_off = offset
            rejected_at = len(steps) + 1 if rng.random() > 0.04 else rng.randint(1, len(steps))
            pending = rejected = False
            for index, (step, (approver_id, approver_user)) in enumerate(steps, start=1):
                decided_off += int(_lognormal(rng, 180, 1.0) * _MIN)
                decided_us = clock.moment(decided_off)
                if rejected:
                    decision, at = "skipped", None
                elif pending:
                    decision, at = "waiting", None
                elif decided_us > now:
                    decision, at, pending = "pending", None, True
                elif index == rejected_at:
                    decision, at, rejected = "rejected", decided_us, True
                else:
                    decision, at = "approved", decided_us
                approvals.append({"ticket_id": pk, "step": index, "label": step.get("label", ""),
                                  "approver_id": approver_id, "decision": decision,
                                  "note": "Uygun değildir." if decision == "rejected" else "",
                                  "decided_by_id": approver_user if at else None, "on_behalf_of_id": None,
                                  "decided_at": at, "created_at": created_us, "updated_at": at or created_us})
            last = approvals[-1]
            if any(a["decision"] == "rejected" for a in approvals):
                row["status"] = "rejected"
                row["updated_at"] = max(a["decided_at"] or 0 for a in approvals)
                row["version"] = 2
                return row, approvals, comments, work_logs
            if last["decision"] != "approved":
                row["status"] = "awaiting_approval"
                return row, approvals, comments, work_logs
            start_us, start_off = last["decided_at"], decided_off
        response, resolution = t.targets[priority]
        row["sla_started_at"] = start_us
        due_response = clock.moment(start_off + response)
        due_resolution = clock.moment(start_off + resolution)
        row["due_response_at"], row["due_resolution_at"] = due_response, due_resolution
        # Later years resolve faster (the desk got better at it); a few wait long for a vendor.
        quality = 0.62 - 0.2 * year_index / max(1, years - 1)
        first_off = start_off + int(min(_lognormal(rng, 0.35, 0.9), 6.0) * response)
        resolve_off = max(first_off + 5 * _MIN, start_off + int(min(_lognormal(rng, quality, 0.75), 8.0) * resolution))
        if rng.random() < 0.004:
            resolve_off += int(rng.uniform(5, 30) * 480 * _MIN)
        first_us, resolved_us = clock.moment(first_off), clock.moment(resolve_off)
        assignee, assignee_user = technician
        if rng.random() < 0.02:  # withdrawn by the requester before it was solved
            cancel_us = start_us + int(rng.uniform(0.1, 1.0) * (resolved_us - start_us))
            if cancel_us <= now:
                row.update(status="cancelled", closed_at=cancel_us, updated_at=cancel_us, version=2)
                return row, approvals, comments, work_logs
        end_us = resolved_us if resolved_us <= now else now
        if resolved_us <= now:
            closed_us = resolved_us + int(rng.uniform(2, 8) * _DAY)
            row.update(status="closed" if closed_us <= now else "resolved", assignee_id=assignee,
                       first_response_at=first_us, resolved_at=resolved_us, resolution=rng.choice(RESOLUTIONS),
                       closed_at=closed_us if closed_us <= now else None, version=rng.randint(4, 6),
                       updated_at=closed_us if closed_us <= now else resolved_us,
                       phase=t.phases[-1] if t.phases else "")
            survey = 0.12 if year_index < 2 else 0.28
            if rng.random() < survey:
                breached = resolved_us > due_resolution
                rating = self._choose(_RATINGS_LATE if breached else _RATINGS, (1, 2, 3, 4, 5))
                rated = resolved_us + int(rng.uniform(0.05, 1.9) * _DAY)
                if rated <= now:
                    row.update(rating=rating, rated_at=rated,
                               rating_comment=rng.choice(RATING_COMMENTS) if rng.random() < 0.2 else "")
                    row["updated_at"] = max(row["updated_at"], rated)
            if assignee and rng.random() < 0.18:
                work_logs.append({"ticket_id": pk, "person_id": assignee, "minutes": rng.choice(_MINUTES),
                                  "note": rng.choice(WORK_NOTES),
                                  "work_date": clock.dates[clock.day_of(resolved_us)],
                                  "created_at": resolved_us, "updated_at": resolved_us})
        else:
            if first_us > now:
                status = "open" if rng.random() < 0.55 else "assigned"
            else:
                status = self._choose(_OPEN_WEIGHTS, _OPEN_STATUSES)
                row["first_response_at"] = first_us
                if status == "waiting_requester":
                    row["paused_since"] = first_us + int(rng.uniform(0, 1) * (now - first_us))
            row.update(status=status, assignee_id=None if status == "open" else assignee,
                       version=1 if status == "open" else rng.randint(2, 4),
                       updated_at=row["first_response_at"] or start_us)
            if t.phases:
                row["phase"] = rng.choice(t.phases)
        warn_us = clock.moment(start_off + int(0.75 * resolution))
        if end_us > warn_us:
            row["sla_warned_at"] = min(end_us, warn_us + rng.randint(1, 5) * _MIN)
            if end_us > due_resolution:
                row["sla_breached_at"] = min(end_us, due_resolution + rng.randint(1, 5) * _MIN)
        if assignee_user and row["first_response_at"] and rng.random() < 0.11:
            at = row["first_response_at"] + int(rng.uniform(0, 1) * max(0, end_us - row["first_response_at"]))
            comments.append({"ticket_id": pk, "author_id": assignee_user, "body": rng.choice(COMMENTS),
                             "is_internal": rng.random() < 0.4, "created_at": at, "updated_at": at})
        return row, approvals, comments, work_logs


_RATINGS = (2, 3, 8, 32, 55)
_RATINGS_LATE = (8, 10, 22, 35, 25)
_MINUTES = (10, 15, 20, 30, 30, 45, 60, 60, 90, 120, 180, 240)
_OPEN_STATUSES = ("assigned", "in_progress", "waiting_requester", "waiting_vendor")
_OPEN_WEIGHTS = (35, 40, 12, 13)


def _cumulative(values):
    total = 0.0
    out = []
    for v in values:
        total += v
        out.append(total)
    return out


for _name in ("_RATINGS", "_RATINGS_LATE", "_OPEN_WEIGHTS"):
    globals()[_name] = tuple(_cumulative(globals()[_name]))


def _managers(institution, roles) -> dict:
    """unit id → [(manager person id, manager user id)] from the unit upwards (managers get accounts)."""
    units = {u.pk: u for u in Unit.objects.filter(institution=institution).select_related("manager")}
    manager_user = {}
    for unit in units.values():
        if unit.manager_id and unit.manager_id not in manager_user:
            manager_user[unit.manager_id] = _account(unit.manager, roles.get("Birim yöneticisi"), "unit_tree").pk
    chains = {}
    for unit in units.values():
        chain, current, seen = [], unit, set()
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            if current.manager_id:
                chain.append((current.manager_id, manager_user[current.manager_id]))
            current = units.get(current.parent_id)
        chains[unit.pk] = chain
    return chains


def _year_counts(clock, first_year, years, count, now_us, recent_boost=1.0):
    slots = {}
    shares = {}
    for i in range(years):
        year = first_year + i
        weights, year_slots = _year_slots(clock, year, now_us, recent_boost)
        slots[year] = (weights, year_slots)
        full = _year_slots(clock, year, 1 << 62, recent_boost)[0] if year == first_year + years - 1 else weights
        elapsed = (weights[-1] / full[-1]) if weights and full else 0.0
        shares[year] = GROWTH ** i * elapsed
    total = sum(shares.values()) or 1.0
    counts, given = {}, 0
    for year in sorted(shares):
        counts[year] = int(count * shares[year] / total)
        given += counts[year]
    counts[max(counts)] += count - given
    return counts, slots


# --- writing ------------------------------------------------------------------------------------------

class _Writer:
    """Rows to the database: PostgreSQL COPY (big loads) or the audited bulk_create."""

    def __init__(self, copy: bool, schema_json: dict, forms: dict):
        self.copy = copy
        self.schema_json = schema_json
        self.forms = forms
        self.columns = {}

    def _columns(self, model):
        if model not in self.columns:
            fields = [f for f in model._meta.concrete_fields]
            defaults = {}
            for f in fields:
                default = f.get_default() if f.has_default() else ("" if f.empty_strings_allowed and not f.null else None)
                if f.get_internal_type() == "JSONField":
                    default = json.dumps(default)
                defaults[f.attname] = default
            self.columns[model] = ([f.attname for f in fields], defaults,
                                   {f.attname for f in fields if f.get_internal_type() == "JSONField"},
                                   {f.attname for f in fields if f.get_internal_type() == "DateTimeField"})
        return self.columns[model]

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        names, defaults, json_fields, time_fields = self._columns(model)
        if not self.copy:
            self._bulk_create(model, rows, names, time_fields)
            return
        if "id" not in rows[0]:
            names = [n for n in names if n != "id"]
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
        get = operator.itemgetter(*names)
        times = [i for i, n in enumerate(names) if n in time_fields]
        schema = names.index("form_schema") if "form_schema" in names else None
        jsons = [i for i, n in enumerate(names) if n in json_fields and n != "form_schema"]
        schema_json, dumps, epoch, delta, size = self.schema_json, json.dumps, _EPOCH, dt.timedelta, len(names)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    if len(row) < size:
                        row = {**defaults, **row}
                    out = list(get(row))
                    for i in times:
                        if out[i] is not None:
                            out[i] = epoch + delta(microseconds=out[i])
                    for i in jsons:
                        if not isinstance(out[i], str):
                            out[i] = dumps(out[i], ensure_ascii=False)
                    if schema is not None:
                        out[schema] = schema_json[out[schema]]
                    write(out)

    def _bulk_create(self, model, rows, names, time_fields):
        objs = []
        for row in rows:
            values = {}
            for name in names:
                if name not in row:
                    continue
                value = row[name]
                if name in time_fields:
                    value = _dt(value)
                elif name == "form_schema":
                    value = self.forms[value]
                values[name] = value
            objs.append(model(**values))
        with _timestamps_as_given(model):
            model.objects.bulk_create(objs, batch_size=1000)


class _timestamps_as_given:
    """bulk_create keeps the created_at/updated_at the generator chose (not "now")."""

    def __init__(self, model):
        self.fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
                       or getattr(f, "auto_now_add", False)]

    def __enter__(self):
        self.saved = [(f, f.auto_now, f.auto_now_add) for f in self.fields]
        for f in self.fields:
            f.auto_now = f.auto_now_add = False

    def __exit__(self, *exc):
        for f, now, add in self.saved:
            f.auto_now, f.auto_now_add = now, add


def _drop_ticket_indexes() -> list[str]:
    """Drop the ticket table's plain indexes (not those of primary key or unique constraints) and
    return their definitions, to build them once after a big load instead of row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [Ticket._meta.db_table])
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in found]


def _rebuild_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


def _skip_reference_checks() -> bool:
    """Skip the foreign-key triggers during the load when allowed (a superuser); else keep them."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except Exception:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


# --- the entry point ------------------------------------------------------------------------------------

@transaction.atomic
def generate_tickets(institution, count: int, years: int = 10, seed: int = 7, now: dt.datetime | None = None,
                     copy: bool | None = None, recent_boost: float = 1.0, progress=None) -> TicketDemoResult:
    """Add ``count`` tickets over the last ``years`` years to ``institution`` (see the module doc).
    ``recent_boost`` multiplies the rate of the last two weeks (a small demo then still has a
    queue to work). Nothing happens when the institution already has that many tickets."""
    started = time.perf_counter()
    existing = Ticket.objects.filter(institution=institution).count()
    if existing >= count:
        return TicketDemoResult(tickets=existing, created=False)
    count -= existing
    now = now or timezone.now()
    now_us = _us(now)
    rng = _FastRandom(seed)
    types = _types(institution)
    if not types:
        raise ValueError("The institution has no request types: load the service catalog first.")
    portal_user, technicians, roles = _ensure_accounts(institution, types)
    managers = _managers(institution, roles)
    dpo_person = Person.objects.filter(institution=institution, position__name__in=DPO_POSITIONS,
                                       archived_at__isnull=True).order_by("pk").first()
    dpo = (dpo_person.pk, _account(dpo_person, roles.get("Birim yöneticisi"), "own").pk) if dpo_person else None
    types = [t for t in types if all(s.get("kind") != "dpo" for s in t.chain) or dpo is not None]
    people = list(Person.objects.filter(institution=institution, archived_at__isnull=True)
                  .order_by("pk").values_list("pk", "unit_id", "first_name", "last_name"))
    local_now = timezone.localtime(now)
    first_year = local_now.year - years + 1
    calendar = BusinessCalendar.for_institution(institution)
    clock = _Clock(calendar, first_year, local_now.year + 2)
    counts, slots = _year_counts(clock, first_year, years, count, now_us, recent_boost)
    use_copy = (connection.vendor == "postgresql" and count > COPY_THRESHOLD) if copy is None else copy
    generator = _Generator(institution, types, people, managers, dpo, technicians, portal_user, clock, now_us, rng)
    writer = _Writer(use_copy, generator.schema_json, {t.pk: t.form for t in types})
    result = TicketDemoResult(method="COPY" if use_copy else "bulk_create")
    dropped = []
    if use_copy:
        _skip_reference_checks()
        dropped = _drop_ticket_indexes()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Ticket._meta.db_table}")
        next_id = cursor.fetchone()[0] + 1
    sequences = {s.year: s.last for s in TicketSequence.objects.filter(year__in=list(counts))}
    first_number, last_number = {}, {}
    for year_index, year in enumerate(sorted(counts)):
        n = counts[year]
        weights, year_slots = slots[year]
        if n <= 0 or not year_slots:
            continue
        total = weights[-1]
        moments = []
        for _ in range(n):
            r = rng.random() * total
            k = bisect.bisect_right(weights, r)
            if k >= len(year_slots):
                k = len(year_slots) - 1
            s, e, day = year_slots[k]
            low = weights[k - 1] if k else 0.0
            moments.append((s + int((r - low) / (weights[k] - low) * (e - s - 1)), day))
        moments.sort()
        tickets, approvals, comments, work_logs = [], [], [], []
        last = sequences.get(year, 0)
        for created_us, day in moments:
            last += 1
            row, a, c, w = generator.ticket(next_id, f"{year}-{last:06d}", created_us, day, year_index, years)
            next_id += 1
            tickets.append(row)
            approvals += a
            comments += c
            work_logs += w
            if len(tickets) >= 50_000:
                writer.write(Ticket, tickets)
                result.open += sum(1 for t in tickets if t["status"] in Ticket.QUEUE_STATUSES)
                tickets = []
        writer.write(Ticket, tickets)
        result.open += sum(1 for t in tickets if t["status"] in Ticket.QUEUE_STATUSES)
        writer.write(Approval, approvals)
        writer.write(Comment, comments)
        writer.write(WorkLog, work_logs)
        first_number[year] = sequences.get(year, 0) + 1
        sequences[year] = last_number[year] = last
        result.tickets += n
        result.approvals += len(approvals)
        result.comments += len(comments)
        result.work_logs += len(work_logs)
        result.per_year[year] = n
        if progress:
            progress(f"  {year}: {n:,} tickets ({time.perf_counter() - started:.0f} s)")
    for year, last in sequences.items():
        TicketSequence.objects.update_or_create(year=year, defaults={"last": last})
    if use_copy:
        if progress:
            progress(f"  rebuilding {len(dropped)} indexes ({time.perf_counter() - started:.0f} s)")
        _rebuild_indexes(dropped)
        ranges = {str(y): f"{y}-{first_number[y]:06d} … {y}-{last_number[y]:06d}" for y in sorted(last_number)}
        for model, n in ((Ticket, result.tickets), (Approval, result.approvals), (Comment, result.comments),
                         (WorkLog, result.work_logs)):
            audit.record("create", object_type=audit.object_type_of(model), object_id="",
                         object_repr=f"Demo: {n} {model._meta.verbose_name_plural} (toplu yükleme)",
                         changes={"demo_bulk_load": {"rows": n, "years": f"{min(ranges)}–{max(ranges)}",
                                                     **({"numbers": ranges} if model is Ticket else {})}})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Tickets were given their ids: move the id sequence past them.
            table = Ticket._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 1))")
            cursor.execute("ANALYZE servicedesk_ticket, servicedesk_approval, servicedesk_comment, "
                           "servicedesk_worklog")
    result.seconds = time.perf_counter() - started
    return result
